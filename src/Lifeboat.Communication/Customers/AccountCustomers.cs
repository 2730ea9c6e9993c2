using Lifeboat.Communication.Updates;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Customers;

/// <summary>The customer directory over the platform's customer accounts.</summary>
internal sealed class AccountCustomers(LifeboatPlatform platform) : ICustomerDirectory
{
    public Task<IReadOnlyDictionary<SiteId, string>> AccountsOfAsync(IReadOnlyList<SiteId> sites, CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<SiteId, string>>(new Dictionary<SiteId, string>());

    public Task<CustomerScope> ScopeAsync(string account, IReadOnlyList<SiteId> incidentSites, CancellationToken ct) =>
        throw new PlatformException(PlatformErrorKind.NotFound, $"customer account {account} does not exist in this environment ({platform.Options.Regions.Count} regions).");
}
