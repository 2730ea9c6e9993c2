using Lifeboat.Communication.Updates;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Customers;

/// <summary>The customer directory over the platform's customer accounts (<see cref="LifeboatPlatform.Accounts"/>).</summary>
internal sealed class AccountCustomers(LifeboatPlatform platform) : ICustomerDirectory
{
    public async Task<IReadOnlyDictionary<SiteId, string>> AccountsOfAsync(IReadOnlyList<SiteId> sites, CancellationToken ct) =>
        (await platform.Accounts.AccountsOfSitesAsync(sites, ct)).ToDictionary(p => p.Key, p => p.Value.Id.Value);

    public async Task<CustomerScope> ScopeAsync(string account, IReadOnlyList<SiteId> incidentSites, CancellationToken ct)
    {
        var found = await platform.Accounts.GetAsync(AccountId.Parse(account?.Trim()), ct);
        var owned = await platform.Accounts.AccountsOfSitesAsync(incidentSites, ct);
        return new CustomerScope(found.Id.Value, found.Name, [.. incidentSites.Where(s => owned.TryGetValue(s, out var a) && a.Id == found.Id)]);
    }
}
