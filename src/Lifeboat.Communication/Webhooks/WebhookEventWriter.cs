using System.Text.Json;
using Lifeboat.Communication.Internal;

namespace Lifeboat.Communication.Webhooks;

/// <summary>One event as webhooks are told of it, under a key that stays the same however often its source is read.</summary>
internal sealed record WebhookEvent(string Key, string Type, string? Incident, string? Site, string? Job, DateTimeOffset At, object Data);

/// <summary>
/// Writes events and their deliveries (one per enabled webhook registered by the event's time whose filter wants it)
/// in the caller's transaction, before the outbox cursor moves: an event read again adds nothing (keys), and one read
/// once is never lost. The body is fixed here, so every retry sends the same bytes.
/// </summary>
internal static class WebhookEventWriter
{
    public static async Task<int> WriteAsync(CommsTransaction tx, IReadOnlyList<WebhookEvent> events, DateTimeOffset now, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        await using (var insert = tx.Command("""
            INSERT INTO comms.webhook_events (event_key, event_type, incident_id, site_id, job_id, body, at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
            ON CONFLICT (event_key) DO NOTHING
            """))
        {
            insert.Parameters.Add(new() { Value = events.Select(e => e.Key).ToArray() });
            insert.Parameters.Add(new() { Value = events.Select(e => e.Type).ToArray() });
            insert.Parameters.Add(Texts(events.Select(e => e.Incident)));
            insert.Parameters.Add(Texts(events.Select(e => e.Site)));
            insert.Parameters.Add(Texts(events.Select(e => e.Job)));
            insert.Parameters.Add(new() { Value = events.Select(Body).ToArray() });
            insert.Parameters.Add(new() { Value = events.Select(e => e.At).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }

        // The Lifeboat-Delivery key is a digest of the webhook and the event: the same on every retry and every re-read.
        await using var deliveries = tx.Command("""
            INSERT INTO comms.webhook_deliveries (webhook_id, event_key, delivery_id, state, next_attempt_at, created_at)
            SELECT w.webhook_id, e.event_key, 'dlv_' || left(encode(sha256(convert_to(w.webhook_id || '/' || e.event_key, 'UTF8')), 'hex'), 32), 'pending', $2, $2
            FROM comms.webhook_events e
            JOIN comms.webhooks w ON w.disabled_at IS NULL AND w.created_at <= e.at
            WHERE e.event_key = ANY($1)
              AND EXISTS (SELECT 1 FROM unnest(w.events) f
                          WHERE f = '*' OR f = e.event_type OR (right(f, 2) = '.*' AND left(e.event_type, length(f) - 1) = left(f, -1)))
            ON CONFLICT (webhook_id, event_key) DO NOTHING
            """);
        deliveries.Parameters.Add(new() { Value = events.Select(e => e.Key).ToArray() });
        deliveries.Parameters.Add(new() { Value = now });
        return await deliveries.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether any enabled webhook registered by <paramref name="at"/> wants any of <paramref name="types"/>: if none, an event costs no lookups.</summary>
    public static async Task<bool> AnyWantsAsync(CommsTransaction tx, IReadOnlyList<string> types, DateTimeOffset at, CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            SELECT EXISTS (SELECT 1 FROM comms.webhooks w, unnest(w.events) f, unnest($1::text[]) t
                           WHERE w.disabled_at IS NULL AND w.created_at <= $2
                             AND (f = '*' OR f = t OR (right(f, 2) = '.*' AND left(t, length(f) - 1) = left(f, -1))))
            """);
        cmd.Parameters.Add(new() { Value = types.ToArray() });
        cmd.Parameters.Add(new() { Value = at });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static string Body(WebhookEvent e) => JsonSerializer.Serialize(new { id = e.Key, type = e.Type, at = e.At, incident = e.Incident, data = e.Data }, CommsJson.Options);

    private static Npgsql.NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text };
}
