using Lifeboat.Incidents;

namespace Lifeboat.Server;

/// <summary>
/// Declares incidents from what the platform sees, every Lifeboat:Incidents:SignalIntervalSeconds (default 2; 0 turns it
/// off): <see cref="PlatformSignals"/> reads the platform's outbox and hands each signal to the desk.
/// </summary>
public sealed partial class IncidentSignals(PlatformLifetime platform, IncidentDeskLifetime desk, IConfiguration configuration, ILogger<IncidentSignals> logger) : BackgroundService
{
    public const string IntervalKey = "Lifeboat:Incidents:SignalIntervalSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(IntervalKey, 2.0);
        if (seconds <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(seconds);
        await PeriodicWork.RunAsync(interval, async ct =>
        {
            // Past a backlog (a first start on an old environment) batch after batch, then the pause.
            while (await TakeNextAsync(ct) > 0)
            {
            }
        }, e => LogFailed(logger, e, seconds), stoppingToken);
    }

    /// <summary>Takes the next batch of outbox events; returns how many there were.</summary>
    public Task<int> TakeNextAsync(CancellationToken ct) =>
        PlatformSignals.TakeNextAsync(platform.Platform, desk.Desk,
            (signal, outcome) => LogTaken(logger, signal.Key, outcome.Incident.Id.Value, outcome.Declared ? "declared" : "joined"), ct);

    [LoggerMessage(LogLevel.Warning, "Signal {Signal} {Outcome} incident {Incident}")]
    private static partial void LogTaken(ILogger logger, string signal, string incident, string outcome);

    [LoggerMessage(LogLevel.Error, "Taking product signals for incidents failed; retrying in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, Exception exception, double seconds);
}
