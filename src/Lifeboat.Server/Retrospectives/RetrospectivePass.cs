namespace Lifeboat.Server.Retrospectives;

/// <summary>
/// Every <c>Lifeboat:Retrospectives:IntervalSeconds</c> (10 by default; 0 turns it off): opens a retrospective with its draft
/// for each incident resolved or closed since the last pass, and fires the reminders of actions due within two days or today,
/// each once. Both are idempotent, so two servers, or a restart in the middle, do each thing once.
/// </summary>
public sealed partial class RetrospectivePass(RetrospectiveDeskLifetime desks, IConfiguration configuration, ILogger<RetrospectivePass> logger) : BackgroundService
{
    public const string IntervalKey = "Lifeboat:Retrospectives:IntervalSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(IntervalKey, 10);
        if (seconds <= 0)
        {
            return;
        }

        await Task.Yield();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        do
        {
            try
            {
                await desks.Desk.DraftResolvedAsync(stoppingToken);
                await desks.Desk.FireRemindersAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not draft retrospectives or fire their reminders; trying again shortly")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
