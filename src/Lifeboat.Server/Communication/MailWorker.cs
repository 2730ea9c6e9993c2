namespace Lifeboat.Server.Communication;

/// <summary>
/// Fans published updates out to their recipients (the comms outbox's consumer <c>mail</c>), sends due messages in
/// batches, and reads the bounce Maildir when one is configured. With no mail host, messages are queued and logged only.
/// </summary>
public sealed partial class MailWorker(CommunicationDeskLifetime desk, ChannelSettings settings, ILogger<MailWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.MailEnabled)
        {
            LogNoHost(logger, ChannelSettings.Section);
        }

        await PeriodicWork.RunAsync(settings.Interval, PassAsync, e => LogFailed(logger, e), stoppingToken);
    }

    private async Task PassAsync(CancellationToken ct)
    {
        var mail = desk.Desk.WithActor("lifeboat").Mail(settings.Mail);
        while (await mail.FanOutAsync(cancellationToken: ct) > 0)
        {
        }

        if (!settings.MailEnabled)
        {
            return;
        }

        while ((await mail.SendAsync(ct)) is { Taken: > 0 } sent)
        {
            if (sent.Retrying + sent.Failed == sent.Taken)
            {
                break; // the server is not taking anything: wait for the next pass rather than spin
            }
        }

        if (settings.BounceMaildir is { } maildir)
        {
            await mail.ReadBouncesAsync(maildir, ct);
        }
    }

    [LoggerMessage(LogLevel.Warning, "No mail host under {Section}:Mail:Host (nor Lifeboat:Incidents:Notify:MailHost): update messages are queued and logged, not sent")]
    private static partial void LogNoHost(ILogger logger, string section);

    [LoggerMessage(LogLevel.Error, "The mail channel's pass failed; trying again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
