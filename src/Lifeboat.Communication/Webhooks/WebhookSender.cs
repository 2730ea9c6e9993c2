using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Mail;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Webhooks;

/// <summary>
/// Delivers due webhook deliveries: takes a batch (held for <see cref="WebhookOptions.Lease"/>), POSTs each event's body
/// signed with its webhook's secret at the moment of the attempt, and records every attempt (status, error, duration) as
/// soon as it ends. A 2xx delivers; anything else is tried again with exponential backoff and jitter until
/// <see cref="WebhookOptions.MaxAttempts"/>. A sender that dies after sending and before recording lets the lease run out,
/// and the delivery is sent again with the same <c>Lifeboat-Delivery</c> key: at least once, never lost. Redirects are not
/// followed (the client given must not), so a receiver cannot send the event to a host off the allow-list.
/// </summary>
internal sealed class WebhookSender(CommsContext context, WebhookOptions options, HttpClient http)
{
    private readonly RetrySchedule _retries = new(options.RetryAfter, options.MaxRetryDelay, options.MaxAttempts);
    private readonly WebhookSecrets _secrets = new(options.SecretKey);

    public async Task<WebhookSendResult> SendBatchAsync(CancellationToken ct)
    {
        var due = await ClaimAsync(ct);
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<DeliveryState>();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = ct },
            async (delivery, token) => outcomes.Add(await DeliverAsync(delivery, token)));
        return new WebhookSendResult(due.Count, outcomes.Count(o => o == DeliveryState.Delivered), outcomes.Count(o => o == DeliveryState.Pending),
            outcomes.Count(o => o == DeliveryState.Failed));
    }

    private async Task<List<Due>> ClaimAsync(CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        await using var cmd = context.Command("""
            WITH due AS (
                SELECT webhook_id, event_key FROM comms.webhook_deliveries
                WHERE state = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
                ORDER BY next_attempt_at, created_at LIMIT $2 FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE comms.webhook_deliveries d SET claimed_until = $3, attempts = d.attempts + 1
                FROM due WHERE d.webhook_id = due.webhook_id AND d.event_key = due.event_key
                RETURNING d.webhook_id, d.event_key, d.delivery_id, d.attempts)
            SELECT c.webhook_id, c.event_key, c.delivery_id, c.attempts, w.url, w.secret_sealed, w.secret_key_id, w.disabled_at IS NOT NULL, e.event_type, e.body
            FROM claimed c JOIN comms.webhooks w ON w.webhook_id = c.webhook_id JOIN comms.webhook_events e ON e.event_key = c.event_key
            """);
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = Math.Max(1, options.BatchSize) });
        cmd.Parameters.Add(new() { Value = now + options.Lease });
        var list = new List<Due>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new Due(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), new Uri(r.GetString(4)), r.GetFieldValue<byte[]>(5), r.GetString(6),
                r.GetBoolean(7), r.GetString(8), r.GetString(9)));
        }

        return list;
    }

    private async Task<DeliveryState> DeliverAsync(Due d, CancellationToken ct)
    {
        if (d.Disabled)
        {
            await FinishAsync(d, DeliveryState.Failed, null, "the webhook was disabled before this event was delivered", null, ct);
            return DeliveryState.Failed;
        }

        if (!WebhookUrls.IsAllowed(d.Url, options.Allow))
        {
            await FinishAsync(d, DeliveryState.Failed, null, WebhookUrls.NotAllowed(d.Url, options.Allow).Message, null, ct);
            return DeliveryState.Failed;
        }

        string secret;
        try
        {
            secret = _secrets.Open(d.WebhookId, d.Sealed, d.KeyId);
        }
        catch (Exception e) when (e is PlatformException or System.Security.Cryptography.CryptographicException)
        {
            await FinishAsync(d, DeliveryState.Failed, null, $"the webhook's secret cannot be opened: {e.Message}", null, ct);
            return DeliveryState.Failed;
        }

        int? status = null;
        string? error = null;
        var clock = Stopwatch.StartNew();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, d.Url) { Content = new StringContent(d.Body, Encoding.UTF8, "application/json") };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, context.Time.GetUtcNow(), d.Body));
            request.Headers.Add(WebhookSignature.EventHeader, d.Type);
            request.Headers.Add(WebhookSignature.DeliveryHeader, d.DeliveryId);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Lifeboat-Webhooks", "1"));
            using var answer = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)answer.StatusCode;
            if (!answer.IsSuccessStatusCode)
            {
                error = $"the receiver answered {status} {answer.ReasonPhrase}".TrimEnd();
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            error = e is OperationCanceledException ? $"no answer within {options.Timeout.TotalSeconds:0.#} s" : $"could not reach {d.Url.Host}: {e.Message}";
        }

        var attempt = new WebhookAttempt(d.Attempts, context.Time.GetUtcNow(), status, error, (int)Math.Min(int.MaxValue, clock.ElapsedMilliseconds));
        var state = error is null ? DeliveryState.Delivered : _retries.GivesUpAfter(d.Attempts) ? DeliveryState.Failed : DeliveryState.Pending;
        var finalError = state == DeliveryState.Failed ? $"{error} (gave up after {d.Attempts} tries)" : error;
        await FinishAsync(d, state, status, finalError, attempt, ct);
        return state;
    }

    /// <summary>Logs the attempt and moves the delivery on, in one transaction; a CancellationToken.None write, so a stopping host still records what it sent.</summary>
    private async Task FinishAsync(Due d, DeliveryState state, int? status, string? error, WebhookAttempt? attempt, CancellationToken ct)
    {
        _ = ct;
        await using var tx = await context.BeginAsync(CancellationToken.None);
        if (attempt is not null)
        {
            await using var log = tx.Command("""
                INSERT INTO comms.webhook_attempts (webhook_id, event_key, attempt, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT DO NOTHING
                """);
            log.Parameters.Add(new() { Value = d.WebhookId });
            log.Parameters.Add(new() { Value = d.EventKey });
            log.Parameters.Add(new() { Value = attempt.Attempt });
            log.Parameters.Add(new() { Value = attempt.At });
            log.Parameters.Add(CommsContext.Int(attempt.StatusCode));
            log.Parameters.Add(CommsContext.Text(Clip(attempt.Error)));
            log.Parameters.Add(new() { Value = attempt.DurationMs });
            await log.ExecuteNonQueryAsync(CancellationToken.None);
        }

        var now = context.Time.GetUtcNow();
        await using var move = tx.Command("""
            UPDATE comms.webhook_deliveries SET state = $3, claimed_until = NULL, last_status = coalesce($4, last_status), last_error = $5,
                delivered_at = CASE WHEN $3 = 'delivered' THEN $6 END, next_attempt_at = $7
            WHERE webhook_id = $1 AND event_key = $2 AND state = 'pending'
            """);
        move.Parameters.Add(new() { Value = d.WebhookId });
        move.Parameters.Add(new() { Value = d.EventKey });
        move.Parameters.Add(new() { Value = state.ToString().ToLowerInvariant() });
        move.Parameters.Add(CommsContext.Int(status));
        move.Parameters.Add(CommsContext.Text(Clip(error)));
        move.Parameters.Add(new() { Value = now });
        move.Parameters.Add(new() { Value = state == DeliveryState.Pending ? now + _retries.DelayAfter(d.Attempts) : now });
        await move.ExecuteNonQueryAsync(CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
    }

    private static string? Clip(string? text) => text is null ? null : text.Length <= 2000 ? text : text[..1999] + "…";

    private sealed record Due(string WebhookId, string EventKey, string DeliveryId, int Attempts, Uri Url, byte[] Sealed, string KeyId, bool Disabled, string Type, string Body);
}
