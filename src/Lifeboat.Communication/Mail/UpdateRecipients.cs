using Lifeboat.Communication.Updates;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// Who a published update is mailed to: the ONE place that decides it. The key contacts of the customer accounts owning the
/// sites it concerns (each account's own contacts and its sites' contacts, both kept outside tenant data, so a deleted or
/// purged site's people are still reached), the contacts of a concerned site no account owns, and, for a public update, the
/// confirmed subscribers of the components the incident touches.
/// </summary>
internal sealed class UpdateRecipients(CommunicationDesk desk)
{
    /// <summary>
    /// A public update: every affected customer's key contacts, and the subscribers of the touched components. A customer update:
    /// that account's key contacts only. An internal update: nobody (it goes to chat). Addresses that do not parse are skipped;
    /// the same address in any case is one recipient (the first account it came from), a subscriber when any source is.
    /// </summary>
    internal async Task<IReadOnlyList<Recipient>> RecipientsAsync(IncidentUpdate update, CancellationToken ct)
    {
        if (update.Audience == UpdateAudience.Internal)
        {
            return [];
        }

        var incidentSites = (await desk.Incidents.GetAsync(update.Incident, ct)).Sites;
        IReadOnlyList<SiteId> sites;
        try
        {
            sites = update.Audience == UpdateAudience.Customer ? (await desk.Customers.ScopeAsync(update.Account!, incidentSites, ct)).Sites : incidentSites;
        }
        catch (PlatformException)
        {
            // An account this environment does not have (a malformed or foreign ID) has no one to tell; one such update must not
            // stop the mail of every update after it in the outbox.
            return [];
        }

        var recipients = new Dictionary<string, Recipient>(StringComparer.Ordinal);
        void Add(string? address, string? name, string? account, bool subscriber)
        {
            if (!MailAddresses.TryRequire(address, out var mailbox))
            {
                return;
            }

            var key = MailAddresses.KeyOf(mailbox.Address);
            recipients[key] = recipients.TryGetValue(key, out var known)
                ? known with { Subscriber = known.Subscriber || subscriber, Name = known.Name ?? name, Account = known.Account ?? account }
                : new Recipient(mailbox.Address, name, account, subscriber);
        }

        var owners = await desk.Platform.Accounts.AccountsOfSitesAsync(sites, ct);
        foreach (var account in owners.Values.Select(a => a.Id).Distinct())
        {
            foreach (var contact in await desk.Platform.Accounts.KeyContactsAsync(account, ct))
            {
                Add(contact.Email, contact.Name, account.Value, subscriber: false);
            }
        }

        foreach (var site in sites.Where(s => !owners.ContainsKey(s)))
        {
            foreach (var contact in await desk.Platform.Contacts.OfSiteAsync(site, ct))
            {
                Add(contact.Email, contact.Name, null, subscriber: false);
            }
        }

        if (update.Audience == UpdateAudience.Public)
        {
            var components = await ComponentsOfAsync(sites, ct);
            foreach (var (address, _) in await new Subscriptions.SubscriberList(desk.Context).ConfirmedOfAsync(components, ct))
            {
                Add(address, null, null, subscriber: true);
            }
        }

        return [.. recipients.Values.OrderBy(r => r.Address, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// The components the incident touches, as the status page shows them: every product in the regions of the sites (a deleted
    /// site's own catalogue cannot be read, and a deletion takes every product of the site). One read for the regions.
    /// </summary>
    private async Task<IReadOnlyList<string>> ComponentsOfAsync(IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        var regions = (await desk.Platform.Restores.LatestForSitesAsync(sites, ct)).Select(s => s.Region).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return [.. (await StatusPages.ComponentCatalog.ListAsync(desk.Platform, ct)).Where(c => regions.Contains(c.Region)).Select(c => c.Key)];
    }
}
