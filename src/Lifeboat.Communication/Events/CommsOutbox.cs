using System.Text.Json;
using Lifeboat.Communication.Internal;

namespace Lifeboat.Communication.Events;

/// <summary>
/// The module's outbox: events are written in the transaction of the change they tell of, and each consumer
/// (mail, webhooks, status pages) reads them in order from a cursor of its own, so a consumer that was down
/// catches up and none is told twice of an event it has taken.
/// </summary>
public sealed class CommsOutbox
{
    private readonly CommsContext _context;

    private const long OutboxLockKey = 0x4C42_434F_4D4D_5342; // "LBCOMMSB"

    internal CommsOutbox(CommsContext context) => _context = context;

    internal async Task AppendAsync(CommsTransaction tx, string type, string? incident, string? account, string? site, object payload, CancellationToken ct)
    {
        // Positions come from a sequence, taken at insert but visible at commit: without the lock a later position could commit
        // first, a consumer's cursor would pass the earlier one, and that event would be skipped. The lock, held to commit, makes
        // positions commit in order, as the platform's outbox does.
        await using var cmd = tx.Command($"""
            WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock({OutboxLockKey}))
            INSERT INTO comms.events (event_type, incident_id, account_id, site_id, payload, at) SELECT $1, $2, $3, $4, $5, $6 FROM l
            """);
        cmd.Parameters.Add(new() { Value = type });
        cmd.Parameters.Add(CommsContext.Text(incident));
        cmd.Parameters.Add(CommsContext.Text(account));
        cmd.Parameters.Add(CommsContext.Text(site));
        cmd.Parameters.Add(CommsContext.Json(JsonSerializer.Serialize(payload, CommsJson.Options)));
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Hands the events after <paramref name="consumer"/>'s cursor (at most <paramref name="max"/>) to
    /// <paramref name="handle"/> and moves the cursor past them when it returns; returns how many. The cursor
    /// row is locked meanwhile, so two workers of one consumer never take the same events.
    /// </summary>
    public async Task<int> ConsumeAsync(string consumer, Func<IReadOnlyList<CommsEvent>, Task> handle, int max = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        await using var tx = await _context.BeginAsync(cancellationToken);
        await using (var ensure = tx.Command("INSERT INTO comms.event_cursors (consumer, position, updated_at) VALUES ($1, 0, $2) ON CONFLICT (consumer) DO NOTHING"))
        {
            ensure.Parameters.Add(new() { Value = consumer });
            ensure.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        var events = new List<CommsEvent>();
        await using (var read = tx.Command("""
            WITH c AS (SELECT position FROM comms.event_cursors WHERE consumer = $1 FOR UPDATE)
            SELECT e.position, e.event_type, e.incident_id, e.account_id, e.site_id, e.payload::text, e.at
            FROM comms.events e, c WHERE e.position > c.position ORDER BY e.position LIMIT $2
            """))
        {
            read.Parameters.Add(new() { Value = consumer });
            read.Parameters.Add(new() { Value = max });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                using var payload = JsonDocument.Parse(reader.GetString(5));
                events.Add(new CommsEvent(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), payload.RootElement.Clone(),
                    reader.GetFieldValue<DateTimeOffset>(6)));
            }
        }

        if (events.Count == 0)
        {
            return 0;
        }

        await handle(events);
        await using (var advance = tx.Command("UPDATE comms.event_cursors SET position = $2, updated_at = $3 WHERE consumer = $1"))
        {
            advance.Parameters.Add(new() { Value = consumer });
            advance.Parameters.Add(new() { Value = events[^1].Position });
            advance.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await advance.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return events.Count;
    }
}
