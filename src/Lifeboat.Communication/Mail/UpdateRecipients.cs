using System.Text.Json;
using Lifeboat.Communication.Updates;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// Who a published update is mailed to: the ONE place that decides it. For now, the platform's site contacts (kept
/// outside tenant data, so a deleted site's contacts are still there) of the sites it concerns, plus, for a public
/// update, the confirmed subscribers of the components those sites use. When customer accounts land, this method
/// switches to their key contacts; nothing else changes.
/// </summary>
internal sealed class UpdateRecipients(CommunicationDesk desk)
{
    /// <summary>
    /// A public update: the incident's sites' contacts and the confirmed subscribers of their components (each site's
    /// licensed products in its region). A customer update: the contacts of the sites its figures name
    /// (<c>figures.sites</c>) and nobody else: without them, nobody, rather than every affected customer. An internal
    /// update: nobody (it goes to chat). Addresses that do not parse are skipped; the same address in any case is one
    /// recipient, a subscriber when any of its sources is a subscription.
    /// </summary>
    internal async Task<IReadOnlyList<Recipient>> RecipientsAsync(IncidentUpdate update, CancellationToken ct)
    {
        if (update.Audience == UpdateAudience.Internal)
        {
            return [];
        }

        var sites = update.Audience == UpdateAudience.Customer
            ? SitesOfFigures(update.Figures)
            : (await desk.Incidents.GetAsync(update.Incident, ct)).Sites;
        var recipients = new Dictionary<string, Recipient>(StringComparer.Ordinal);
        void Add(string? address, string? name, bool subscriber)
        {
            if (!MailAddresses.TryRequire(address, out var mailbox))
            {
                return;
            }

            var key = MailAddresses.KeyOf(mailbox.Address);
            recipients[key] = recipients.TryGetValue(key, out var known)
                ? known with { Subscriber = known.Subscriber || subscriber, Name = known.Name ?? name }
                : new Recipient(mailbox.Address, name, update.Account, subscriber);
        }

        foreach (var site in sites)
        {
            foreach (var contact in await desk.Platform.Contacts.OfSiteAsync(site, ct))
            {
                Add(contact.Email, contact.Name, subscriber: false);
            }
        }

        if (update.Audience == UpdateAudience.Public)
        {
            var components = await ComponentsOfAsync(sites, ct);
            foreach (var (address, _) in await new Subscriptions.SubscriberList(desk.Context).ConfirmedOfAsync(components, ct))
            {
                Add(address, null, subscriber: true);
            }
        }

        return [.. recipients.Values.OrderBy(r => r.Address, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The components (product@region) the sites use: each active licence's product in the site's region.</summary>
    private async Task<IReadOnlyList<string>> ComponentsOfAsync(IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        var components = new HashSet<string>(StringComparer.Ordinal);
        foreach (var site in sites)
        {
            string region;
            try
            {
                region = (await desk.Platform.Sites.GetAsync(site, ct)).Region;
            }
            catch (PlatformException e) when (e.Kind == PlatformErrorKind.NotFound)
            {
                continue;
            }

            foreach (var licence in await desk.Platform.Provisioning.LicencesAsync(site, ct))
            {
                if (licence.Active)
                {
                    components.Add($"{licence.Product.Value}@{region}");
                }
            }
        }

        return [.. components];
    }

    private static List<SiteId> SitesOfFigures(JsonElement figures)
    {
        var sites = new List<SiteId>();
        if (figures.ValueKind != JsonValueKind.Object || !figures.TryGetProperty("sites", out var listed) || listed.ValueKind != JsonValueKind.Array)
        {
            return sites;
        }

        foreach (var item in listed.EnumerateArray())
        {
            // figures.sites may list IDs, or objects carrying one ("id" or "site"), depending on the template's figures.
            var text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.Object when item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String => id.GetString(),
                JsonValueKind.Object when item.TryGetProperty("site", out var s) && s.ValueKind == JsonValueKind.String => s.GetString(),
                _ => null,
            };
            if (text is not null && TypedId.TryParse<SiteId>(text, out var site, out _))
            {
                sites.Add(site);
            }
        }

        return sites;
    }
}
