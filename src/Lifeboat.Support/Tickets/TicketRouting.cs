using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Matching;
using Npgsql;

namespace Lifeboat.Support.Tickets;

/// <summary>Where a confirmed request goes: its account, sites and incident (none: triage), and the incident ticket it merges into.</summary>
internal sealed record Route(IntakeMatch Match, CustomerAccount? Account, IReadOnlyList<SiteId> Sites, MatchedIncident? Incident, Ticket? MergeInto);

/// <summary>
/// Decides where a confirmed request goes and writes it. The requester's address is trusted only once confirmed, and only an
/// exact one: a key contact's address links the ticket to that account (to the account of the site they named when it is one of
/// theirs), its matched sites and their open incident; a request about a site of an incident that has its ticket for that site
/// merges into it. Anything else (a domain, a site whose account does not list the requester, several accounts) goes to triage
/// with what was found attached as hints, for a person to confirm.
/// </summary>
internal sealed class TicketRouting(SupportContext context, LifeboatPlatform platform, IntakeMatcher matcher, IncidentTickets incidentTickets)
{
    public async Task<Route> DecideAsync(Ticket request, CancellationToken ct)
    {
        var match = await matcher.MatchAsync(request.Requester!, request.SiteGiven, ct);
        var ofTheirs = match.Sites.Where(s => s.Account is { } a && match.ByAddress.Contains(a)).ToList();
        AccountId? account = ofTheirs.Count > 0 ? ofTheirs[0].Account : match.ByAddress.Count == 1 ? match.ByAddress[0] : null;
        if (account is not { } chosen)
        {
            return new Route(match, null, [], null, null);
        }

        var sites = ofTheirs.Where(s => s.Account == chosen).Select(s => s.Site).ToList();
        var owned = sites.Count > 0
            ? sites.ToHashSet()
            : (await platform.Accounts.SitesAsync(chosen, ct)).Select(s => s.Site.Id).ToHashSet();
        var incident = match.Incidents.FirstOrDefault(i => i.Sites.Any(owned.Contains));
        if (incident is not null && sites.Count == 0)
        {
            sites = [.. incident.Sites.Where(owned.Contains)];
        }

        Ticket? mergeInto = null;
        if (incident is not null && sites.FirstOrDefault(incident.Sites.Contains) is { Value: not null } site)
        {
            await incidentTickets.EnsureAsync(incident.Incident, ct);
            mergeInto = await IncidentTicketAsync(incident.Incident, site, ct);
        }

        return new Route(match, await platform.Accounts.GetAsync(chosen, ct), sites, incident, mergeInto);
    }

    /// <summary>
    /// Writes where the ticket goes. <paramref name="confirmed"/> says the requester's address was confirmed by its code or link (the
    /// intake); an inbound mail's From was not, and its history says so where the confirmation would be.
    /// </summary>
    public async Task ApplyAsync(SupportTransaction tx, Ticket request, Route route, DateTimeOffset now, bool confirmed, CancellationToken ct)
    {
        var hints = new
        {
            byAddress = route.Match.ByAddress,
            byDomain = route.Match.ByDomain,
            sites = route.Match.Sites,
            incidents = route.Match.Incidents.Select(i => new { i.Incident, severity = i.Severity.ToString(), i.Sites }),
        };
        await using var batch = tx.Batch();
        var requester = request.Requester!;
        if (confirmed)
        {
            batch.BatchCommands.Add(TicketHistory.Entry(request.Id, "verified", now, requester, $"{requester} confirmed their address", new { }));
        }

        TicketQueue queue;
        TicketPriority priority;
        TicketState state = TicketState.Open;
        if (route.MergeInto is { } target)
        {
            (queue, priority, state) = (TicketQueue.Incident, target.Priority, TicketState.Solved);
            batch.BatchCommands.Add(TicketHistory.Entry(request.Id, "merged", now, context.Actor,
                $"merged into {target.Id}, the ticket of site {target.Sites[0]} in incident {target.Incident}", new { into = target.Id }));
            batch.BatchCommands.Add(TicketHistory.Entry(target.Id, "message", now, requester,
                $"{requester}{(request.Company is { } c ? $" ({c})" : "")} wrote through the {TicketWords.Of(request.Channel)} (request {request.Id}): {request.Description}",
                new { from = request.Id, channel = TicketWords.Of(request.Channel) }));
            var reopen = new NpgsqlBatchCommand("UPDATE support.tickets SET state = 'open', updated_at = $2 WHERE ticket_id = $1");
            reopen.Parameters.Add(SupportContext.Text(target.Id.Value));
            reopen.Parameters.Add(new() { Value = now });
            batch.BatchCommands.Add(reopen);
        }
        else if (route.Account is { } account)
        {
            queue = route.Incident is null ? TicketQueue.General : TicketQueue.Incident;
            priority = route.Incident is { } i ? IncidentPriority.Of(account.Tier, i.Severity) : TicketPriority.Normal;
            batch.BatchCommands.Add(TicketHistory.Entry(request.Id, "linked", now, context.Actor,
                $"linked to {account} by the requester's {(confirmed ? "confirmed address" : "From address (not confirmed: a mail's From can be forged)")}" +
                (route.Sites.Count > 0 ? $", sites {string.Join(", ", route.Sites)}" : "") + (route.Incident is { } inc ? $", incident {inc.Incident}" : ""),
                new { account = account.Id, sites = route.Sites, incident = route.Incident?.Incident }));
        }
        else
        {
            (queue, priority) = (TicketQueue.Triage, TicketPriority.Normal);
        }

        var update = new NpgsqlBatchCommand("""
            UPDATE support.tickets SET state = $2, queue = $3, priority = $4, account_id = $5, site_ids = $6, incident_id = $7, merged_into = $8, hints = $9, updated_at = $10
            WHERE ticket_id = $1 AND state = 'unverified'
            """);
        update.Parameters.Add(SupportContext.Text(request.Id.Value));
        update.Parameters.Add(SupportContext.Text(TicketWords.Of(state)));
        update.Parameters.Add(SupportContext.Text(TicketWords.Of(queue)));
        update.Parameters.Add(SupportContext.Text(TicketWords.Of(priority)));
        update.Parameters.Add(SupportContext.Text(route.Account?.Id.Value));
        update.Parameters.Add(SupportContext.Texts(route.Sites.Select(s => s.Value)));
        update.Parameters.Add(SupportContext.Text(route.Incident?.Incident.Value));
        update.Parameters.Add(SupportContext.Text(route.MergeInto?.Id.Value));
        update.Parameters.Add(SupportContext.Json(System.Text.Json.JsonSerializer.Serialize(hints, Lifeboat.Platform.Internal.PlatformJson.Options)));
        update.Parameters.Add(new() { Value = now });
        batch.BatchCommands.Insert(0, update);
        await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task<Ticket?> IncidentTicketAsync(IncidentId incident, SiteId site, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Ticket.Columns} FROM support.tickets t WHERE t.channel = 'incident' AND t.incident_id = $1 AND t.incident_site_id = $2");
        cmd.Parameters.Add(SupportContext.Text(incident.Value));
        cmd.Parameters.Add(SupportContext.Text(site.Value));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Ticket.Read(reader) : null;
    }
}
