using Lifeboat.Incidents;

namespace Lifeboat.Server;

/// <summary>
/// Keeps open incidents' checklists and progress reminders moving by themselves: every
/// Lifeboat:Incidents:EvidenceIntervalSeconds (default 5; 0 turns it off) it gathers each open incident's
/// evidence from the platform (which opens a new restore job's streams), reads the reminders with the restore
/// progress, which records each further 10 % on the timeline, then ticks the checklist items it proves (as
/// "lifeboat", source "evidence").
/// </summary>
public sealed partial class IncidentEvidenceService(IncidentDeskLifetime desk, IConfiguration configuration, ILogger<IncidentEvidenceService> logger) : BackgroundService
{
    public const string IntervalKey = "Lifeboat:Incidents:EvidenceIntervalSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(IntervalKey, 5.0);
        if (seconds <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(seconds);
        await PeriodicWork.RunAsync(interval, CheckOpenIncidentsAsync, e => LogFailed(logger, e, seconds), stoppingToken);
    }

    /// <summary>One pass over the open incidents (at most the list's 500 newest).</summary>
    public async Task CheckOpenIncidentsAsync(CancellationToken ct)
    {
        var lifeboat = desk.Desk.WithActor("lifeboat").WithSource("evidence");
        foreach (var listed in await lifeboat.ListAsync(new IncidentQuery { Limit = IncidentQuery.MaxLimit }, ct))
        {
            var id = listed.Incident.Id;
            var evidence = await lifeboat.GatherEvidenceAsync(id, ct);
            // Reminders first: by the time an item shows the evidence ticked, the progress it proves is on the timeline.
            await lifeboat.RemindersDueAsync(id, evidence.Progress, ct);
            await lifeboat.EvaluateEvidenceAsync(id, evidence.Facts, ct);
        }
    }

    [LoggerMessage(LogLevel.Error, "Gathering evidence for open incidents failed; retrying in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, Exception exception, double seconds);
}
