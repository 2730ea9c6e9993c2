using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// Tells the responders of every declared incident (by a person, over any surface, or by the product):
/// an e-mail to Lifeboat:Incidents:Notify:MailTo through MailHost, and a post to each incoming webhook in
/// Webhooks. The desk's notification book says what is still due, so a notice survives a restart and a
/// failed try is tried again (MaxAttempts, RetryAfterSeconds); each outcome is on the incident's timeline.
/// Incidents declared over a day ago are not announced late.
/// </summary>
public sealed partial class IncidentNotifier(IncidentDeskLifetime desk, IHttpClientFactory http, IConfiguration configuration, ILogger<IncidentNotifier> logger) : BackgroundService
{
    private static readonly TimeSpan Late = TimeSpan.FromHours(24);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = NotifySettings.Read(configuration);
        if (!settings.Any || settings.Interval <= TimeSpan.Zero)
        {
            LogNobody(logger, NotifySettings.Section);
            return;
        }

        await PeriodicWork.RunAsync(settings.Interval, ct => NotifyDueAsync(settings, ct), e => LogFailed(logger, e), stoppingToken);
    }

    private async Task NotifyDueAsync(NotifySettings settings, CancellationToken ct)
    {
        var book = desk.Desk.WithActor("lifeboat").WithSource("notifier");
        var targets = new Dictionary<string, Func<DeclarationNotice, CancellationToken, Task>>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings.MailHost is not null && settings.MailTo.Count > 0)
        {
            targets[$"mail:{string.Join(",", settings.MailTo)}"] = (notice, token) => MailAsync(settings, notice, token);
            names[$"mail:{string.Join(",", settings.MailTo)}"] = $"{string.Join(", ", settings.MailTo)} by e-mail";
        }

        foreach (var webhook in settings.Webhooks)
        {
            var target = NotifySettings.TargetOf(webhook);
            targets[target] = (notice, token) => PostAsync(webhook, notice, token);
            names[target] = $"the chat webhook at {webhook.Host}";
        }

        foreach (var due in await book.NotificationsDueAsync([.. targets.Keys], Late, settings.MaxAttempts, settings.RetryAfter, ct))
        {
            var notice = DeclarationNotice.Of(due.Incident, settings.ConsoleUrl);
            string? error = null;
            try
            {
                await targets[due.Target](notice, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                error = e.Message;
                LogNotSent(logger, due.Incident.Id.Value, names[due.Target], due.Attempts + 1, e.Message);
            }

            await book.RecordNotificationAsync(due.Incident.Id, due.Target, names[due.Target], error, settings.MaxAttempts, ct);
        }
    }

    private static async Task MailAsync(NotifySettings settings, DeclarationNotice notice, CancellationToken ct)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.MailFrom));
        foreach (var to in settings.MailTo)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = notice.Subject;
        message.Body = new TextPart("plain") { Text = notice.Body };
        using var smtp = new SmtpClient();
        // A mail server on the same host or network (postfix) offers STARTTLS when it can; it is used then.
        await smtp.ConnectAsync(settings.MailHost!, settings.MailPort, SecureSocketOptions.StartTlsWhenAvailable, ct);
        await smtp.SendAsync(message, ct);
        await smtp.DisconnectAsync(quit: true, ct);
    }

    private async Task PostAsync(Uri webhook, DeclarationNotice notice, CancellationToken ct)
    {
        using var client = http.CreateClient(nameof(IncidentNotifier));
        // Slack's and Mattermost's incoming webhooks both take {"text": …}; *bold* is Slack's mrkdwn and Mattermost's markdown alike.
        using var answer = await client.PostAsJsonAsync(webhook, new { text = $"*{notice.Subject}*\n{notice.Body}" }, ct);
        if (!answer.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the webhook at {webhook.Host} answered {(int)answer.StatusCode} {answer.ReasonPhrase}");
        }
    }

    [LoggerMessage(LogLevel.Information, "No one is told of declared incidents: no mail host with recipients and no webhook under {Section}")]
    private static partial void LogNobody(ILogger logger, string section);

    [LoggerMessage(LogLevel.Warning, "Could not tell {Target} of incident {Incident} (try {Attempt}): {Error}")]
    private static partial void LogNotSent(ILogger logger, string incident, string target, int attempt, string error);

    [LoggerMessage(LogLevel.Error, "Notifying responders of declared incidents failed; trying again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
