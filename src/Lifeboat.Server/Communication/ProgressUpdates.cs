using Lifeboat.Incidents;

namespace Lifeboat.Server.Communication;

/// <summary>
/// Renders the status page once the desk is open (the folder then holds the database's last published state, whatever was
/// there before), and every few seconds drafts what each open incident's progress calls for: a phase reached, a further
/// 10% restored, a customer whose sites are all back. Drafts wait for review unless the incident type's runbook says not.
/// </summary>
public sealed partial class ProgressUpdates(CommunicationDeskLifetime desks, IncidentDeskLifetime incidents, ILogger<ProgressUpdates> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await OnceAsync(() => desks.Desk.RenderStatusPageAsync(stoppingToken), "render the status page");
        using var timer = new PeriodicTimer(Every);
        do
        {
            await OnceAsync(async () =>
            {
                var desk = desks.Desk.WithActor(Lifeboat.Communication.CommunicationDesk.ProductActor);
                foreach (var listed in await incidents.Desk.ListAsync(new IncidentQuery(), stoppingToken))
                {
                    await desk.DraftFromProgressAsync(listed.Incident.Id, stoppingToken);
                }
            }, "draft updates from the incidents' progress");
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task OnceAsync(Func<Task> work, string what)
    {
        try
        {
            await work();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, what, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {What}; trying again shortly")]
    private static partial void LogFailed(ILogger logger, string what, Exception error);
}
