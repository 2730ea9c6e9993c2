namespace Lifeboat.Server.Support;

/// <summary>
/// Gives every open incident one ticket per affected site, every <see cref="SupportSettings.IncidentTicketsEvery"/>: the incident
/// desk's sites are read, never changed, and a pass that overlaps another (or a second server) makes nothing twice.
/// </summary>
internal sealed partial class IncidentTicketWorker(SupportDeskLifetime support, SupportSettings settings, ILogger<IncidentTicketWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.IncidentTicketsEvery <= TimeSpan.Zero
            ? Task.CompletedTask
            : PeriodicWork.RunAsync(settings.IncidentTicketsEvery, async ct =>
            {
                var made = await support.Desk.OpenIncidentTicketsAsync(cancellationToken: ct);
                if (made > 0)
                {
                    LogMade(logger, made);
                }
            }, e => LogFailed(logger, e), stoppingToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "opened {Count} incident ticket(s), one per affected site")]
    private static partial void LogMade(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the incident tickets pass failed; the next one retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
