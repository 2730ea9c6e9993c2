using Lifeboat.Platform;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support.Sla;

/// <summary>A reminder (before the time runs out) or a breach (it ran out) of one clock of one ticket, fired once.</summary>
public sealed record SlaAlert(TicketId Ticket, string Clock, DateTimeOffset DueAt, string Kind, DateTimeOffset FiredAt, string? Owner, string Priority);

/// <summary>What one pass did: clocks started, tickets handed to another team, alerts fired (only by this pass).</summary>
public sealed record ClockPass(int ClocksStarted, int HandedOff, IReadOnlyList<SlaAlert> Fired);

/// <summary>
/// The server's pass over open tickets, by the injected clock: starts the first-response clock of each ticket that became work
/// (from when it did: the requester's confirmation, or the incident ticket's creation, not from when the pass ran), gives each
/// ticket the owner the shift table says and writes each hand-off in its history, and fires each reminder and breach that is due.
/// Every step is one statement that changes only what is not done yet, so two servers or a restart do each thing once.
/// </summary>
internal sealed class SupportClocks(SupportContext context, SupportOptions options)
{
    public const string Actor = "lifeboat";

    public async Task<ClockPass> RunAsync(CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        var started = await StartClocksAsync(ct);
        var handed = await AssignOwnersAsync(now, ct);
        var fired = await FireAsync(now, ct);
        return new ClockPass(started, handed, fired);
    }

    private async Task<int> StartClocksAsync(CancellationToken ct)
    {
        var priorities = Enum.GetValues<TicketPriority>();
        await using var cmd = context.Command("""
            UPDATE support.tickets t SET sla_started_at = s.started, first_response_due = s.started + p.first_response
            FROM (SELECT w.ticket_id,
                         coalesce((SELECT min(h.at) FROM support.ticket_history h WHERE h.ticket_id = w.ticket_id AND h.kind = 'verified'), w.created_at) AS started
                  FROM support.tickets w
                  WHERE w.sla_started_at IS NULL AND w.state IN ('open', 'pending') AND w.merged_into IS NULL) s,
                 unnest($1::text[], $2::interval[]) p(priority, first_response)
            WHERE t.ticket_id = s.ticket_id AND p.priority = t.priority AND t.sla_started_at IS NULL
            """);
        cmd.Parameters.Add(SupportContext.Texts(priorities.Select(TicketWords.Of)));
        cmd.Parameters.Add(new() { Value = priorities.Select(p => options.Sla.Of(p).FirstResponse).ToArray() });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<int> AssignOwnersAsync(DateTimeOffset now, CancellationToken ct)
    {
        var shifts = options.Shifts;
        // A row another pass changed meanwhile is checked again against its new owner (READ COMMITTED), so it is handed once.
        await using var cmd = context.Command("""
            WITH wanted AS (
                SELECT t.ticket_id, t.owner_team AS was, CASE WHEN m.team = ANY($3) THEN m.team ELSE $4 END AS team
                FROM support.tickets t
                LEFT JOIN platform.accounts a ON a.account_id = t.account_id
                LEFT JOIN unnest($1::text[], $2::text[]) m(region, team) ON m.region = a.region
                WHERE t.state IN ('open', 'pending') AND t.merged_into IS NULL
            ), moved AS (
                UPDATE support.tickets t SET owner_team = w.team
                FROM wanted w
                WHERE t.ticket_id = w.ticket_id AND t.owner_team IS DISTINCT FROM w.team
                RETURNING t.ticket_id, w.was, w.team
            )
            INSERT INTO support.ticket_history (ticket_id, kind, at, actor, text, data)
            SELECT ticket_id, 'handoff', $5, $6,
                   CASE WHEN was IS NULL THEN 'owned by ' || team || ', the team on shift'
                        ELSE 'handed from ' || was || ' to ' || team || ' at the shift change' END,
                   jsonb_build_object('from', was, 'to', team)
            FROM moved
            """);
        cmd.Parameters.Add(SupportContext.Texts(shifts.TeamOfRegion.Keys));
        cmd.Parameters.Add(SupportContext.Texts(shifts.TeamOfRegion.Values));
        cmd.Parameters.Add(SupportContext.Texts(shifts.OnShift(now)));
        cmd.Parameters.Add(SupportContext.Text(shifts.OnDuty(now)));
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(SupportContext.Text(Actor));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<SlaAlert>> FireAsync(DateTimeOffset now, CancellationToken ct)
    {
        // A reminder comes once the share of the clock's time has passed, and only while it has not run out: a pass that first
        // sees a clock after its due time fires the breach alone. The alert's key (ticket, clock, due time, kind) makes it once.
        await using var cmd = context.Command("""
            WITH clocks AS (
                SELECT t.ticket_id, 'first-response' AS clock, t.first_response_due AS due, t.sla_started_at AS started, t.owner_team, t.priority
                FROM support.tickets t
                WHERE t.state IN ('open', 'pending') AND t.merged_into IS NULL AND t.first_responded_at IS NULL AND t.first_response_due IS NOT NULL
                UNION ALL
                SELECT t.ticket_id, 'update', t.update_due, t.last_responded_at, t.owner_team, t.priority
                FROM support.tickets t
                WHERE t.state = 'open' AND t.merged_into IS NULL AND t.update_due IS NOT NULL
            ), due AS (
                SELECT c.*, 'breach' AS kind FROM clocks c WHERE $1 >= c.due
                UNION ALL
                SELECT c.*, 'reminder' FROM clocks c WHERE $1 < c.due AND $1 >= c.started + (c.due - c.started) * $2
            ), fired AS (
                INSERT INTO support.sla_alerts (ticket_id, clock, due_at, kind, fired_at, owner_team, priority)
                SELECT ticket_id, clock, due, kind, $1, owner_team, priority FROM due
                ON CONFLICT DO NOTHING
                RETURNING ticket_id, clock, due_at, kind, fired_at, owner_team, priority
            ), noted AS (
                INSERT INTO support.ticket_history (ticket_id, kind, at, actor, text, data)
                SELECT ticket_id, 'sla', $1, $3,
                       CASE kind WHEN 'breach' THEN 'SLA breached: the ' || replace(clock, '-', ' ') || ' was due at '
                                 ELSE 'SLA reminder: the ' || replace(clock, '-', ' ') || ' is due at ' END
                       || to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') || coalesce(' (owner ' || owner_team || ')', ''),
                       jsonb_build_object('clock', clock, 'kind', kind, 'due', due_at, 'owner', owner_team)
                FROM fired
            )
            SELECT ticket_id, clock, due_at, kind, fired_at, owner_team, priority FROM fired ORDER BY ticket_id, clock, kind
            """);
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = options.Sla.ReminderAt });
        cmd.Parameters.Add(SupportContext.Text(Actor));
        var fired = new List<SlaAlert>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            fired.Add(SlaAlerts.Read(reader));
        }

        return fired;
    }
}

/// <summary>Reading SLA alerts: of some tickets, or the newest of the environment.</summary>
internal static class SlaAlerts
{
    public const string Columns = "a.ticket_id, a.clock, a.due_at, a.kind, a.fired_at, a.owner_team, a.priority";

    public static SlaAlert Read(Npgsql.NpgsqlDataReader r) => new(TicketId.FromValidated(r.GetString(0)), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2),
        r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6));

    public static async Task<IReadOnlyList<SlaAlert>> RecentAsync(SupportContext context, TicketId? ticket, int limit, CancellationToken ct)
    {
        await using var cmd = context.Command($"""
            SELECT {Columns} FROM support.sla_alerts a WHERE ($1::text IS NULL OR a.ticket_id = $1) ORDER BY a.fired_at DESC, a.ticket_id, a.clock, a.kind LIMIT $2
            """);
        cmd.Parameters.Add(SupportContext.Text(ticket?.Value));
        cmd.Parameters.Add(SupportContext.Int(limit));
        var alerts = new List<SlaAlert>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            alerts.Add(Read(reader));
        }

        return alerts;
    }
}
