using Lifeboat.Platform;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Server;

/// <summary>
/// Runs and rolls back the plans started over HTTP, in the background, at most one piece of work
/// per plan in this process; failures go to the log. At shutdown the work is cancelled: a run
/// stopped that way leaves its plan Running, and running it again continues where it stopped (each
/// target is recorded as applied in the transaction that applies it, so none is applied twice).
/// </summary>
public sealed partial class PlanRuns(PlatformLifetime lifetime, ILogger<PlanRuns> logger) : IHostedService, IDisposable
{
    private readonly Dictionary<PlanId, Task> _running = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Starts <paramref name="work"/> on the plan, acting as <paramref name="actor"/>, unless this
    /// process already works on that plan (409).
    /// </summary>
    public void Start(PlanId plan, string actor, string what, Func<LifeboatPlatform, CancellationToken, Task<ChangePlan>> work)
    {
        var platform = lifetime.Platform.WithActor(actor);
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, "the server is shutting down; start the plan again once it is back.");
            }

            if (_running.ContainsKey(plan))
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"plan {plan} is already being run or rolled back by this server; follow it with GET /api/plans/{plan}.");
            }

            // On the thread pool, so the entry exists before the work can finish and remove it; always
            // started (the work itself observes the shutdown), so it always removes its entry.
            _running[plan] = Task.Run(() => RunAsync(plan, what, platform, work), CancellationToken.None);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // A host can be stopped twice, the second time after it was disposed (WebApplicationFactory stops it, and so
            // does the entry point's RunAsync): the first stop cancelled and waited for everything already.
            return;
        }

        Task[] running;
        lock (_gate)
        {
            running = [.. _running.Values];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogNotStopped(logger, running.Length);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(PlanId plan, string what, LifeboatPlatform platform, Func<LifeboatPlatform, CancellationToken, Task<ChangePlan>> work)
    {
        try
        {
            var result = await work(platform, _stopping.Token);
            LogFinished(logger, what, plan, result.State, result.StateReason is { } why ? $": {why}" : ".");
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            LogStopped(logger, what, plan);
        }
        catch (PlatformException e)
        {
            LogRefused(logger, what, plan, e.Message);
        }
        catch (Exception e)
        {
            LogFailed(logger, e, what, plan);
        }
        finally
        {
            lock (_gate)
            {
                _running.Remove(plan);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Plan {Plan}: {What} ended {State}{Reason}")]
    private static partial void LogFinished(ILogger logger, string what, PlanId plan, PlanState state, string reason);

    [LoggerMessage(LogLevel.Information, "Plan {Plan}: {What} stopped with the server; a run stays Running and continues where it stopped when run again")]
    private static partial void LogStopped(ILogger logger, string what, PlanId plan);

    [LoggerMessage(LogLevel.Warning, "Plan {Plan}: {What} refused: {Message}")]
    private static partial void LogRefused(ILogger logger, string what, PlanId plan, string message);

    [LoggerMessage(LogLevel.Error, "Plan {Plan}: {What} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string what, PlanId plan);

    [LoggerMessage(LogLevel.Warning, "{Count} plan run(s) did not stop before the shutdown timeout")]
    private static partial void LogNotStopped(ILogger logger, int count);
}
