namespace Lifeboat.Server.Communication;

/// <summary>Takes the events of both outboxes for webhooks, and delivers what is due.</summary>
public sealed partial class WebhookWorker(CommunicationDeskLifetime desk, ChannelSettings settings, IHttpClientFactory http, ILogger<WebhookWorker> logger) : BackgroundService
{
    /// <summary>The client webhooks and chat posts go out with: no redirects, so a receiver cannot send an event off the allow-list.</summary>
    public const string Client = "comms-channels";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(settings.Interval, PassAsync, e => LogFailed(logger, e), stoppingToken);

    private async Task PassAsync(CancellationToken ct)
    {
        var webhooks = desk.Desk.WithActor("lifeboat").Webhooks(settings.Webhooks);
        while (await webhooks.TakeCommsEventsAsync(cancellationToken: ct) > 0)
        {
        }

        while (await webhooks.TakeRestoreEventsAsync(cancellationToken: ct) > 0)
        {
        }

        using var client = http.CreateClient(Client);
        while ((await webhooks.SendAsync(client, ct)).Taken > 0)
        {
        }

        var chat = desk.Desk.WithActor("lifeboat").Chat(settings.Chat);
        while (await chat.TakeEventsAsync(cancellationToken: ct) > 0)
        {
        }

        while (await chat.PostAsync(client, ct) > 0)
        {
        }
    }

    [LoggerMessage(LogLevel.Error, "The webhook and chat channels' pass failed; trying again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
