using Lifeboat.Incidents;
using Lifeboat.Support.Internal;

namespace Lifeboat.Support.Figures;

/// <summary>
/// What support recorded about one incident, for its retrospective: its confirmed tickets by the channel they came in by (a
/// request merged into a site's incident ticket counts under its own channel, and the incident's own tickets under "incident"),
/// the SLA breaches and reminders of those tickets, and the instants the tickets span (first created, last changed).
/// </summary>
public sealed record IncidentSupportFigures(
    IncidentId Incident,
    IReadOnlyDictionary<string, int> TicketsPerChannel,
    int Breaches,
    IReadOnlyDictionary<string, int> BreachesPerClock,
    int Reminders,
    DateTimeOffset? FirstTicketAt,
    DateTimeOffset? LastChangeAt)
{
    public int Tickets => TicketsPerChannel.Values.Sum();
}

/// <summary>Reads <see cref="IncidentSupportFigures"/> in one round trip.</summary>
internal sealed class IncidentSupportFigureReading(SupportContext context)
{
    public async Task<IncidentSupportFigures> ReadAsync(IncidentId incident, CancellationToken ct)
    {
        await using var batch = context.DataSource.CreateBatch();
        var tickets = new Npgsql.NpgsqlBatchCommand("""
            SELECT t.channel, count(*), min(t.created_at), max(t.updated_at) FROM support.tickets t
            WHERE t.incident_id = $1 AND t.state <> 'unverified' GROUP BY t.channel ORDER BY t.channel
            """);
        tickets.Parameters.Add(SupportContext.Text(incident.Value));
        var alerts = new Npgsql.NpgsqlBatchCommand("""
            SELECT a.kind, a.clock, count(*) FROM support.tickets t JOIN support.sla_alerts a ON a.ticket_id = t.ticket_id
            WHERE t.incident_id = $1 GROUP BY a.kind, a.clock ORDER BY a.kind, a.clock
            """);
        alerts.Parameters.Add(SupportContext.Text(incident.Value));
        batch.BatchCommands.Add(tickets);
        batch.BatchCommands.Add(alerts);
        await using var r = await batch.ExecuteReaderAsync(ct);
        var perChannel = new SortedDictionary<string, int>(StringComparer.Ordinal);
        DateTimeOffset? first = null, last = null;
        while (await r.ReadAsync(ct))
        {
            perChannel[r.GetString(0)] = (int)r.GetInt64(1);
            var created = r.GetFieldValue<DateTimeOffset>(2);
            var changed = r.GetFieldValue<DateTimeOffset>(3);
            first = first is { } f && f < created ? f : created;
            last = last is { } l && l > changed ? l : changed;
        }

        await r.NextResultAsync(ct);
        var breaches = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var reminders = 0;
        while (await r.ReadAsync(ct))
        {
            var count = (int)r.GetInt64(2);
            if (r.GetString(0) == "breach")
            {
                breaches[r.GetString(1)] = count;
            }
            else
            {
                reminders += count;
            }
        }

        return new IncidentSupportFigures(incident, perChannel, breaches.Values.Sum(), breaches, reminders, first, last);
    }
}
