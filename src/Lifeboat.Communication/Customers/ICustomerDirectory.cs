using Lifeboat.Communication.Updates;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Customers;

/// <summary>Which customer account owns which site, and an account's name: what customer updates and pages are scoped by.</summary>
internal interface ICustomerDirectory
{
    /// <summary>The account owning each of <paramref name="sites"/> that has one; one read however many sites.</summary>
    Task<IReadOnlyDictionary<SiteId, string>> AccountsOfAsync(IReadOnlyList<SiteId> sites, CancellationToken ct);

    /// <summary>The account's name and those of <paramref name="incidentSites"/> it owns; refuses an unknown account.</summary>
    Task<CustomerScope> ScopeAsync(string account, IReadOnlyList<SiteId> incidentSites, CancellationToken ct);
}
