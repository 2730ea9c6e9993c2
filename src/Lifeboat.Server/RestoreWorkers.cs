namespace Lifeboat.Server;

/// <summary>
/// A restore worker in the server, so a job started over HTTP progresses without a process of its
/// own: it runs up to Lifeboat:Restore:Workers steps at a time (default 8; 0 turns it off) of every
/// running job, sharing them with any other worker through PostgreSQL. At shutdown its steps in
/// flight stay Running and are taken over by the next worker once its session's locks are gone.
/// </summary>
public sealed partial class RestoreWorkers(PlatformLifetime lifetime, IConfiguration configuration, ILogger<RestoreWorkers> logger) : BackgroundService
{
    public const string WorkersKey = "Lifeboat:Restore:Workers";

    /// <summary>Who the worker's events are recorded as.</summary>
    public const string Actor = "restore-worker";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = configuration.GetValue(WorkersKey, 8);
        if (concurrency is < 0 or > 64)
        {
            throw new InvalidOperationException($"{WorkersKey} is {concurrency}; it must be 0 (off) to 64 steps at a time.");
        }

        if (concurrency == 0)
        {
            LogOff(logger);
            return;
        }

        var platform = lifetime.Platform.WithActor(Actor);
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var worker = platform.Restores.CreateWorker($"{Environment.MachineName}-{Environment.ProcessId}-server", concurrency);
            try
            {
                LogStarted(logger, worker.Name, concurrency);
                await worker.RunAsync(untilIdle: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "The restore workers are off (" + WorkersKey + " = 0)")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Restore worker {Name} runs up to {Concurrency} steps at a time")]
    private static partial void LogStarted(ILogger logger, string name, int concurrency);

    [LoggerMessage(LogLevel.Error, "The restore worker failed; starting another in 5 s")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
