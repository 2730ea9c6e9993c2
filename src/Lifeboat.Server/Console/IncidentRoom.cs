using Lifeboat.Incidents;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Server.Console;

/// <summary>Everything the incident room shows, read in one go for the page and for each live refresh.</summary>
public sealed record IncidentRoom(Incident Incident, IReadOnlyList<RoleHolding> Roles, IReadOnlyList<RoleGap> Gaps, IReadOnlyList<Handoff> Handoffs,
    IReadOnlyList<TimelineEvent> Timeline)
{
    /// <summary>The newest events the room shows; the API and `lifeboat incident timeline` list more.</summary>
    public const int TimelineShown = 100;

    /// <summary>The incident's code freeze, when one is on.</summary>
    public ChangeFreeze? Freeze { get; init; }

    /// <summary>The runbook's checklist as posted when the incident was declared (empty without a runbook).</summary>
    public IReadOnlyList<ChecklistItem> Checklist { get; init; } = [];

    /// <summary>Each restore job's streams carry their sites' progress in the job.</summary>
    public IReadOnlyList<IncidentStream> Streams { get; init; } = [];

    /// <summary>The updates owed now, snoozed ones left out (the same as GET …/reminders).</summary>
    public IReadOnlyList<Reminder> Reminders { get; init; } = [];

    /// <summary>Open tasks, the incident's own and every stream's.</summary>
    public IReadOnlyList<IncidentTask> OpenTasks { get; init; } = [];

    /// <summary>What may be the cause: open ones and those ruled out.</summary>
    public IReadOnlyList<Hypothesis> Hypotheses { get; init; } = [];

    /// <summary>Every affected site's restore, read live from the platform, and what people added about it.</summary>
    public required SiteTracker Tracker { get; init; }

    public static async Task<IncidentRoom> LoadAsync(IncidentDesk desk, IncidentId id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desk);
        var incident = await desk.GetAsync(id, ct);
        return new IncidentRoom(incident, await desk.RolesAsync(id, ct), await desk.MissingRolesAsync(id, ct), await desk.PendingHandoffsAsync(id, ct),
            await desk.TimelineAsync(id, TimelineShown, cancellationToken: ct))
        {
            Freeze = await desk.FreezeOfAsync(id, ct),
            Checklist = await desk.ChecklistAsync(id, ct),
            Streams = await desk.StreamsAsync(id, ct),
            Reminders = await desk.RemindersDueAsync(id, cancellationToken: ct),
            OpenTasks = [.. (await desk.TasksAsync(id, cancellationToken: ct)).Where(t => t.State == IncidentTaskState.Open)],
            Tracker = await desk.SiteTrackerAsync(id, cancellationToken: ct),
            Hypotheses = await desk.HypothesesAsync(id, ct),
        };
    }
}
