using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.StatusPages;
using Lifeboat.Communication.Subscriptions;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using NpgsqlTypes;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// Sends queued messages: takes a batch (held for <see cref="MailOptions.Lease"/>, so two senders never take the same
/// message and a dead sender's batch is taken again), sends it over ONE SMTP connection (STARTTLS when offered, the
/// commands pipelined when the server allows it), and records every outcome in one statement. A recipient the server
/// refuses with 5xx is bounced at once with its answer; a 4xx or a lost connection is tried again later, with
/// exponential backoff and jitter, until <see cref="MailOptions.MaxAttempts"/>.
/// </summary>
internal sealed partial class MailSender(CommunicationDesk desk, MailOptions options)
{
    private readonly RetrySchedule _retries = new(options.RetryAfter, options.MaxRetryDelay, options.MaxAttempts);

    public async Task<MailSendResult> SendBatchAsync(CancellationToken ct)
    {
        var batch = await ClaimAsync(ct);
        if (batch.Count == 0)
        {
            return new MailSendResult(0, 0, 0, 0, 0);
        }

        var outcomes = new List<Outcome>(batch.Count);
        var built = await BuildAsync(batch, outcomes, ct);
        if (built.Count > 0)
        {
            await SendAsync(built, outcomes, ct);
        }

        await RecordAsync(outcomes, ct);
        return new MailSendResult(batch.Count, outcomes.Count(o => o.State == MessageState.Sent), outcomes.Count(o => o.State == MessageState.Bounced),
            outcomes.Count(o => o.State == MessageState.Queued), outcomes.Count(o => o.State == MessageState.Failed));
    }

    private async Task<List<Claimed>> ClaimAsync(CancellationToken ct)
    {
        var now = desk.Context.Time.GetUtcNow();
        await using var cmd = desk.Context.Command("""
            WITH due AS (
                SELECT message_id FROM comms.messages
                WHERE state = 'queued' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
                ORDER BY next_attempt_at, message_id LIMIT $2 FOR UPDATE SKIP LOCKED)
            UPDATE comms.messages m SET claimed_until = $3, attempts = m.attempts + 1
            FROM due WHERE m.message_id = due.message_id
            RETURNING m.message_id, m.incident_id, m.update_number, m.purpose, m.address, m.display_name, m.subscriber, m.mail_token, m.attempts, m.address_key, m.link_id
            """);
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = Math.Max(1, options.BatchSize) });
        cmd.Parameters.Add(new() { Value = now + options.Lease });
        var claimed = new List<Claimed>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            claimed.Add(new Claimed(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6), reader.GetString(7),
                reader.GetInt32(8), reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return [.. claimed.OrderBy(c => c.Id)];
    }

    /// <summary>
    /// Each message as MIME, with the links' tokens made now: they exist in clear only in the mail. A message that cannot
    /// be built (its update is gone) is failed with the reason instead of holding up the batch.
    /// </summary>
    private async Task<List<(Claimed Message, MimeMessage Mime)>> BuildAsync(List<Claimed> batch, List<Outcome> outcomes, CancellationToken ct)
    {
        var tokens = await new SubscriptionTokens(desk.Context).IssueAsync(
            [.. batch.Where(m => m.Subscriber || m.Purpose == SubscriptionRequest.ConfirmPurpose)
                .Select(m => new SubscriptionTokens.Request(m.Id, m.AddressKey, m.Purpose == SubscriptionRequest.ConfirmPurpose ? SubscriptionTokens.Confirm : SubscriptionTokens.Unsubscribe,
                    m.Purpose == SubscriptionRequest.ConfirmPurpose ? options.ConfirmationLifetime : null))], ct);
        var links = desk.Options.LinkKey is null ? new Dictionary<string, CustomerLink>()
            : await new CustomerLinks(desk.Context, desk.Options.LinkKey).ActiveWithTokensAsync([.. batch.Select(m => m.LinkId).OfType<string>().Distinct()], ct);
        var updates = new Dictionary<(string, int), IncidentUpdate>();
        IReadOnlyList<Component>? components = null;
        var built = new List<(Claimed, MimeMessage)>(batch.Count);
        foreach (var m in batch)
        {
            try
            {
                MimeMessage mime;
                if (m.Purpose == SubscriptionRequest.ConfirmPurpose)
                {
                    components ??= await ComponentCatalog.ListAsync(desk.Platform, ct);
                    var pending = await new SubscriberList(desk.Context).PendingOfAsync(m.AddressKey, ct);
                    mime = MessageText.Confirmation(options, m.Address, pending.Select(p => components.FirstOrDefault(c => c.Key == p)?.Name ?? p).ToList(),
                        tokens[m.Id]);
                }
                else
                {
                    var key = (m.Incident!, m.Update!.Value);
                    if (!updates.TryGetValue(key, out var update))
                    {
                        update = await new UpdateBook(desk.Context).GetAsync(IncidentId.FromValidated(m.Incident!), m.Update.Value, ct);
                        updates[key] = update;
                    }

                    // A link revoked or expired since the message was queued is left out: the page it opened is closed.
                    var page = m.LinkId is { } id && links.TryGetValue(id, out var link) ? (Link: desk.Options.CustomerPageUrl + link.Token, link.ExpiresAt) : default;
                    mime = MessageText.OfUpdate(options, update, m.Address, m.Name, m.Subscriber ? tokens[m.Id] : null, page.Link, page.ExpiresAt);
                }

                mime.MessageId = $"{m.Token}@{options.MessageIdDomain}";
                built.Add((m, mime));
            }
            catch (Lifeboat.Platform.PlatformException e)
            {
                outcomes.Add(Outcome.Failed(m, $"the message could not be written: {e.Message}"));
            }
        }

        return built;
    }

    private async Task SendAsync(List<(Claimed Message, MimeMessage Mime)> built, List<Outcome> outcomes, CancellationToken ct)
    {
        using var smtp = new SmtpClient();
        var next = 0;
        try
        {
            await smtp.ConnectAsync(options.Host, options.Port, SecureSocketOptions.StartTlsWhenAvailable, ct);
            for (; next < built.Count; next++)
            {
                var (message, mime) = built[next];
                try
                {
                    var answer = await smtp.SendAsync(mime, options.EnvelopeSenderFor(message.Token), [new MailboxAddress(message.Name ?? "", message.Address)], ct);
                    outcomes.Add(Outcome.Sent(message, answer, QueueIdOf(answer), desk.Context.Time.GetUtcNow()));
                }
                catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
                {
                    // Refused for good (unknown user, no relay, policy): the server's answer is the bounce.
                    outcomes.Add(Outcome.Bounced(message, Answer(e)));
                }
                catch (SmtpCommandException e)
                {
                    outcomes.Add(Retry(message, Answer(e)));
                }
            }

            await smtp.DisconnectAsync(quit: true, ct);
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or System.Net.Sockets.SocketException or SslHandshakeException or AuthenticationException
            or ServiceNotConnectedException or TimeoutException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // The connection is gone: what was not answered yet is tried again later, with what went wrong.
            var why = $"the mail server {options.Host}:{options.Port} could not be reached or dropped the connection: {e.Message}";
            for (; next < built.Count; next++)
            {
                if (outcomes.All(o => o.Id != built[next].Message.Id))
                {
                    outcomes.Add(Retry(built[next].Message, why));
                }
            }
        }
    }

    private Outcome Retry(Claimed message, string error) =>
        _retries.GivesUpAfter(message.Attempts)
            ? Outcome.Failed(message, $"{error} (gave up after {message.Attempts} tries)")
            : Outcome.Queued(message, error, desk.Context.Time.GetUtcNow() + _retries.DelayAfter(message.Attempts));

    private async Task RecordAsync(List<Outcome> outcomes, CancellationToken ct)
    {
        await using var cmd = desk.Context.Command("""
            UPDATE comms.messages m SET state = o.state, claimed_until = NULL, last_error = o.error, smtp_response = coalesce(o.response, m.smtp_response),
                smtp_queue_id = coalesce(o.queue_id, m.smtp_queue_id), sent_at = coalesce(o.sent_at, m.sent_at),
                bounced_at = CASE WHEN o.state = 'bounced' THEN o.at END, bounce_source = CASE WHEN o.state = 'bounced' THEN 'smtp' END,
                next_attempt_at = coalesce(o.next_at, m.next_attempt_at)
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[])
                AS o(id, state, error, response, queue_id, sent_at, at, next_at)
            WHERE m.message_id = o.id AND m.state = 'queued'
            """);
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Id).ToArray() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.State.ToString().ToLowerInvariant()).ToArray() });
        cmd.Parameters.Add(Texts(outcomes.Select(o => Clip(o.Error))));
        cmd.Parameters.Add(Texts(outcomes.Select(o => Clip(o.Response))));
        cmd.Parameters.Add(Texts(outcomes.Select(o => o.QueueId)));
        cmd.Parameters.Add(Times(outcomes.Select(o => o.SentAt)));
        cmd.Parameters.Add(Times(outcomes.Select(o => (DateTimeOffset?)desk.Context.Time.GetUtcNow())));
        cmd.Parameters.Add(Times(outcomes.Select(o => o.NextAttemptAt)));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static Npgsql.NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static Npgsql.NpgsqlParameter Times(IEnumerable<DateTimeOffset?> values) =>
        new() { Value = values.Select(v => v is { } t ? (object)t : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    private static string? Clip(string? text) => text is null ? null : text.Length <= 2000 ? text : text[..1999] + "…";

    private static string Answer(SmtpCommandException e) => $"{(int)e.StatusCode} {e.Message}".Trim();

    /// <summary>Postfix answers "250 2.0.0 Ok: queued as 4Fh2Xk0Zz9"; other servers word it their own way, and the whole answer is kept too.</summary>
    private static string? QueueIdOf(string answer) => QueuedAs().Match(answer) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"queued as ([A-Za-z0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex QueuedAs();

    private sealed record Claimed(long Id, string? Incident, int? Update, string Purpose, string Address, string? Name, bool Subscriber, string Token, int Attempts, string AddressKey,
        string? LinkId);

    private sealed record Outcome(long Id, MessageState State, string? Error, string? Response, string? QueueId, DateTimeOffset? SentAt, DateTimeOffset? NextAttemptAt)
    {
        public static Outcome Sent(Claimed m, string answer, string? queueId, DateTimeOffset at) => new(m.Id, MessageState.Sent, null, answer, queueId, at, null);

        public static Outcome Bounced(Claimed m, string answer) => new(m.Id, MessageState.Bounced, $"refused by the mail server: {answer}", answer, null, null, null);

        public static Outcome Queued(Claimed m, string error, DateTimeOffset next) => new(m.Id, MessageState.Queued, error, null, null, null, next);

        public static Outcome Failed(Claimed m, string error) => new(m.Id, MessageState.Failed, error, null, null, null, null);
    }
}

/// <summary>What the messages say: the update's subject and body (text, and HTML with the body escaped), and the links.</summary>
public static class MessageText
{
    public const string IncidentHeader = "X-Lifeboat-Incident";

    public const string UpdateHeader = "X-Lifeboat-Update";

    internal static MimeMessage OfUpdate(MailOptions options, IncidentUpdate update, string address, string? name, string? unsubscribeToken,
        string? customerPage = null, DateTimeOffset customerPageExpires = default)
    {
        var message = new MimeMessage();
        message.From.Add(options.Sender);
        message.To.Add(new MailboxAddress(name ?? "", address));
        message.Subject = update.Subject;
        message.Headers.Add("Auto-Submitted", "auto-generated");
        // Which update this is, for the reader's mail filters and for counting what was delivered (the drill reads them back).
        message.Headers.Add(IncidentHeader, update.Incident.Value);
        message.Headers.Add(UpdateHeader, update.Number.ToString(CultureInfo.InvariantCulture));
        var text = update.Body;
        var html = $"<pre style=\"white-space: pre-wrap; font-family: inherit\">{WebUtility.HtmlEncode(update.Body)}</pre>";
        if (customerPage is not null)
        {
            var until = customerPageExpires.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
            text += $"\n\nYour sites, their restore state and the data-loss figure, on your own page (no login needed; it works until {until}; do not forward it):\n{customerPage}\n";
            html += $"<p>Your sites, their restore state and the data-loss figure, on <a href=\"{WebUtility.HtmlEncode(customerPage)}\">your own page</a> " +
                    $"(no login needed; it works until {until}; do not forward it).</p>";
        }

        if (unsubscribeToken is not null)
        {
            // RFC 8058: a mail client's one-click unsubscribe POSTs "List-Unsubscribe=One-Click" to this URL; no login.
            var link = options.Link("comms/subscriptions/unsubscribe", unsubscribeToken);
            message.Headers.Add("List-Unsubscribe", $"<{link.AbsoluteUri}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            text += $"\n\n--\nYou get this because you subscribed to status updates. Unsubscribe: {link.AbsoluteUri}\n";
            html += $"<hr><p>You get this because you subscribed to status updates. <a href=\"{WebUtility.HtmlEncode(link.AbsoluteUri)}\">Unsubscribe</a></p>";
        }

        message.Body = Alternative(text, html);
        return message;
    }

    internal static MimeMessage Confirmation(MailOptions options, string address, IReadOnlyList<string> components, string token)
    {
        var link = options.Link("comms/subscriptions/confirm", token);
        var message = new MimeMessage();
        message.From.Add(options.Sender);
        message.To.Add(new MailboxAddress("", address));
        message.Subject = "Confirm your subscription to status updates";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        var list = components.Count == 0 ? "(none pending)" : string.Join("\n", components.Select(c => $"  - {c}"));
        var text = $"""
            Someone (we hope you) asked to get status updates by e-mail at this address for:
            {list}

            To confirm, open this link within {options.ConfirmationLifetime.TotalHours:0} hours and press Confirm:
            {link.AbsoluteUri}

            If it was not you, do nothing: without confirmation you get no mail.
            """;
        var html = $"""
            <p>Someone (we hope you) asked to get status updates by e-mail at this address for:</p>
            <ul>{string.Concat(components.Select(c => $"<li>{WebUtility.HtmlEncode(c)}</li>"))}</ul>
            <p><a href="{WebUtility.HtmlEncode(link.AbsoluteUri)}">Confirm the subscription</a> within {options.ConfirmationLifetime.TotalHours:0} hours.</p>
            <p>If it was not you, do nothing: without confirmation you get no mail.</p>
            """;
        message.Body = Alternative(text, html);
        return message;
    }

    private static MultipartAlternative Alternative(string text, string html) =>
        new() { new TextPart("plain") { Text = text }, new TextPart("html") { Text = $"<!doctype html><html><body>{html}</body></html>" } };
}
