using System.Text.Json;
using Lifeboat.Communication.Events;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.Chat;

/// <summary>
/// The comms outbox's consumer <c>chat</c>: each published internal update becomes one post per chat webhook, written
/// before the cursor moves and keyed by update and target, so an event read again posts nothing twice.
/// </summary>
internal sealed class ChatIntake(CommunicationDesk desk, ChatOptions options)
{
    public const string Consumer = "chat";

    public Task<int> RunAsync(int max, CancellationToken ct) => desk.Outbox.ConsumeAsync(Consumer, events => WriteAsync(events, ct), max, ct);

    private async Task WriteAsync(IReadOnlyList<CommsEvent> events, CancellationToken ct)
    {
        if (options.Webhooks.Count == 0)
        {
            return;
        }

        foreach (var e in events)
        {
            if (e.Type != "update.published" || e.Incident is null || e.Payload.ValueKind != JsonValueKind.Object
                || !e.Payload.TryGetProperty("number", out var n) || !n.TryGetInt32(out var number))
            {
                continue;
            }

            var update = await new UpdateBook(desk.Context).GetAsync(IncidentId.FromValidated(e.Incident), number, ct);
            if (update.Audience != UpdateAudience.Internal)
            {
                continue;
            }

            var now = desk.Context.Time.GetUtcNow();
            await using var cmd = desk.Context.Command("""
                INSERT INTO comms.chat_posts (incident_id, update_number, target, target_name, state, next_attempt_at, created_at)
                SELECT $1, $2, t.target, t.name, 'pending', $3, $3 FROM unnest($4::text[], $5::text[]) AS t(target, name)
                ON CONFLICT DO NOTHING
                """);
            cmd.Parameters.Add(new() { Value = update.Incident.Value });
            cmd.Parameters.Add(new() { Value = update.Number });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = options.Webhooks.Select(ChatOptions.TargetOf).ToArray() });
            cmd.Parameters.Add(new() { Value = options.Webhooks.Select(w => $"the chat webhook at {w.Host}").ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
