using Lifeboat.Incidents.Internal;

namespace Lifeboat.Incidents;

/// <summary>An incident someone is still to be told of, through <see cref="Target"/>, and how many tries went before.</summary>
public sealed record NotificationDue(Incident Incident, string Target, int Attempts);

/// <summary>
/// The book of declaration notices: which incident still needs which target told, and what became of each
/// try. Sending is the host's (mail, chat); the book makes it reliable: a notice is due until it went out
/// or its tries ran out, across restarts, and each outcome is on the timeline.
/// </summary>
internal sealed class Notifications(IncidentContext context)
{
    public async Task<IReadOnlyList<NotificationDue>> DueAsync(IReadOnlyList<string> targets, TimeSpan declaredWithin, int maxAttempts, TimeSpan retryAfter, CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        await using var cmd = context.Command($"""
            SELECT {Columns("i")}, t.target, coalesce(n.attempts, 0)
            FROM incidents.incidents i CROSS JOIN unnest($1::text[]) AS t(target)
            LEFT JOIN incidents.notifications n ON n.incident_id = i.incident_id AND n.target = t.target
            WHERE i.declared_at > $2 AND i.duplicate_of IS NULL
              AND (n.incident_id IS NULL OR (n.sent_at IS NULL AND n.attempts < $3 AND n.last_tried_at <= $4))
            ORDER BY i.declared_at, t.target
            LIMIT 100
            """);
        cmd.Parameters.Add(new() { Value = targets.ToArray() });
        cmd.Parameters.Add(new() { Value = now - declaredWithin });
        cmd.Parameters.Add(new() { Value = maxAttempts });
        cmd.Parameters.Add(new() { Value = now - retryAfter });
        var due = new List<NotificationDue>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            due.Add(new NotificationDue(IncidentContext.ReadIncident(reader), reader.GetString(14), reader.GetInt32(15)));
        }

        return due;
    }

    /// <summary>Records one try: sent (error null) or failed; the outcome goes on the timeline when it is final.</summary>
    public async Task RecordAsync(IncidentId incident, string target, string describe, string? error, int maxAttempts, CancellationToken ct)
    {
        await using var tx = await context.BeginAsync(ct);
        int attempts;
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.notifications AS n (incident_id, target, attempts, last_tried_at, sent_at, last_error)
            VALUES ($1, $2, 1, $3, CASE WHEN $4::text IS NULL THEN $3 END, $4)
            ON CONFLICT (incident_id, target) DO UPDATE SET attempts = n.attempts + 1, last_tried_at = $3,
                sent_at = CASE WHEN $4::text IS NULL THEN $3 END, last_error = $4
            RETURNING attempts
            """))
        {
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = target });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(IncidentContext.Text(error));
            attempts = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }

        if (error is null)
        {
            await context.RecordAsync(tx, incident, "notified", $"told {describe} of the declaration{(attempts > 1 ? $" (try {attempts})" : "")}", ct);
        }
        else if (attempts >= maxAttempts)
        {
            await context.RecordAsync(tx, incident, "notify-failed", $"could not tell {describe} of the declaration after {attempts} tries: {error}", ct);
        }

        await tx.CommitAsync(ct);
    }

    private static string Columns(string alias) =>
        string.Join(", ", IncidentContext.IncidentColumns.Split(", ").Select(c => $"{alias}.{c}"));
}
