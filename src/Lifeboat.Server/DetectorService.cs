namespace Lifeboat.Server;

/// <summary>
/// The anomaly detector, checking the rate of destructive writes every Lifeboat:Detector:IntervalSeconds
/// (default 5; 0 turns it off). An alert halts every running plan. A failed check is logged and
/// retried after the interval, so the server keeps watching.
/// </summary>
public sealed partial class DetectorService(PlatformLifetime lifetime, IConfiguration configuration, ILogger<DetectorService> logger) : BackgroundService
{
    public const string IntervalKey = "Lifeboat:Detector:IntervalSeconds";

    /// <summary>Who the detector's alerts, halts and audit entries are recorded as.</summary>
    public const string Actor = "detector";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(IntervalKey, 5);
        if (seconds < 0)
        {
            throw new InvalidOperationException($"{IntervalKey} is {seconds}; it must be 0 (off) or a number of seconds.");
        }

        if (seconds == 0)
        {
            LogOff(logger);
            return;
        }

        // One detector for the process: it keeps the recent rate of destructive writes in memory.
        var detector = lifetime.Platform.WithActor(Actor).Detector;
        var interval = TimeSpan.FromSeconds(seconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await detector.WatchAsync(interval, alert => LogAlert(logger, alert.Id.Value, alert.Message, alert.HaltedPlans.Count), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogCheckFailed(logger, e, seconds);
                try
                {
                    await Task.Delay(interval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "The anomaly detector is off (" + IntervalKey + " = 0)")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Alert {Alert}: {Message} Halted {Halted} running plan(s).")]
    private static partial void LogAlert(ILogger logger, string alert, string message, int halted);

    [LoggerMessage(LogLevel.Error, "The anomaly detector's check failed; retrying in {Seconds} s")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, int seconds);
}
