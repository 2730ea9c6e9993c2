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

    /// <summary>
    /// Reads every section at once, each on a connection of its own: read one after another, a room's dozen reads
    /// waited for each other, and on a machine busy restoring that wait was most of the room's answer time.
    /// </summary>
    public static async Task<IncidentRoom> LoadAsync(IncidentDesk desk, IncidentId id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desk);
        // The incident first: an unknown one is refused before anything else is read.
        var incident = await desk.GetAsync(id, ct);
        var roles = desk.RolesAsync(id, ct);
        var gaps = desk.MissingRolesAsync(id, ct);
        var handoffs = desk.PendingHandoffsAsync(id, ct);
        var timeline = desk.TimelineAsync(id, TimelineShown, cancellationToken: ct);
        var freeze = desk.FreezeOfAsync(id, ct);
        var checklist = desk.ChecklistAsync(id, ct);
        var streams = desk.StreamsAsync(id, ct);
        var reminders = desk.RemindersDueAsync(id, cancellationToken: ct);
        var tasks = desk.TasksAsync(id, cancellationToken: ct);
        var tracker = desk.SiteTrackerAsync(id, cancellationToken: ct);
        var hypotheses = desk.HypothesesAsync(id, ct);
        await Task.WhenAll(roles, gaps, handoffs, timeline, freeze, checklist, streams, reminders, tasks, tracker, hypotheses);
        return new IncidentRoom(incident, await roles, await gaps, await handoffs, await timeline)
        {
            Freeze = await freeze,
            Checklist = await checklist,
            Streams = await streams,
            Reminders = await reminders,
            OpenTasks = [.. (await tasks).Where(t => t.State == IncidentTaskState.Open)],
            Tracker = await tracker,
            Hypotheses = await hypotheses,
        };
    }
}
