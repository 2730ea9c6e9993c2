using Lifeboat.Incidents;

namespace Lifeboat.Communication.Chat;

/// <summary>Internal updates, once published, posted to the incident's chat webhooks (<see cref="CommunicationDesk.Chat"/>), with retries and a log.</summary>
public sealed class ChatChannel
{
    private readonly CommunicationDesk _desk;

    internal ChatChannel(CommunicationDesk desk, ChatOptions options)
    {
        _desk = desk;
        Options = options;
    }

    public ChatOptions Options { get; }

    /// <summary>Reads the comms outbox as the consumer <c>chat</c> and queues a post per published internal update and webhook. Returns the events read.</summary>
    public Task<int> TakeEventsAsync(int max = 100, CancellationToken cancellationToken = default) =>
        new ChatIntake(_desk, Options).RunAsync(max, cancellationToken);

    /// <summary>Posts what is due with <paramref name="http"/>; returns how many were tried.</summary>
    public Task<int> PostAsync(HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        return new ChatPoster(_desk.Context, Options, http).PostDueAsync(cancellationToken);
    }

    /// <summary>An incident's chat posts with their attempts, in update order.</summary>
    public async Task<IReadOnlyList<ChatPost>> PostsAsync(IncidentId incident, CancellationToken cancellationToken = default)
    {
        await using var cmd = _desk.Context.Command("""
            SELECT p.update_number, p.target, p.target_name, p.state, p.attempts, p.last_status, p.last_error, p.created_at, p.posted_at,
                   coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'status', a.status_code, 'error', a.error, 'ms', a.duration_ms) ORDER BY a.attempt)
                             FROM comms.chat_attempts a WHERE a.incident_id = p.incident_id AND a.update_number = p.update_number AND a.target = p.target), '[]')::text
            FROM comms.chat_posts p WHERE p.incident_id = $1 ORDER BY p.update_number, p.target
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        var list = new List<ChatPost>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            using var attempts = System.Text.Json.JsonDocument.Parse(r.GetString(9));
            var log = attempts.RootElement.EnumerateArray().Select(a => new ChatAttempt(a.GetProperty("attempt").GetInt32(), a.GetProperty("at").GetDateTimeOffset(),
                a.GetProperty("status").ValueKind == System.Text.Json.JsonValueKind.Number ? a.GetProperty("status").GetInt32() : null,
                a.GetProperty("error").GetString(), a.GetProperty("ms").GetInt32())).ToList();
            list.Add(new ChatPost(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetInt32(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), log));
        }

        return list;
    }
}
