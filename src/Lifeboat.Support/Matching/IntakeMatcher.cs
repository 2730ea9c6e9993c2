using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Support.Internal;

namespace Lifeboat.Support.Matching;

/// <summary>A site the request may be about, in whatever state it is, with the account that owns it (if any).</summary>
public sealed record MatchedSite(SiteId Site, string Name, string State, AccountId? Account);

/// <summary>An open incident that affects one of the matched sites (or a site of the requester's account).</summary>
public sealed record MatchedIncident(IncidentId Incident, IncidentSeverity Severity, IReadOnlyList<SiteId> Sites);

/// <summary>
/// What a request matched: accounts whose key contact has exactly the requester's address; accounts with a key contact at the
/// same domain (a hint for a person, never a link); sites by URL or name (live, deleted and purged); the open incidents of
/// those sites.
/// </summary>
public sealed record IntakeMatch(
    IReadOnlyList<AccountId> ByAddress,
    IReadOnlyList<AccountId> ByDomain,
    IReadOnlyList<MatchedSite> Sites,
    IReadOnlyList<MatchedIncident> Incidents)
{
    /// <summary>
    /// Sites whose own key contact (the contact directory's, kept outside tenant data) has exactly the requester's address. They are
    /// in <see cref="Sites"/> too, and their accounts in <see cref="ByAddress"/>: a site's admin is its account's customer.
    /// </summary>
    public IReadOnlyList<MatchedSite> BySiteContact { get; init; } = [];
}

/// <summary>
/// Matches a request in two round trips, every read on an index: the address on 0013's lower(email) index of the accounts'
/// contacts, the domain on support.mail_domain(email), sites on support.site_key(name) of the site directory (which keeps
/// deleted and purged sites' names), and the open incidents that name the matched sites or the sites of the matched accounts.
/// A site's own key contacts are matched by exact address too, on 0003's index of the contact directory's records (the store's
/// tenant lifeboat-contacts): the site, and through it its account.
/// </summary>
internal sealed class IntakeMatcher(SupportContext context)
{
    /// <summary>No request is about more than this many accounts or sites; a common domain (a free mail provider) stops here.</summary>
    public const int MaxMatches = 20;

    public async Task<IntakeMatch> MatchAsync(string address, string? site, CancellationToken ct)
    {
        var domain = address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant();
        var keys = SiteKeys.Of(site);
        var byAddress = new List<AccountId>();
        var byDomain = new List<AccountId>();
        var sites = new List<MatchedSite>();
        var accountSites = new List<string>();
        var bySiteContact = new List<MatchedSite>();
        await using (var batch = context.DataSource.CreateBatch())
        {
            var exact = new Npgsql.NpgsqlBatchCommand("""
                SELECT DISTINCT account_id FROM platform.account_contacts WHERE lower(email) = lower($1) AND removed_at IS NULL ORDER BY account_id LIMIT $2
                """);
            exact.Parameters.Add(SupportContext.Text(address));
            exact.Parameters.Add(SupportContext.Int(MaxMatches));
            batch.BatchCommands.Add(exact);

            var ofDomain = new Npgsql.NpgsqlBatchCommand("""
                SELECT DISTINCT account_id FROM platform.account_contacts
                WHERE support.mail_domain(email) = $1 AND removed_at IS NULL AND email IS NOT NULL ORDER BY account_id LIMIT $2
                """);
            ofDomain.Parameters.Add(SupportContext.Text(domain));
            ofDomain.Parameters.Add(SupportContext.Int(MaxMatches));
            batch.BatchCommands.Add(ofDomain);

            var named = new Npgsql.NpgsqlBatchCommand("""
                SELECT d.site_id, d.name, t.state, s.account_id
                FROM platform.site_directory d
                JOIN lifeboat.tenants t ON t.tenant_id = d.site_id
                LEFT JOIN platform.account_sites s ON s.site_id = d.site_id AND s.unlinked_at IS NULL
                WHERE support.site_key(d.name) = ANY($1) ORDER BY d.site_id LIMIT $2
                """);
            named.Parameters.Add(SupportContext.Texts(keys));
            named.Parameters.Add(SupportContext.Int(MaxMatches));
            batch.BatchCommands.Add(named);

            // The sites of the accounts the address is a key contact of: their open incidents are what the requester most likely writes about.
            var owned = new Npgsql.NpgsqlBatchCommand("""
                SELECT s.site_id FROM platform.account_sites s
                WHERE s.account_id IN (SELECT account_id FROM platform.account_contacts WHERE lower(email) = lower($1) AND removed_at IS NULL)
                  AND s.unlinked_at IS NULL
                LIMIT 10000
                """);
            owned.Parameters.Add(SupportContext.Text(address));
            batch.BatchCommands.Add(owned);

            // Sites whose contact in the directory has the address: the directory is records of its own tenant, read on 0003's partial index.
            var ofSites = new Npgsql.NpgsqlBatchCommand("""
                SELECT d.site_id, d.name, t.state, s.account_id
                FROM lifeboat.records r
                JOIN platform.site_directory d ON d.site_id = r.doc ->> 'site'
                JOIN lifeboat.tenants t ON t.tenant_id = d.site_id
                LEFT JOIN platform.account_sites s ON s.site_id = d.site_id AND s.unlinked_at IS NULL
                WHERE r.tenant_id = 'lifeboat-contacts' AND r.collection = 'contacts' AND NOT r.deleted AND lower(r.doc ->> 'email') = lower($1)
                ORDER BY d.site_id LIMIT $2
                """);
            ofSites.Parameters.Add(SupportContext.Text(address));
            ofSites.Parameters.Add(SupportContext.Int(MaxMatches));
            batch.BatchCommands.Add(ofSites);

            await using var reader = await batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                byAddress.Add(AccountId.FromValidated(reader.GetString(0)));
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                byDomain.Add(AccountId.FromValidated(reader.GetString(0)));
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                sites.Add(new MatchedSite(SiteId.FromValidated(reader.GetString(0)), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : AccountId.FromValidated(reader.GetString(3))));
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                accountSites.Add(reader.GetString(0));
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                bySiteContact.Add(new MatchedSite(SiteId.FromValidated(reader.GetString(0)), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : AccountId.FromValidated(reader.GetString(3))));
            }
        }

        // A site's contact is its account's customer, as exactly as an account's own key contact is.
        foreach (var contactSite in bySiteContact)
        {
            if (contactSite.Account is { } owner && !byAddress.Contains(owner))
            {
                byAddress.Add(owner);
            }

            if (!sites.Any(s => s.Site == contactSite.Site))
            {
                sites.Add(contactSite);
            }
        }

        var incidents = new List<MatchedIncident>();
        var concerned = sites.Select(s => s.Site.Value).Concat(accountSites).Distinct(StringComparer.Ordinal).ToArray();
        if (concerned.Length > 0)
        {
            // Open incidents are few; the predicate reads them through 0004's partial index of open incidents.
            await using var cmd = context.Command("""
                SELECT i.incident_id, i.severity, ARRAY(SELECT unnest(i.site_ids) INTERSECT SELECT unnest($1::text[]))
                FROM incidents.incidents i
                WHERE i.phase <> 'closed' AND i.duplicate_of IS NULL AND i.site_ids && $1::text[]
                ORDER BY i.declared_at DESC, i.incident_id DESC LIMIT $2
                """);
            cmd.Parameters.Add(SupportContext.Texts(concerned));
            cmd.Parameters.Add(SupportContext.Int(MaxMatches));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                incidents.Add(new MatchedIncident(IncidentId.FromValidated(reader.GetString(0)), (IncidentSeverity)reader.GetInt16(1),
                    [.. reader.GetFieldValue<string[]>(2).Order(StringComparer.Ordinal).Select(SiteId.FromValidated)]));
            }
        }

        return new IntakeMatch(byAddress, byDomain, sites, incidents) { BySiteContact = bySiteContact };
    }
}
