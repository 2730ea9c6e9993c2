using Lifeboat.Communication.Internal;

namespace Lifeboat.Communication.Webhooks;

/// <summary>A webhook's deliveries, newest first, each with every attempt.</summary>
internal sealed class DeliveryLog(CommsContext context)
{
    public async Task<IReadOnlyList<WebhookDelivery>> OfAsync(string webhookId, int limit, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT d.delivery_id, d.event_key, e.event_type, d.state, d.attempts, d.last_status, d.last_error, d.created_at, d.delivered_at, d.next_attempt_at,
                   coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'status', a.status_code, 'error', a.error, 'ms', a.duration_ms)
                                             ORDER BY a.attempt)
                             FROM comms.webhook_attempts a WHERE a.webhook_id = d.webhook_id AND a.event_key = d.event_key), '[]')::text
            FROM comms.webhook_deliveries d JOIN comms.webhook_events e ON e.event_key = d.event_key
            WHERE d.webhook_id = $1
            ORDER BY d.created_at DESC, d.event_key DESC LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = webhookId });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<WebhookDelivery>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var state = Enum.Parse<DeliveryState>(r.GetString(3), ignoreCase: true);
            using var attempts = System.Text.Json.JsonDocument.Parse(r.GetString(10));
            var log = attempts.RootElement.EnumerateArray().Select(a => new WebhookAttempt(a.GetProperty("attempt").GetInt32(), a.GetProperty("at").GetDateTimeOffset(),
                a.GetProperty("status").ValueKind == System.Text.Json.JsonValueKind.Number ? a.GetProperty("status").GetInt32() : null,
                a.GetProperty("error").GetString(), a.GetProperty("ms").GetInt32())).ToList();
            list.Add(new WebhookDelivery(r.GetString(0), r.GetString(1), r.GetString(2), state, r.GetInt32(4), r.IsDBNull(5) ? null : r.GetInt32(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
                state == DeliveryState.Pending ? r.GetFieldValue<DateTimeOffset>(9) : null, log));
        }

        return list;
    }
}
