using Lifeboat.Communication;
using Lifeboat.Communication.Figures;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Sla;
using Lifeboat.Support.Tickets;
using Npgsql;

namespace Lifeboat.Support.Accounts;

/// <summary>
/// A site of the account as support sees it: its state now (live, suspended, deleted, restoring, purged) and its latest restore
/// (the job, the site's state in it: pending, restoring, validating, restored, failed), since when the account owns it.
/// </summary>
public sealed record AccountSiteState(SiteId Site, string Name, string Region, string State, RestoreJobId? LastRestore, string? RestoreState,
    DateTimeOffset? RestoreFinishedAt, DateTimeOffset LinkedAt);

/// <summary>An incident that touched the account's sites, with the restore progress and data loss of those sites only.</summary>
public sealed record AccountIncident(IncidentId Incident, string Title, string Phase, string Severity, DateTimeOffset DeclaredAt, RecoveryFigures Figures);

/// <summary>One update mailed to one of the account's key contacts, with its delivery state from the mail log.</summary>
public sealed record AccountMessage(long Id, string? Incident, int? Update, string Address, string State, int Attempts, string? LastError,
    DateTimeOffset QueuedAt, DateTimeOffset? SentAt, DateTimeOffset? BouncedAt);

/// <summary>
/// One customer account, whole (issue 14's account view): the account, its sites and their states, its incidents with their
/// restore progress and data loss, its tickets (every escalation, from every channel) and tasks (the incident's ticket per
/// affected site), the updates mailed to it with their delivery, its own key contacts including the ended ones, the history of
/// its site links, and the SLA alerts of its tickets. Read at <see cref="At"/>.
/// </summary>
public sealed record AccountOverview(
    CustomerAccount Account,
    DateTimeOffset At,
    IReadOnlyList<AccountSiteState> Sites,
    IReadOnlyList<AccountIncident> Incidents,
    IReadOnlyList<Ticket> Tickets,
    IReadOnlyList<Ticket> Tasks,
    IReadOnlyDictionary<string, int> EscalationsByChannel,
    IReadOnlyList<AccountMessage> Updates,
    IReadOnlyList<AccountContact> Contacts,
    IReadOnlyList<AccountLink> SiteLinks,
    IReadOnlyList<SlaAlert> SlaAlerts);

/// <summary>
/// Reads <see cref="AccountOverview"/> with one query per part, never one per site or per ticket: an account with 300 sites
/// costs the same round trips as one with three. The incidents' figures are the communication module's (what the customer's
/// own page shows), one reading per incident, narrowed to the account's sites.
/// </summary>
internal sealed class AccountOverviewReading(SupportContext context, LifeboatPlatform platform)
{
    public const int MaxTickets = 500;
    public const int MaxUpdates = 500;
    public const int MaxIncidents = 50;

    public async Task<AccountOverview> ReadAsync(AccountId account, CommunicationDesk comms, CancellationToken ct)
    {
        var customer = await platform.Accounts.GetAsync(account, ct);
        var at = context.Time.GetUtcNow();
        var sites = await SitesAsync(account, ct);
        var incidents = await IncidentsAsync(sites.Select(s => s.Site.Value).ToArray(), comms, ct);
        var tickets = await TicketsAsync(account, ct);
        var escalations = tickets.Where(t => t.Channel != TicketChannel.Incident)
            .GroupBy(t => TicketWords.Of(t.Channel), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new AccountOverview(customer, at, sites, incidents, tickets, [.. tickets.Where(t => t.Channel == TicketChannel.Incident)], escalations,
            await UpdatesAsync(account, ct), await platform.Accounts.ContactsAsync(account, includeRemoved: true, ct),
            await platform.Accounts.LinkHistoryAsync(account, ct), await AlertsAsync(account, ct));
    }

    private async Task<IReadOnlyList<AccountSiteState>> SitesAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT d.site_id, d.name, d.region, CASE WHEN tn.restore_id IS NOT NULL THEN 'Restoring' ELSE tn.state END, s.linked_at, r.job_id, r.state, r.finished_at
            FROM platform.account_sites s
            JOIN platform.site_directory d ON d.site_id = s.site_id
            JOIN lifeboat.tenants tn ON tn.tenant_id = d.site_id
            LEFT JOIN LATERAL (
                SELECT rs.job_id, rs.state, rs.finished_at FROM platform.restore_job_sites rs JOIN platform.restore_jobs j ON j.job_id = rs.job_id
                WHERE rs.site_id = d.site_id ORDER BY j.created_at DESC, rs.job_id DESC LIMIT 1) r ON true
            WHERE s.account_id = $1 AND s.unlinked_at IS NULL
            ORDER BY d.site_id
            """);
        cmd.Parameters.Add(SupportContext.Text(account.Value));
        var sites = new List<AccountSiteState>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            sites.Add(new AccountSiteState(SiteId.FromValidated(r.GetString(0)), r.GetString(1), r.GetString(2), StateWord(r.GetString(3)),
                r.IsDBNull(5) ? null : RestoreJobId.FromValidated(r.GetString(5)), r.IsDBNull(6) ? null : r.GetString(6).ToLowerInvariant(),
                r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(4)));
        }

        return sites;
    }

    /// <summary>"live" for an active site: the word customers and support use; the other states as the store names them.</summary>
    internal static string StateWord(string state) => state == "Active" ? "live" : state.ToLowerInvariant();

    private async Task<IReadOnlyList<AccountIncident>> IncidentsAsync(string[] sites, CommunicationDesk comms, CancellationToken ct)
    {
        if (sites.Length == 0)
        {
            return [];
        }

        var found = new List<(IncidentId Id, string Title, string Phase, short Severity, DateTimeOffset DeclaredAt)>();
        await using (var cmd = context.Command("""
            SELECT i.incident_id, i.title, i.phase, i.severity, i.declared_at FROM incidents.incidents i
            WHERE i.site_ids && $1::text[] AND i.duplicate_of IS NULL ORDER BY i.declared_at DESC, i.incident_id DESC LIMIT $2
            """))
        {
            cmd.Parameters.Add(SupportContext.Texts(sites));
            cmd.Parameters.Add(SupportContext.Int(MaxIncidents));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                found.Add((IncidentId.FromValidated(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetInt16(3), r.GetFieldValue<DateTimeOffset>(4)));
            }
        }

        var ofAccount = sites.Select(SiteId.FromValidated).ToList();
        var incidents = new List<AccountIncident>();
        foreach (var i in found)
        {
            var figures = (await comms.FiguresAsync(i.Id, ct)).ForSites(ofAccount);
            incidents.Add(new AccountIncident(i.Id, i.Title, i.Phase, ((IncidentSeverity)i.Severity).ToString(), i.DeclaredAt, figures));
        }

        return incidents;
    }

    private async Task<IReadOnlyList<Ticket>> TicketsAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = context.Command($"""
            SELECT {Ticket.Columns} FROM support.tickets t WHERE t.account_id = $1 AND t.state <> 'unverified' ORDER BY t.ticket_id DESC LIMIT $2
            """);
        cmd.Parameters.Add(SupportContext.Text(account.Value));
        cmd.Parameters.Add(SupportContext.Int(MaxTickets));
        var tickets = new List<Ticket>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            tickets.Add(Ticket.Read(r));
        }

        return tickets;
    }

    private async Task<IReadOnlyList<AccountMessage>> UpdatesAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT m.message_id, m.incident_id, m.update_number, m.address, m.state, m.attempts, m.last_error, m.queued_at, m.sent_at, m.bounced_at
            FROM comms.messages m WHERE m.account_id = $1 ORDER BY m.queued_at DESC, m.message_id DESC LIMIT $2
            """);
        cmd.Parameters.Add(SupportContext.Text(account.Value));
        cmd.Parameters.Add(SupportContext.Int(MaxUpdates));
        var messages = new List<AccountMessage>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            messages.Add(new AccountMessage(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetString(3), r.GetString(4),
                r.GetInt32(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), At(r, 8), At(r, 9)));
        }

        return messages;
    }

    private async Task<IReadOnlyList<SlaAlert>> AlertsAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = context.Command($"""
            SELECT {SlaAlerts.Columns} FROM support.tickets t JOIN support.sla_alerts a ON a.ticket_id = t.ticket_id
            WHERE t.account_id = $1 ORDER BY a.fired_at DESC, a.ticket_id LIMIT $2
            """);
        cmd.Parameters.Add(SupportContext.Text(account.Value));
        cmd.Parameters.Add(SupportContext.Int(MaxTickets));
        var alerts = new List<SlaAlert>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            alerts.Add(SlaAlerts.Read(r));
        }

        return alerts;
    }

    private static DateTimeOffset? At(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}

/// <summary>A ticket as its customer sees it through their link: what it is about, where it stands, and the last public message.</summary>
public sealed record CustomerTicket(TicketId Ticket, string Subject, string State, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? LastMessage, DateTimeOffset? LastMessageAt);

/// <summary>
/// The customer's own part of the account view, for their capability link: the account's tickets (not merged ones, whose words are
/// on the ticket they merged into), each with its subject, state and last message. Nothing of another account, no hints, no
/// requester addresses, nothing but messages from the history.
/// </summary>
internal sealed class CustomerTickets(SupportContext context)
{
    public const int Max = 100;

    public async Task<IReadOnlyList<CustomerTicket>> OfAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT t.ticket_id, t.subject, t.state, t.created_at, t.updated_at, m.text, m.at
            FROM support.tickets t
            LEFT JOIN LATERAL (SELECT h.text, h.at FROM support.ticket_history h WHERE h.ticket_id = t.ticket_id AND h.kind = 'message' ORDER BY h.entry_id DESC LIMIT 1) m ON true
            WHERE t.account_id = $1 AND t.state <> 'unverified' AND t.merged_into IS NULL
            ORDER BY t.ticket_id DESC LIMIT $2
            """);
        cmd.Parameters.Add(SupportContext.Text(account.Value));
        cmd.Parameters.Add(SupportContext.Int(Max));
        var tickets = new List<CustomerTicket>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            tickets.Add(new CustomerTicket(TicketId.FromValidated(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6)));
        }

        return tickets;
    }
}
