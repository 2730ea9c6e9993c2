using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Support.Internal;
using Npgsql;

namespace Lifeboat.Support.Tickets;

/// <summary>
/// One ticket per affected site of every open incident, under the site's account, in the incident queue, with the priority of
/// the account's tier and the incident's severity (<see cref="IncidentPriority"/>). Idempotent: the database holds one ticket per
/// (incident, site), so passes that overlap (two servers, a verification that needs the ticket now) make each ticket once.
/// The sites are the incident's own (what the incident desk tracks); nothing of the incident is changed.
/// </summary>
internal sealed class IncidentTickets(SupportContext context, LifeboatPlatform platform)
{
    /// <summary>Makes the tickets still missing (of one incident, or of every open one); returns how many were made.</summary>
    public async Task<int> EnsureAsync(IncidentId? only, CancellationToken ct)
    {
        var incidents = new List<(string Id, string Title, IncidentSeverity Severity, string[] Sites)>();
        await using (var cmd = context.Command("""
            SELECT i.incident_id, i.title, i.severity,
                   ARRAY(SELECT unnest(i.site_ids) EXCEPT SELECT t.incident_site_id FROM support.tickets t WHERE t.channel = 'incident' AND t.incident_id = i.incident_id)
            FROM incidents.incidents i
            WHERE i.phase <> 'closed' AND i.duplicate_of IS NULL AND cardinality(i.site_ids) > 0 AND ($1::text IS NULL OR i.incident_id = $1)
            """))
        {
            cmd.Parameters.Add(SupportContext.Text(only?.Value));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                incidents.Add((reader.GetString(0), reader.GetString(1), (IncidentSeverity)reader.GetInt16(2), reader.GetFieldValue<string[]>(3)));
            }
        }

        var made = 0;
        foreach (var incident in incidents.Where(i => i.Sites.Length > 0))
        {
            var owners = await platform.Accounts.AccountsOfSitesAsync(incident.Sites.Select(SiteId.FromValidated), ct);
            var now = context.Time.GetUtcNow();
            await using var batch = context.DataSource.CreateBatch();
            foreach (var site in incident.Sites.Order(StringComparer.Ordinal))
            {
                var owner = owners.GetValueOrDefault(SiteId.FromValidated(site));
                var cmd = new NpgsqlBatchCommand("""
                    WITH made AS (
                        INSERT INTO support.tickets (ticket_id, account_id, site_ids, incident_id, incident_site_id, channel, state, queue, priority, subject, description, created_at, updated_at)
                        VALUES ($1, $2, ARRAY[$3], $4, $3, 'incident', 'open', 'incident', $5, $6, $7, $8, $8)
                        ON CONFLICT (incident_id, incident_site_id) WHERE channel = 'incident' DO NOTHING
                        RETURNING ticket_id)
                    INSERT INTO support.ticket_history (ticket_id, kind, at, actor, text, data)
                    SELECT ticket_id, 'created', $8, $9, $10, '{}' FROM made
                    """);
                cmd.Parameters.Add(SupportContext.Text(TypedId.New<TicketId>(context.Time).Value));
                cmd.Parameters.Add(SupportContext.Text(owner?.Id.Value));
                cmd.Parameters.Add(SupportContext.Text(site));
                cmd.Parameters.Add(SupportContext.Text(incident.Id));
                cmd.Parameters.Add(SupportContext.Text(TicketWords.Of(IncidentPriority.Of(owner?.Tier, incident.Severity))));
                var subject = $"{incident.Title} ({site})";
                cmd.Parameters.Add(SupportContext.Text(subject.Length <= 300 ? subject : subject[..300]));
                cmd.Parameters.Add(SupportContext.Text(
                    $"Site {site} is affected by incident {incident.Id} ({incident.Severity}): {incident.Title}. This ticket gathers what the customer" +
                    $"{(owner is null ? " (no account owns the site)" : $" {owner}")} and support say about it."));
                cmd.Parameters.Add(new() { Value = now });
                cmd.Parameters.Add(SupportContext.Text(context.Actor));
                cmd.Parameters.Add(SupportContext.Text($"opened for site {site} of incident {incident.Id}"));
                batch.BatchCommands.Add(cmd);
            }

            // Each statement reports the history rows it added: one per ticket it made.
            made += await batch.ExecuteNonQueryAsync(ct);
        }

        return made;
    }
}
