using System.Diagnostics;
using System.Net.Http.Json;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Mail;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.Chat;

/// <summary>
/// Posts due chat posts: <c>{"text": "*subject*\nbody"}</c> as the declaration notices are, retried with the same backoff
/// and jitter as webhooks until <see cref="ChatOptions.MaxAttempts"/>, every attempt logged. A post whose webhook is no
/// longer configured fails, saying so.
/// </summary>
internal sealed class ChatPoster(CommsContext context, ChatOptions options, HttpClient http)
{
    private readonly RetrySchedule _retries = new(options.RetryAfter, options.MaxRetryDelay, options.MaxAttempts);

    public async Task<int> PostDueAsync(CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        var due = new List<(string Incident, int Update, string Target, int Attempts)>();
        await using (var claim = context.Command("""
            WITH due AS (
                SELECT incident_id, update_number, target FROM comms.chat_posts
                WHERE state = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
                ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)
            UPDATE comms.chat_posts p SET claimed_until = $2, attempts = p.attempts + 1
            FROM due WHERE (p.incident_id, p.update_number, p.target) = (due.incident_id, due.update_number, due.target)
            RETURNING p.incident_id, p.update_number, p.target, p.attempts
            """))
        {
            claim.Parameters.Add(new() { Value = now });
            claim.Parameters.Add(new() { Value = now + options.Lease });
            await using var r = await claim.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                due.Add((r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetInt32(3)));
            }
        }

        foreach (var post in due)
        {
            await PostAsync(post.Incident, post.Update, post.Target, post.Attempts, ct);
        }

        return due.Count;
    }

    private async Task PostAsync(string incident, int number, string target, int attempts, CancellationToken ct)
    {
        var webhook = options.Webhooks.FirstOrDefault(w => ChatOptions.TargetOf(w) == target);
        if (webhook is null)
        {
            await FinishAsync(incident, number, target, "failed", null, "this chat webhook is no longer configured (Lifeboat:Incidents:Notify:Webhooks)", null, ct);
            return;
        }

        IncidentUpdate update = await new UpdateBook(context).GetAsync(IncidentId.FromValidated(incident), number, ct);
        int? status = null;
        string? error = null;
        var clock = Stopwatch.StartNew();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            // Slack's and Mattermost's incoming webhooks both take {"text": …}; *bold* is Slack's mrkdwn and Mattermost's markdown alike.
            using var answer = await http.PostAsJsonAsync(webhook, new { text = $"*{update.Subject}*\n{update.Body}" }, timeout.Token);
            status = (int)answer.StatusCode;
            if (!answer.IsSuccessStatusCode)
            {
                error = $"the chat webhook at {webhook.Host} answered {status} {answer.ReasonPhrase}".TrimEnd();
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // The exception's text can hold the URL, a secret: say what happened in words of our own.
            error = e is OperationCanceledException
                ? $"the chat webhook at {webhook.Host} gave no answer within {options.Timeout.TotalSeconds:0.#} s"
                : $"the chat webhook at {webhook.Host} could not be reached ({e.GetType().Name})";
        }

        var state = error is null ? "posted" : _retries.GivesUpAfter(attempts) ? "failed" : "pending";
        var attempt = new ChatAttempt(attempts, context.Time.GetUtcNow(), status, error, (int)Math.Min(int.MaxValue, clock.ElapsedMilliseconds));
        await FinishAsync(incident, number, target, state, status, state == "failed" ? $"{error} (gave up after {attempts} tries)" : error, attempt, ct);
    }

    private async Task FinishAsync(string incident, int number, string target, string state, int? status, string? error, ChatAttempt? attempt, CancellationToken ct)
    {
        _ = ct;
        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(CancellationToken.None);
        if (attempt is not null)
        {
            await using var log = tx.Command("""
                INSERT INTO comms.chat_attempts (incident_id, update_number, target, attempt, at, status_code, error, duration_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
                """);
            log.Parameters.Add(new() { Value = incident });
            log.Parameters.Add(new() { Value = number });
            log.Parameters.Add(new() { Value = target });
            log.Parameters.Add(new() { Value = attempt.Attempt });
            log.Parameters.Add(new() { Value = attempt.At });
            log.Parameters.Add(CommsContext.Int(attempt.StatusCode));
            log.Parameters.Add(CommsContext.Text(attempt.Error));
            log.Parameters.Add(new() { Value = attempt.DurationMs });
            await log.ExecuteNonQueryAsync(CancellationToken.None);
        }

        await using var move = tx.Command("""
            UPDATE comms.chat_posts SET state = $4, claimed_until = NULL, last_status = coalesce($5, last_status), last_error = $6,
                posted_at = CASE WHEN $4 = 'posted' THEN $7 END, next_attempt_at = $8
            WHERE incident_id = $1 AND update_number = $2 AND target = $3 AND state = 'pending'
            """);
        move.Parameters.Add(new() { Value = incident });
        move.Parameters.Add(new() { Value = number });
        move.Parameters.Add(new() { Value = target });
        move.Parameters.Add(new() { Value = state });
        move.Parameters.Add(CommsContext.Int(status));
        move.Parameters.Add(CommsContext.Text(error));
        move.Parameters.Add(new() { Value = now });
        move.Parameters.Add(new() { Value = state == "pending" ? now + _retries.DelayAfter(attempt?.Attempt ?? 1) : now });
        await move.ExecuteNonQueryAsync(CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
    }
}
