using System.Globalization;
using Lifeboat.Cli.Identity;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Where `lifeboat incident …` runs: the incident desk on the database (local mode, acting as the CLI's
/// principal with the source "cli") or a server's /api/incidents (remote mode, acting as the token's
/// principal). Each command is written once against this; both answer in the library's own types.
/// </summary>
internal interface IIncidentTarget
{
    Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct);

    Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct);

    Task<Incident> GetAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken ct);

    /// <summary>"commander", "backup scribe": the required roles and backups no one holds.</summary>
    Task<IReadOnlyList<string>> MissingRolesAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit, bool pinnedOnly, CancellationToken ct);

    Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase phase, string? note, CancellationToken ct);

    Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason, CancellationToken ct);

    Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct);

    Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct);

    Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct);

    Task<Handoff> AcknowledgeAsync(IncidentId incident, long handoff, CancellationToken ct);

    Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken ct);

    Task<TimelineEvent> RecordCustomerUpdateAsync(IncidentId incident, string text, CancellationToken ct);

    Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken ct);

    Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct);

    /// <summary>The incident's code freeze, or null when none is on (an unknown incident is the desk's NotFound).</summary>
    Task<ChangeFreeze?> FreezeOfAsync(IncidentId incident, CancellationToken ct);

    Task<ChangeFreeze> BeginFreezeAsync(IncidentId incident, string reason, CancellationToken ct);

    Task LiftFreezeAsync(IncidentId incident, string reason, CancellationToken ct);

    /// <summary>The caller joins (or updates their region and shift).</summary>
    Task<Participant> JoinAsync(IncidentId incident, string? region, string? shift, CancellationToken ct);

    Task<IReadOnlyList<Participant>> ParticipantsAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<IncidentTask>> TasksAsync(IncidentId incident, string? stream, CancellationToken ct);

    Task<IncidentTask> AssignTaskAsync(IncidentId incident, TaskAssignment assignment, CancellationToken ct);

    Task<IncidentTask> ClaimTaskAsync(IncidentId incident, int task, CancellationToken ct);

    /// <summary>One's own task with incidents.declare; someone else's also needs incidents.command, as over HTTP.</summary>
    Task<IncidentTask> CompleteTaskAsync(IncidentId incident, int task, CancellationToken ct);

    Task<IncidentTask> DropTaskAsync(IncidentId incident, int task, string reason, CancellationToken ct);

    Task<IReadOnlyList<ParticipantWorkload>> WorkloadAsync(IncidentId incident, TimeSpan silentAfter, CancellationToken ct);

    Task<IReadOnlyList<IncidentStream>> StreamsAsync(IncidentId incident, CancellationToken ct);

    Task<IncidentStream> OpenStreamAsync(IncidentId incident, StreamOpening opening, CancellationToken ct);

    Task<IReadOnlyList<IncidentStream>> OpenRestoreStreamsAsync(IncidentId incident, RestoreStreamsOpening opening, CancellationToken ct);

    Task<IncidentStream> CloseStreamAsync(IncidentId incident, string stream, CancellationToken ct);

    Task<TimelineEvent> StreamUpdateAsync(IncidentId incident, string stream, string text, CancellationToken ct);

    Task<IReadOnlyList<ChecklistItem>> ChecklistAsync(IncidentId incident, CancellationToken ct);

    Task<ChecklistItem> ClaimChecklistItemAsync(IncidentId incident, string item, CancellationToken ct);

    Task<ChecklistItem> TickAsync(IncidentId incident, string item, CancellationToken ct);

    Task<IReadOnlyList<Reminder>> RemindersAsync(IncidentId incident, CancellationToken ct);

    Task<ReminderSnooze> SnoozeAsync(IncidentId incident, ReminderKind kind, DateTimeOffset until, string reason, string? stream, CancellationToken ct);

    Task<SiteTracker> SiteTrackerAsync(IncidentId incident, SiteTrackerFilter filter, CancellationToken ct);

    /// <summary>The tracker's rows as the CSV the API exports (formula-safe).</summary>
    Task<byte[]> SiteTrackerCsvAsync(IncidentId incident, SiteTrackerFilter filter, CancellationToken ct);

    /// <summary>Tracks more sites; answers the tracker as it is then.</summary>
    Task<SiteTracker> TrackSitesAsync(IncidentId incident, IReadOnlyList<SiteId> sites, CancellationToken ct);

    Task<TrackedSite> AssignSiteEngineerAsync(IncidentId incident, SiteId site, string engineer, CancellationToken ct);

    Task<TrackedSite> ConfirmSiteAsync(IncidentId incident, SiteId site, bool confirmed, string? note, CancellationToken ct);

    Task<TimelineEvent> NoteSiteAsync(IncidentId incident, SiteId site, string text, CancellationToken ct);

    Task<RollbackRisk> RollbackRiskAsync(IncidentId incident, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

    /// <summary>The hypotheses in the order raised (an unknown incident is the desk's NotFound, not an empty list).</summary>
    Task<IReadOnlyList<Hypothesis>> HypothesesAsync(IncidentId incident, CancellationToken ct);

    Task<Hypothesis> RaiseHypothesisAsync(IncidentId incident, string text, CancellationToken ct);

    Task<Hypothesis> RuleOutAsync(IncidentId incident, long hypothesis, string why, CancellationToken ct);
}

/// <summary>The desk on the database, acting as the CLI's principal (whose permissions decide what the endpoints decide beyond the command's own).</summary>
internal sealed class LocalIncidents(IncidentDesk desk, Principal principal) : IIncidentTarget
{
    /// <summary>What the timeline records as the source of a change made with the CLI on the database.</summary>
    public const string Source = "cli";

    public Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct) => desk.DeclareAsync(declaration, ct);

    public Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct) => desk.ListAsync(query, ct);

    public Task<Incident> GetAsync(IncidentId incident, CancellationToken ct) => desk.GetAsync(incident, ct);

    public Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken ct) => desk.RolesAsync(incident, ct);

    public async Task<IReadOnlyList<string>> MissingRolesAsync(IncidentId incident, CancellationToken ct) =>
        (await desk.MissingRolesAsync(incident, ct)).Select(g => g.Described).ToList();

    public Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken ct) => desk.PendingHandoffsAsync(incident, ct);

    public Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit, bool pinnedOnly, CancellationToken ct) =>
        desk.TimelineAsync(incident, limit, pinnedOnly, ct);

    public Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase phase, string? note, CancellationToken ct) => desk.MovePhaseAsync(incident, phase, note, ct);

    public Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason, CancellationToken ct) =>
        desk.SetSeverityAsync(incident, severity, reason, ct);

    public Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        desk.AssignAsync(incident, role, person, slot, ct);

    public Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        desk.ReleaseAsync(incident, role, person, slot, ct);

    public Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct) =>
        desk.HandOffAsync(incident, role, to, note, slot, ct);

    public Task<Handoff> AcknowledgeAsync(IncidentId incident, long handoff, CancellationToken ct) => desk.AcknowledgeHandoffAsync(incident, handoff, ct);

    public Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken ct) => desk.NoteAsync(incident, text, ct);

    public Task<TimelineEvent> RecordCustomerUpdateAsync(IncidentId incident, string text, CancellationToken ct) => desk.RecordCustomerUpdateAsync(incident, text, ct);

    public Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken ct) => desk.PinAsync(incident, eventId, ct);

    public Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct) => desk.MergeAsDuplicateAsync(duplicate, survivor, ct);

    public async Task<ChangeFreeze?> FreezeOfAsync(IncidentId incident, CancellationToken ct)
    {
        await desk.GetAsync(incident, ct);
        return await desk.FreezeOfAsync(incident, ct);
    }

    public Task<ChangeFreeze> BeginFreezeAsync(IncidentId incident, string reason, CancellationToken ct) => desk.FreezeAsync(incident, reason, ct);

    public Task LiftFreezeAsync(IncidentId incident, string reason, CancellationToken ct) => desk.LiftFreezeAsync(incident, reason, ct);

    public Task<Participant> JoinAsync(IncidentId incident, string? region, string? shift, CancellationToken ct) => desk.JoinAsync(incident, desk.Actor, region, shift, ct);

    public Task<IReadOnlyList<Participant>> ParticipantsAsync(IncidentId incident, CancellationToken ct) => desk.ParticipantsAsync(incident, ct);

    public Task<IReadOnlyList<IncidentTask>> TasksAsync(IncidentId incident, string? stream, CancellationToken ct) => desk.TasksAsync(incident, stream, ct);

    public Task<IncidentTask> AssignTaskAsync(IncidentId incident, TaskAssignment assignment, CancellationToken ct) => desk.AssignTaskAsync(incident, assignment, ct);

    public Task<IncidentTask> ClaimTaskAsync(IncidentId incident, int task, CancellationToken ct) => desk.ClaimTaskAsync(incident, task, ct);

    public async Task<IncidentTask> CompleteTaskAsync(IncidentId incident, int task, CancellationToken ct)
    {
        // As the endpoint does: a task that does not exist is the desk's NotFound; one that is not the caller's needs the commander's permission.
        var found = (await desk.TasksAsync(incident, cancellationToken: ct)).FirstOrDefault(t => t.Number == task);
        if (found is not null && !string.Equals(found.Owner?.Trim(), principal.Login.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            principal.Require(Permissions.IncidentsCommand);
        }

        return await desk.CompleteTaskAsync(incident, task, ct);
    }

    public Task<IncidentTask> DropTaskAsync(IncidentId incident, int task, string reason, CancellationToken ct) => desk.DropTaskAsync(incident, task, reason, ct);

    public Task<IReadOnlyList<ParticipantWorkload>> WorkloadAsync(IncidentId incident, TimeSpan silentAfter, CancellationToken ct) => desk.WorkloadAsync(incident, silentAfter, ct);

    public Task<IReadOnlyList<IncidentStream>> StreamsAsync(IncidentId incident, CancellationToken ct) => desk.StreamsAsync(incident, ct);

    public Task<IncidentStream> OpenStreamAsync(IncidentId incident, StreamOpening opening, CancellationToken ct) => desk.OpenStreamAsync(incident, opening, ct);

    public Task<IReadOnlyList<IncidentStream>> OpenRestoreStreamsAsync(IncidentId incident, RestoreStreamsOpening opening, CancellationToken ct) =>
        desk.OpenRestoreStreamsAsync(incident, opening, ct);

    public Task<IncidentStream> CloseStreamAsync(IncidentId incident, string stream, CancellationToken ct) => desk.CloseStreamAsync(incident, stream, ct);

    public Task<TimelineEvent> StreamUpdateAsync(IncidentId incident, string stream, string text, CancellationToken ct) => desk.StreamUpdateAsync(incident, stream, text, ct);

    public Task<IReadOnlyList<ChecklistItem>> ChecklistAsync(IncidentId incident, CancellationToken ct) => desk.ChecklistAsync(incident, ct);

    public Task<ChecklistItem> ClaimChecklistItemAsync(IncidentId incident, string item, CancellationToken ct) => desk.ClaimChecklistItemAsync(incident, item, ct);

    public Task<ChecklistItem> TickAsync(IncidentId incident, string item, CancellationToken ct) => desk.TickAsync(incident, item, ct);

    public Task<IReadOnlyList<Reminder>> RemindersAsync(IncidentId incident, CancellationToken ct) => desk.RemindersDueAsync(incident, cancellationToken: ct);

    public Task<ReminderSnooze> SnoozeAsync(IncidentId incident, ReminderKind kind, DateTimeOffset until, string reason, string? stream, CancellationToken ct) =>
        desk.SnoozeAsync(incident, kind, until, reason, stream, ct);

    public Task<SiteTracker> SiteTrackerAsync(IncidentId incident, SiteTrackerFilter filter, CancellationToken ct) => desk.SiteTrackerAsync(incident, filter, ct);

    public async Task<byte[]> SiteTrackerCsvAsync(IncidentId incident, SiteTrackerFilter filter, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await desk.ExportSiteTrackerCsvAsync(incident, filter, buffer, ct);
        return buffer.ToArray();
    }

    public async Task<SiteTracker> TrackSitesAsync(IncidentId incident, IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        await desk.TrackSitesAsync(incident, sites, ct);
        return await desk.SiteTrackerAsync(incident, cancellationToken: ct);
    }

    public Task<TrackedSite> AssignSiteEngineerAsync(IncidentId incident, SiteId site, string engineer, CancellationToken ct) => desk.AssignSiteEngineerAsync(incident, site, engineer, ct);

    public Task<TrackedSite> ConfirmSiteAsync(IncidentId incident, SiteId site, bool confirmed, string? note, CancellationToken ct) =>
        desk.ConfirmSiteAsync(incident, site, confirmed, note, ct);

    public Task<TimelineEvent> NoteSiteAsync(IncidentId incident, SiteId site, string text, CancellationToken ct) => desk.NoteSiteAsync(incident, site, text, ct);

    public Task<RollbackRisk> RollbackRiskAsync(IncidentId incident, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) => desk.RollbackRiskAsync(incident, from, to, ct);

    public async Task<IReadOnlyList<Hypothesis>> HypothesesAsync(IncidentId incident, CancellationToken ct)
    {
        await desk.GetAsync(incident, ct);
        return await desk.HypothesesAsync(incident, ct);
    }

    public Task<Hypothesis> RaiseHypothesisAsync(IncidentId incident, string text, CancellationToken ct) => desk.RaiseHypothesisAsync(incident, text, ct);

    public Task<Hypothesis> RuleOutAsync(IncidentId incident, long hypothesis, string why, CancellationToken ct) => desk.RuleOutAsync(incident, hypothesis, why, ct);
}

/// <summary>A server's /api/incidents, with the words the API takes ("communications-lead", "backup").</summary>
internal sealed class RemoteIncidents(RemoteTarget target) : IIncidentTarget
{
    public Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct) => target.PostAsync<Incident>("api/incidents", new
    {
        title = declaration.Title,
        type = declaration.Type,
        severity = (int)declaration.Severity,
        visibility = IncidentNames.Of(declaration.Visibility),
        alert = declaration.Alert?.Value,
        plan = declaration.Plan?.Value,
        sites = declaration.Sites.Select(s => s.Value).ToList(),
    }, ct);

    public async Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct)
    {
        var parameters = new List<string> { $"limit={query.Limit.ToString(CultureInfo.InvariantCulture)}" };
        if (!query.OpenOnly)
        {
            parameters.Add("all=true");
        }

        if (query.Phase is { } phase)
        {
            parameters.Add($"phase={IncidentNames.Of(phase)}");
        }

        if (query.Severity is { } severity)
        {
            parameters.Add($"severity={(int)severity}");
        }

        return await target.GetAsync<List<ListedIncident>>($"api/incidents?{string.Join('&', parameters)}", ct);
    }

    public Task<Incident> GetAsync(IncidentId incident, CancellationToken ct) => target.GetAsync<Incident>($"api/incidents/{incident}", ct);

    public async Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<RoleHolding>>($"api/incidents/{incident}/roles", ct);

    public async Task<IReadOnlyList<string>> MissingRolesAsync(IncidentId incident, CancellationToken ct) =>
        (await target.GetAsync($"api/incidents/{incident}/roles/missing", ct)).AsArray().Select(g => g?["described"]?.GetValue<string>() ?? "").ToList();

    public async Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<Handoff>>($"api/incidents/{incident}/handoffs/pending", ct);

    public async Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit, bool pinnedOnly, CancellationToken ct) =>
        await target.GetAsync<List<TimelineEvent>>(
            $"api/incidents/{incident}/timeline?limit={limit.ToString(CultureInfo.InvariantCulture)}&pinnedOnly={(pinnedOnly ? "true" : "false")}", ct);

    public Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase phase, string? note, CancellationToken ct) =>
        target.PostAsync<Incident>($"api/incidents/{incident}/phase", new { phase = IncidentNames.Of(phase), note }, ct);

    public Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason, CancellationToken ct) =>
        target.PostAsync<Incident>($"api/incidents/{incident}/severity", new { severity = (int)severity, reason }, ct);

    public Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        target.PostAsync<RoleHolding>($"api/incidents/{incident}/roles", new { role = IncidentNames.Of(role), person, slot = IncidentNames.Of(slot) }, ct);

    public Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        target.PostAsync($"api/incidents/{incident}/roles/release", new { role = IncidentNames.Of(role), person, slot = IncidentNames.Of(slot) }, ct);

    public Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct) =>
        target.PostAsync<Handoff>($"api/incidents/{incident}/handoffs", new { role = IncidentNames.Of(role), to, note, slot = IncidentNames.Of(slot) }, ct);

    public Task<Handoff> AcknowledgeAsync(IncidentId incident, long handoff, CancellationToken ct) =>
        target.PostAsync<Handoff>($"api/incidents/{incident}/handoffs/{handoff.ToString(CultureInfo.InvariantCulture)}/acknowledge", null, ct);

    public Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/notes", new { text }, ct);

    public Task<TimelineEvent> RecordCustomerUpdateAsync(IncidentId incident, string text, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/customer-updates", new { text }, ct);

    public Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/pins", new { @event = eventId }, ct);

    public Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct) =>
        target.PostAsync<Incident>($"api/incidents/{duplicate}/merge", new { into = survivor.Value }, ct);

    public async Task<ChangeFreeze?> FreezeOfAsync(IncidentId incident, CancellationToken ct)
    {
        // The API answers 404 both for an unknown incident and for no freeze: the incident is asked for first, so only the second means "none".
        await GetAsync(incident, ct);
        try
        {
            return await target.GetAsync<ChangeFreeze>($"api/incidents/{incident}/freeze", ct);
        }
        catch (PlatformException e) when (e.Kind == PlatformErrorKind.NotFound)
        {
            return null;
        }
    }

    public Task<ChangeFreeze> BeginFreezeAsync(IncidentId incident, string reason, CancellationToken ct) =>
        target.PostAsync<ChangeFreeze>($"api/incidents/{incident}/freeze", new { reason }, ct);

    public Task LiftFreezeAsync(IncidentId incident, string reason, CancellationToken ct) => target.PostAsync($"api/incidents/{incident}/freeze/lift", new { reason }, ct);

    public Task<Participant> JoinAsync(IncidentId incident, string? region, string? shift, CancellationToken ct) =>
        target.PostAsync<Participant>($"api/incidents/{incident}/participants", new { region, shift }, ct);

    public async Task<IReadOnlyList<Participant>> ParticipantsAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<Participant>>($"api/incidents/{incident}/participants", ct);

    public async Task<IReadOnlyList<IncidentTask>> TasksAsync(IncidentId incident, string? stream, CancellationToken ct) =>
        await target.GetAsync<List<IncidentTask>>($"api/incidents/{incident}/tasks{(stream is null ? "" : "?stream=" + Uri.EscapeDataString(stream))}", ct);

    public Task<IncidentTask> AssignTaskAsync(IncidentId incident, TaskAssignment assignment, CancellationToken ct) =>
        target.PostAsync<IncidentTask>($"api/incidents/{incident}/tasks",
            new { purpose = assignment.Purpose, action = assignment.Action, owner = assignment.Owner, due = assignment.Due, stream = assignment.Stream }, ct);

    public Task<IncidentTask> ClaimTaskAsync(IncidentId incident, int task, CancellationToken ct) =>
        target.PostAsync<IncidentTask>($"api/incidents/{incident}/tasks/{task.ToString(CultureInfo.InvariantCulture)}/claim", null, ct);

    public Task<IncidentTask> CompleteTaskAsync(IncidentId incident, int task, CancellationToken ct) =>
        target.PostAsync<IncidentTask>($"api/incidents/{incident}/tasks/{task.ToString(CultureInfo.InvariantCulture)}/complete", null, ct);

    public Task<IncidentTask> DropTaskAsync(IncidentId incident, int task, string reason, CancellationToken ct) =>
        target.PostAsync<IncidentTask>($"api/incidents/{incident}/tasks/{task.ToString(CultureInfo.InvariantCulture)}/drop", new { reason }, ct);

    public async Task<IReadOnlyList<ParticipantWorkload>> WorkloadAsync(IncidentId incident, TimeSpan silentAfter, CancellationToken ct) =>
        await target.GetAsync<List<ParticipantWorkload>>(
            $"api/incidents/{incident}/workload?silentAfterMinutes={((int)silentAfter.TotalMinutes).ToString(CultureInfo.InvariantCulture)}", ct);

    public async Task<IReadOnlyList<IncidentStream>> StreamsAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<IncidentStream>>($"api/incidents/{incident}/streams", ct);

    public async Task<IReadOnlyList<IncidentStream>> OpenRestoreStreamsAsync(IncidentId incident, RestoreStreamsOpening opening, CancellationToken ct) =>
        await target.PostAsync<List<IncidentStream>>($"api/incidents/{incident}/streams/from-restore", new
        {
            job = opening.Job.Value,
            lead = opening.Lead,
            by = opening.By.ToString().ToLowerInvariant(),
            batchSize = opening.BatchSize,
        }, ct);

    public Task<IncidentStream> OpenStreamAsync(IncidentId incident, StreamOpening opening, CancellationToken ct) =>
        target.PostAsync<IncidentStream>($"api/incidents/{incident}/streams", new
        {
            slug = opening.Slug,
            lead = opening.Lead,
            goal = opening.Goal,
            cadenceMinutes = opening.Cadence is { } cadence ? (int?)cadence.TotalMinutes : null,
        }, ct);

    public Task<IncidentStream> CloseStreamAsync(IncidentId incident, string stream, CancellationToken ct) =>
        target.PostAsync<IncidentStream>($"api/incidents/{incident}/streams/{Uri.EscapeDataString(stream)}/close", null, ct);

    public Task<TimelineEvent> StreamUpdateAsync(IncidentId incident, string stream, string text, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/streams/{Uri.EscapeDataString(stream)}/updates", new { text }, ct);

    public async Task<IReadOnlyList<ChecklistItem>> ChecklistAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<ChecklistItem>>($"api/incidents/{incident}/checklist", ct);

    public Task<ChecklistItem> ClaimChecklistItemAsync(IncidentId incident, string item, CancellationToken ct) =>
        target.PostAsync<ChecklistItem>($"api/incidents/{incident}/checklist/{Uri.EscapeDataString(item)}/claim", null, ct);

    public Task<ChecklistItem> TickAsync(IncidentId incident, string item, CancellationToken ct) =>
        target.PostAsync<ChecklistItem>($"api/incidents/{incident}/checklist/{Uri.EscapeDataString(item)}/tick", null, ct);

    public async Task<IReadOnlyList<Reminder>> RemindersAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<Reminder>>($"api/incidents/{incident}/reminders", ct);

    public Task<ReminderSnooze> SnoozeAsync(IncidentId incident, ReminderKind kind, DateTimeOffset until, string reason, string? stream, CancellationToken ct) =>
        // The API reads a kind's C# name as well as its word.
        target.PostAsync<ReminderSnooze>($"api/incidents/{incident}/snoozes", new { kind = kind.ToString(), until, reason, stream }, ct);

    public Task<SiteTracker> SiteTrackerAsync(IncidentId incident, SiteTrackerFilter filter, CancellationToken ct) =>
        target.GetAsync<SiteTracker>($"api/incidents/{incident}/sites{Query(filter)}", ct);

    public Task<byte[]> SiteTrackerCsvAsync(IncidentId incident, SiteTrackerFilter filter, CancellationToken ct) =>
        target.GetBytesAsync($"api/incidents/{incident}/sites.csv{Query(filter)}", ct);

    public Task<SiteTracker> TrackSitesAsync(IncidentId incident, IReadOnlyList<SiteId> sites, CancellationToken ct) =>
        target.PostAsync<SiteTracker>($"api/incidents/{incident}/sites", new { sites = sites.Select(s => s.Value).ToList() }, ct);

    public Task<TrackedSite> AssignSiteEngineerAsync(IncidentId incident, SiteId site, string engineer, CancellationToken ct) =>
        target.PostAsync<TrackedSite>($"api/incidents/{incident}/sites/{site}/engineer", new { engineer }, ct);

    public Task<TrackedSite> ConfirmSiteAsync(IncidentId incident, SiteId site, bool confirmed, string? note, CancellationToken ct) =>
        target.PostAsync<TrackedSite>($"api/incidents/{incident}/sites/{site}/confirmation", new { confirmed, note }, ct);

    public Task<TimelineEvent> NoteSiteAsync(IncidentId incident, SiteId site, string text, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/sites/{site}/notes", new { text }, ct);

    public Task<RollbackRisk> RollbackRiskAsync(IncidentId incident, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var parameters = new List<string>();
        if (from is { } f)
        {
            parameters.Add("from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture)));
        }

        if (to is { } t)
        {
            parameters.Add("to=" + Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture)));
        }

        return target.GetAsync<RollbackRisk>($"api/incidents/{incident}/rollback-risk{(parameters.Count == 0 ? "" : "?" + string.Join('&', parameters))}", ct);
    }

    public async Task<IReadOnlyList<Hypothesis>> HypothesesAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<Hypothesis>>($"api/incidents/{incident}/hypotheses", ct);

    public Task<Hypothesis> RaiseHypothesisAsync(IncidentId incident, string text, CancellationToken ct) =>
        target.PostAsync<Hypothesis>($"api/incidents/{incident}/hypotheses", new { text }, ct);

    public Task<Hypothesis> RuleOutAsync(IncidentId incident, long hypothesis, string why, CancellationToken ct) =>
        target.PostAsync<Hypothesis>($"api/incidents/{incident}/hypotheses/{hypothesis.ToString(CultureInfo.InvariantCulture)}/rule-out", new { why }, ct);

    /// <summary>The tracker's filters as the API's query (state, confirmed, engineer, text); empty when none is given.</summary>
    private static string Query(SiteTrackerFilter filter)
    {
        var parameters = new List<string>();
        if (filter.State is { } state)
        {
            parameters.Add("state=" + Uri.EscapeDataString(state));
        }

        if (filter.Confirmed is { } confirmed)
        {
            parameters.Add(confirmed ? "confirmed=true" : "confirmed=false");
        }

        if (filter.Engineer is { } engineer)
        {
            parameters.Add("engineer=" + Uri.EscapeDataString(engineer));
        }

        if (filter.Text is { } text)
        {
            parameters.Add("text=" + Uri.EscapeDataString(text));
        }

        return parameters.Count == 0 ? "" : "?" + string.Join('&', parameters);
    }
}
