using System.Globalization;
using System.Text.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// Incident command over HTTP (docs/architecture.md, "Incidents"): the library's desk, acting as the
/// request's principal with the source "api". Phases, roles, slots and severities travel as the words
/// people write ("identified", "communications-lead", "backup", 2 or "SEV2"); anything else is a 400
/// that lists the allowed ones. The desk's own refusals are PlatformExceptions, answered 400/404/409.
/// </summary>
public static class IncidentEndpoints
{
    /// <summary>The desk's own default, which it keeps internal.</summary>
    public const int DefaultTimelineLimit = 100;

    public static IEndpointRouteBuilder MapIncidentEndpoints(this IEndpointRouteBuilder app)
    {
        var incidents = app.MapArea("/api/incidents", "Incidents");
        incidents.MapPost("/", Declare).WithName("DeclareIncident").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Declare an incident: title, type, severity (1 to 4 or \"SEV2\"), visibility, the alert, plan and sites it concerns")
            .WithDescription("""
                Body {title, type, severity, visibility?: restricted|public, alert?, plan?, sites?}. type is a short slug
                ("mass-deletion"). 201 with the incident, in phase investigating.
                """);
        incidents.MapGet("/", List).WithName("ListIncidents").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Incidents, newest first, each with its commander: open ones unless all=true; phase, severity (1 to 4 or \"SEV2\"), limit 1 to 500 (default 100)")
            .WithDescription("A phase decides alone (phase=closed lists closed ones). 200 with [{incident, commander}], commander null while no one holds the role.");
        incidents.MapGet("/severity-suggestion", SuggestSeverity).WithName("SuggestIncidentSeverity").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The severity measured impact suggests (query sites, customers, records); a person still sets it");
        incidents.MapGet("/{incident}", Get).WithName("GetIncident").RequirePermission(Permissions.IncidentsRead).WithSummary("An incident");
        incidents.MapPost("/{incident}/phase", MovePhase).WithName("MoveIncidentPhase").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Move to the next phase (investigating, identified, restoring, monitoring, resolved, closed), with a note")
            .WithDescription("Body {phase, note?}. Phases go forward one step at a time: a skip is a 409 naming the skipped phases.");
        incidents.MapPost("/{incident}/severity", SetSeverity).WithName("SetIncidentSeverity").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Set the severity (1 to 4 or \"SEV2\"), with a reason");
        incidents.MapGet("/{incident}/roles", Roles).WithName("ListIncidentRoles").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Who holds which role now");
        incidents.MapPost("/{incident}/roles", Assign).WithName("AssignIncidentRole").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Give a person a role (or its backup)")
            .WithDescription("""
                Body {role, person, slot?: holder|backup}. Roles: commander, approver, contributor, informed, scribe,
                communications-lead, support-lead. A single-holder role already held by someone else is a 409 naming the holder
                (one commander at a time: hand it over instead).
                """);
        incidents.MapPost("/{incident}/roles/release", Release).WithName("ReleaseIncidentRole").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("End a person's holding of a role (or its backup)").WithDescription("Body {role, person, slot?: holder|backup}.");
        incidents.MapGet("/{incident}/roles/history", RoleHistory).WithName("ListIncidentRoleHistory").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Every holding the incident has had, from when to when, in the order they began");
        incidents.MapGet("/{incident}/roles/missing", MissingRoles).WithName("ListMissingIncidentRoles").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Required roles (commander, communications lead, scribe) and their backups that no one holds");
        incidents.MapPost("/{incident}/handoffs", HandOff).WithName("HandOffIncidentRole").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Hand a role over to a person, with a written note; the receiver acknowledges it")
            .WithDescription("Body {role, to, note, slot?: holder|backup}. 201 with the handoff and its packet (phase, severity, open role gaps).");
        incidents.MapGet("/{incident}/handoffs/pending", PendingHandoffs).WithName("ListPendingIncidentHandoffs").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Handoffs not yet acknowledged by their receivers");
        // Reading is enough: the desk lets only the handoff's receiver acknowledge it (409 for anyone else).
        incidents.MapPost("/{incident}/handoffs/{handoff}/acknowledge", Acknowledge).WithName("AcknowledgeIncidentHandoff").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Acknowledge a handoff made to you; anyone else is refused 409");
        incidents.MapGet("/{incident}/timeline", Timeline).WithName("ListIncidentTimeline").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The timeline, newest first (limit 1 to 1000, default 100; pinnedOnly)");
        incidents.MapPost("/{incident}/notes", Note).WithName("AddIncidentNote").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Add a note to the timeline").WithDescription("Body {text}. 201 with the event.");
        incidents.MapPost("/{incident}/customer-updates", RecordCustomerUpdate).WithName("RecordIncidentCustomerUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Record what customers were told: it resets the customer-update cadence and clears the reminder of sites back since the last update")
            .WithDescription("Body {text}. 201 with the timeline event.");
        incidents.MapPost("/{incident}/pins", Pin).WithName("PinIncidentEvent").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Pin a timeline event").WithDescription("Body {event}: the event's id from the timeline.");
        incidents.MapPost("/{incident}/merge", Merge).WithName("MergeIncident").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Merge this incident into another as its duplicate").WithDescription("Body {into}: the incident that goes on.");
        incidents.MapGet("/{incident}/freeze", Freeze).WithName("GetIncidentFreeze").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The incident's code freeze, 404 when none is on");
        incidents.MapPost("/{incident}/freeze", BeginFreeze).WithName("BeginIncidentFreeze").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Begin the incident's code freeze: every change plan not tagged to the incident is refused until it is lifted")
            .WithDescription("Body {reason}. A plan passes when its body (or plan file) says incident: inc_….");
        // Commanding is needed to reach the desk; the desk lets only the incident's commander lift (409 for anyone else).
        incidents.MapPost("/{incident}/freeze/lift", LiftFreeze).WithName("LiftIncidentFreeze").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Lift the incident's code freeze (its commander only), with a reason").WithDescription("Body {reason}.");
        MapWork(incidents);
        MapTracking(incidents);
        MapHypotheses(incidents);
        return app;
    }

    /// <summary>Participants, tasks, the commander's workload view, streams, the checklist, reminders and snoozes.</summary>
    private static void MapWork(RouteGroupBuilder incidents)
    {
        incidents.MapGet("/{incident}/participants", Participants).WithName("ListIncidentParticipants").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Everyone taking part, with their region and shift");
        incidents.MapPost("/{incident}/participants", Join).WithName("JoinIncident").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Join the incident yourself, or update your region and shift")
            .WithDescription("Body {region?, shift?}: region a short name (\"apac\"), shift \"HH:MM-HH:MM UTC\". Joining again updates what is given.");
        incidents.MapGet("/{incident}/tasks", Tasks).WithName("ListIncidentTasks").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The incident's tasks in number order (stream: only that stream's)");
        incidents.MapPost("/{incident}/tasks", AssignTask).WithName("AssignIncidentTask").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Assign a task: what for (purpose) and what to do (action), to a participant or to no one yet")
            .WithDescription("Body {purpose, action, owner?, due?, stream?}. 201 with the task. No purpose is a 400; an owner who is not a participant a 409.");
        incidents.MapPost("/{incident}/tasks/{task}/claim", ClaimTask).WithName("ClaimIncidentTask").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Take a task no one owns; one someone owns is a 409 naming them");
        incidents.MapPost("/{incident}/tasks/{task}/complete", CompleteTask).WithName("CompleteIncidentTask").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Mark your own task done (someone else's needs incidents.command)");
        incidents.MapPost("/{incident}/tasks/{task}/drop", DropTask).WithName("DropIncidentTask").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Drop a task, with a reason").WithDescription("Body {reason}.");
        incidents.MapGet("/{incident}/workload", Workload).WithName("GetIncidentWorkload").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The commander's view: per participant, open tasks, idle, last activity, silent (silentAfterMinutes, default 30)");
        incidents.MapGet("/{incident}/streams", Streams).WithName("ListIncidentStreams").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The sub-streams, each with its tasks open and done and its last update");
        incidents.MapPost("/{incident}/streams", OpenStream).WithName("OpenIncidentStream").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Open a sub-stream with a lead (a participant), a goal and optionally its own cadence")
            .WithDescription("Body {slug, lead, goal, cadenceMinutes?}. 201 with the stream.");
        incidents.MapPost("/{incident}/streams/from-restore", OpenRestoreStreams).WithName("OpenIncidentRestoreStreams").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Open one stream per region (restore-<region>) or per batch of sites (restore-batch-<k>) of a restore job's sites the incident has; their progress is read from the job")
            .WithDescription("Body {job, lead, by?: region|batch (default region), batchSize? (with batch)}. 201 with the streams opened; 409 when the job has streams already.");
        incidents.MapPost("/{incident}/streams/{stream}/close", CloseStream).WithName("CloseIncidentStream").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Close a stream whose tasks are all done or dropped");
        incidents.MapPost("/{incident}/streams/{stream}/updates", StreamUpdate).WithName("PostIncidentStreamUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Post a stream's own update (a note naming the stream): it restarts the stream's cadence").WithDescription("Body {text}. 201 with the event.");
        incidents.MapGet("/{incident}/checklist", Checklist).WithName("ListIncidentChecklist").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The checklist posted from the type's runbook when the incident was declared");
        incidents.MapPost("/{incident}/checklist/{item}/claim", ClaimChecklistItem).WithName("ClaimIncidentChecklistItem").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Claim a checklist item: a task for it becomes yours");
        incidents.MapPost("/{incident}/checklist/{item}/tick", Tick).WithName("TickIncidentChecklistItem").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Tick an item; a double-check item's second tick must be someone else's (409 otherwise)");
        incidents.MapGet("/{incident}/reminders", Reminders).WithName("ListIncidentReminders").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The updates owed now under the severity's cadence and the streams' own, minus snoozed ones");
        incidents.MapPost("/{incident}/snoozes", Snooze).WithName("SnoozeIncidentReminder").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Hold a reminder until a time, with a reason")
            .WithDescription("Body {kind: internal-update|customer-update|stream-update|progress|customer-not-updated, until, reason, stream?} (stream for stream-update only). 201.");
    }

    /// <summary>The per-site restore tracker (its CSV export) and rollback risk at a glance.</summary>
    private static void MapTracking(RouteGroupBuilder incidents)
    {
        const string Filters = "Query state (none, pending, restoring, validating, restored, failed, cancelled), confirmed (true/false), engineer, text.";
        incidents.MapGet("/{incident}/sites", GetSiteTracker).WithName("GetIncidentSiteTracker").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Every affected site: its restore (newest job, state, validation, read live), engineer, customer confirmation, last note; counts per state")
            .WithDescription(Filters);
        incidents.MapGet("/{incident}/sites.csv", ExportSiteTracker).WithName("ExportIncidentSiteTracker").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The tracker as a CSV attachment (RFC 4180, cells starting with = + - @ prefixed with an apostrophe)")
            .WithDescription(Filters);
        incidents.MapPost("/{incident}/sites", TrackSites).WithName("TrackIncidentSites").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Track more sites found affected after the declaration").WithDescription("Body {sites: [\"site_…\"]}. A site that does not exist is a 404 naming it.");
        incidents.MapPost("/{incident}/sites/{site}/engineer", SetSiteEngineer).WithName("SetIncidentSiteEngineer").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Name the support engineer (a participant) looking after a site").WithDescription("Body {engineer}. Someone not taking part is a 409 saying how to add them.");
        incidents.MapPost("/{incident}/sites/{site}/confirmation", ConfirmSite).WithName("ConfirmIncidentSite").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Record the customer's word: confirmed, or still broken (with a note)").WithDescription("Body {confirmed: bool, note?}; still broken needs the note.");
        incidents.MapPost("/{incident}/sites/{site}/notes", NoteSite).WithName("NoteIncidentSite").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("A note about one site: the tracker shows the last, the timeline keeps all").WithDescription("Body {text}. 201 with the timeline event.");
        incidents.MapGet("/{incident}/rollback-risk", GetRollbackRisk).WithName("GetIncidentRollbackRisk").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The change plans that started in the window: blast radius, rehearsal, can roll back now, what a rollback takes with it; the audit in the window")
            .WithDescription("Query from?, to? (ISO 8601); by default from 24 hours before the declaration to now.");
    }

    /// <summary>Hypotheses about the cause: raised and ruled out as notes are written, read by everyone; handoff packets carry them.</summary>
    private static void MapHypotheses(RouteGroupBuilder incidents)
    {
        incidents.MapGet("/{incident}/hypotheses", Hypotheses).WithName("ListIncidentHypotheses").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The hypotheses about the cause in the order raised, open ones and those ruled out (with who, when and why)");
        incidents.MapPost("/{incident}/hypotheses", RaiseHypothesis).WithName("RaiseIncidentHypothesis").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Raise a hypothesis about the cause, on the timeline").WithDescription("Body {text} (1 to 1,000 characters). 201 with the hypothesis and its number.");
        incidents.MapPost("/{incident}/hypotheses/{hypothesis}/rule-out", RuleOutHypothesis).WithName("RuleOutIncidentHypothesis").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Rule a hypothesis out, saying why, so the next shift does not chase it again")
            .WithDescription("Body {why} (1 to 1,000 characters). A hypothesis ruled out already is a 409 naming who did and why.");
    }

    public static async Task<Ok<IReadOnlyList<Hypothesis>>> Hypotheses(string incident, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        // The list alone is empty for an incident that does not exist; asking for it first makes that the desk's 404.
        await desk.GetAsync(id, cancellationToken);
        return TypedResults.Ok(await desk.HypothesesAsync(id, cancellationToken));
    }

    public static async Task<Created<Hypothesis>> RaiseHypothesis(string incident, RaiseHypothesisRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var raised = await desk.RaiseHypothesisAsync(id, request.Text ?? "", cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/hypotheses", raised);
    }

    public static async Task<Ok<Hypothesis>> RuleOutHypothesis(string incident, long hypothesis, RuleOutRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.RuleOutAsync(IncidentId.Parse(incident), hypothesis, request.Why ?? "", cancellationToken));

    public static async Task<Ok<SiteTracker>> GetSiteTracker(string incident, IncidentDesk desk, CancellationToken cancellationToken,
        string? state = null, bool? confirmed = null, string? engineer = null, string? text = null) =>
        TypedResults.Ok(await desk.SiteTrackerAsync(IncidentId.Parse(incident), new SiteTrackerFilter { State = state, Confirmed = confirmed, Engineer = engineer, Text = text }, cancellationToken));

    public static async Task<FileContentHttpResult> ExportSiteTracker(string incident, IncidentDesk desk, CancellationToken cancellationToken,
        string? state = null, bool? confirmed = null, string? engineer = null, string? text = null)
    {
        var id = IncidentId.Parse(incident);
        // Written to memory first, so a refusal is still an error response and not half a file.
        using var buffer = new MemoryStream();
        await desk.ExportSiteTrackerCsvAsync(id, new SiteTrackerFilter { State = state, Confirmed = confirmed, Engineer = engineer, Text = text }, buffer, cancellationToken);
        return TypedResults.File(buffer.ToArray(), "text/csv; charset=utf-8", $"{id}-sites.csv");
    }

    public static async Task<Ok<SiteTracker>> TrackSites(string incident, TrackSitesRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        await desk.TrackSitesAsync(id, request.Sites ?? [], cancellationToken);
        return TypedResults.Ok(await desk.SiteTrackerAsync(id, cancellationToken: cancellationToken));
    }

    public static async Task<Ok<TrackedSite>> SetSiteEngineer(string incident, string site, SiteEngineerRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.AssignSiteEngineerAsync(IncidentId.Parse(incident), SiteId.Parse(site), request.Engineer ?? "", cancellationToken));

    public static async Task<Ok<TrackedSite>> ConfirmSite(string incident, string site, SiteConfirmationRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        if (request.Confirmed is not { } confirmed)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the confirmation has no 'confirmed': true when the customer confirmed the site, false (with a note) when they report it still broken. Nothing was changed.");
        }

        return TypedResults.Ok(await desk.ConfirmSiteAsync(IncidentId.Parse(incident), SiteId.Parse(site), confirmed, request.Note, cancellationToken));
    }

    public static async Task<Created<TimelineEvent>> NoteSite(string incident, string site, NoteRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var note = await desk.NoteSiteAsync(id, SiteId.Parse(site), request.Text, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/timeline", note);
    }

    public static async Task<Ok<RollbackRisk>> GetRollbackRisk(string incident, IncidentDesk desk, CancellationToken cancellationToken, DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        TypedResults.Ok(await desk.RollbackRiskAsync(IncidentId.Parse(incident), from, to, cancellationToken));

    public static async Task<Ok<IReadOnlyList<Participant>>> Participants(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ParticipantsAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<Participant>> Join(string incident, JoinRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.JoinAsync(IncidentId.Parse(incident), desk.Actor, request.Region, request.Shift, cancellationToken));

    public static async Task<Ok<IReadOnlyList<IncidentTask>>> Tasks(string incident, IncidentDesk desk, CancellationToken cancellationToken, string? stream = null) =>
        TypedResults.Ok(await desk.TasksAsync(IncidentId.Parse(incident), stream, cancellationToken));

    public static async Task<Created<IncidentTask>> AssignTask(string incident, AssignTaskRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var task = await desk.AssignTaskAsync(id, new TaskAssignment
        {
            Owner = request.Owner,
            Purpose = request.Purpose ?? "",
            Action = request.Action ?? "",
            Due = request.Due,
            Stream = request.Stream,
        }, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/tasks", task);
    }

    public static async Task<Ok<IncidentTask>> ClaimTask(string incident, int task, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ClaimTaskAsync(IncidentId.Parse(incident), task, cancellationToken));

    /// <summary>incidents.declare completes one's own task; another's needs incidents.command (the commander closing work for someone).</summary>
    public static async Task<Ok<IncidentTask>> CompleteTask(string incident, int task, IncidentDesk desk, HttpContext http, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var principal = Actors.PrincipalOf(http);
        var found = (await desk.TasksAsync(id, cancellationToken: cancellationToken)).FirstOrDefault(t => t.Number == task);
        // A task that does not exist is the desk's 404; one that is not the caller's needs the commander's permission.
        if (principal is not null && found is not null && !string.Equals(found.Owner?.Trim(), principal.Login.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            principal.Require(Permissions.IncidentsCommand);
        }

        return TypedResults.Ok(await desk.CompleteTaskAsync(id, task, cancellationToken));
    }

    public static async Task<Ok<IncidentTask>> DropTask(string incident, int task, DropTaskRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.DropTaskAsync(IncidentId.Parse(incident), task, request.Reason ?? "", cancellationToken));

    public static async Task<Ok<IReadOnlyList<ParticipantWorkload>>> Workload(string incident, IncidentDesk desk, CancellationToken cancellationToken, int silentAfterMinutes = 30) =>
        TypedResults.Ok(await desk.WorkloadAsync(IncidentId.Parse(incident), TimeSpan.FromMinutes(silentAfterMinutes), cancellationToken));

    public static async Task<Ok<IReadOnlyList<IncidentStream>>> Streams(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.StreamsAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Created<IncidentStream>> OpenStream(string incident, OpenStreamRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var stream = await desk.OpenStreamAsync(id, new StreamOpening
        {
            Slug = request.Slug ?? "",
            Lead = request.Lead ?? "",
            Goal = request.Goal ?? "",
            Cadence = request.CadenceMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        }, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/streams", stream);
    }

    public static async Task<Created<IReadOnlyList<IncidentStream>>> OpenRestoreStreams(string incident, OpenRestoreStreamsRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        if (string.IsNullOrWhiteSpace(request.Job))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "no restore job given: name the job whose sites the streams restore (\"job\": \"rjob_…\"). Nothing was opened.");
        }

        var streams = await desk.OpenRestoreStreamsAsync(id, new RestoreStreamsOpening
        {
            Job = RestoreJobId.Parse(request.Job.Trim()),
            Lead = request.Lead ?? "",
            By = IncidentWords.RestoreStreamGrouping(request.By),
            BatchSize = request.BatchSize,
        }, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/streams", streams);
    }

    public static async Task<Ok<IncidentStream>> CloseStream(string incident, string stream, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.CloseStreamAsync(IncidentId.Parse(incident), stream, cancellationToken));

    public static async Task<Created<TimelineEvent>> StreamUpdate(string incident, string stream, NoteRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var update = await desk.StreamUpdateAsync(id, stream, request.Text, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/timeline", update);
    }

    public static async Task<Ok<IReadOnlyList<ChecklistItem>>> Checklist(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ChecklistAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<ChecklistItem>> ClaimChecklistItem(string incident, string item, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ClaimChecklistItemAsync(IncidentId.Parse(incident), item, cancellationToken));

    public static async Task<Ok<ChecklistItem>> Tick(string incident, string item, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.TickAsync(IncidentId.Parse(incident), item, cancellationToken));

    public static async Task<Ok<IReadOnlyList<Reminder>>> Reminders(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.RemindersDueAsync(IncidentId.Parse(incident), cancellationToken: cancellationToken));

    public static async Task<Created<ReminderSnooze>> Snooze(string incident, SnoozeRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        if (request.Until is not { } until)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the snooze has no 'until': give the time the reminder is due again (\"2026-04-05T10:00:00Z\"). Nothing was snoozed.");
        }

        var snooze = await desk.SnoozeAsync(id, IncidentValues.ReminderKind(request.Kind), until, request.Reason ?? "", request.Stream, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/reminders", snooze);
    }

    public static async Task<Created<Incident>> Declare(DeclareIncidentRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var incident = await desk.DeclareAsync(new IncidentDeclaration
        {
            Title = request.Title,
            Type = request.Type,
            Severity = IncidentValues.Severity(request.Severity),
            Visibility = request.Visibility is { } visibility ? IncidentValues.Visibility(visibility) : IncidentVisibility.Restricted,
            Alert = request.Alert,
            Plan = request.Plan,
            Sites = request.Sites ?? [],
        }, cancellationToken);
        return TypedResults.Created($"/api/incidents/{incident.Id}", incident);
    }

    public static async Task<Ok<IReadOnlyList<ListedIncident>>> List(IncidentDesk desk, CancellationToken cancellationToken, string? phase = null, string? severity = null,
        bool all = false, int limit = IncidentQuery.DefaultLimit) =>
        TypedResults.Ok(await desk.ListAsync(new IncidentQuery
        {
            OpenOnly = !all,
            Phase = phase is null ? null : IncidentValues.Phase(phase),
            Severity = severity is null ? null : IncidentValues.Severity(severity),
            Limit = limit,
        }, cancellationToken));

    public static Ok<SuggestedSeverity> SuggestSeverity(int sites = 0, int customers = 0, long records = 0) =>
        TypedResults.Ok(SeveritySuggestion.Suggest(new MeasuredImpact(sites, customers, records)));

    public static async Task<Ok<Incident>> Get(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.GetAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<Incident>> MovePhase(string incident, MovePhaseRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.MovePhaseAsync(IncidentId.Parse(incident), IncidentValues.Phase(request.Phase), request.Note, cancellationToken));

    public static async Task<Ok<Incident>> SetSeverity(string incident, SetSeverityRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.SetSeverityAsync(IncidentId.Parse(incident), IncidentValues.Severity(request.Severity), request.Reason, cancellationToken));

    public static async Task<Ok<IReadOnlyList<RoleHolding>>> Roles(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.RolesAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<RoleHolding>> Assign(string incident, RoleRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.AssignAsync(IncidentId.Parse(incident), IncidentValues.Role(request.Role), request.Person, IncidentValues.Slot(request.Slot), cancellationToken));

    public static async Task<NoContent> Release(string incident, RoleRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        await desk.ReleaseAsync(IncidentId.Parse(incident), IncidentValues.Role(request.Role), request.Person, IncidentValues.Slot(request.Slot), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<RoleHolding>>> RoleHistory(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.RoleHistoryAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<IReadOnlyList<RoleGapView>>> MissingRoles(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<RoleGapView>>((await desk.MissingRolesAsync(IncidentId.Parse(incident), cancellationToken))
            .Select(g => new RoleGapView(IncidentNames.Of(g.Role), IncidentNames.Of(g.Slot), g.Described)).ToList());

    public static async Task<Created<Handoff>> HandOff(string incident, HandOffRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var handoff = await desk.HandOffAsync(id, IncidentValues.Role(request.Role), request.To, request.Note, IncidentValues.Slot(request.Slot), cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/handoffs/{handoff.Id.ToString(CultureInfo.InvariantCulture)}", handoff);
    }

    public static async Task<Ok<IReadOnlyList<Handoff>>> PendingHandoffs(string incident, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.PendingHandoffsAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<Handoff>> Acknowledge(string incident, long handoff, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.AcknowledgeHandoffAsync(IncidentId.Parse(incident), handoff, cancellationToken));

    public static async Task<Ok<IReadOnlyList<TimelineEvent>>> Timeline(string incident, IncidentDesk desk, CancellationToken cancellationToken,
        int limit = DefaultTimelineLimit, bool pinnedOnly = false) =>
        TypedResults.Ok(await desk.TimelineAsync(IncidentId.Parse(incident), limit, pinnedOnly, cancellationToken));

    public static async Task<Ok<ChangeFreeze>> Freeze(string incident, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        await desk.GetAsync(id, cancellationToken);
        return await desk.FreezeOfAsync(id, cancellationToken) is { } freeze
            ? TypedResults.Ok(freeze)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"incident {id} has no code freeze on.");
    }

    public static async Task<Created<ChangeFreeze>> BeginFreeze(string incident, ReasonRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var freeze = await desk.FreezeAsync(id, request.Reason, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/freeze", freeze);
    }

    public static async Task<NoContent> LiftFreeze(string incident, ReasonRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        await desk.LiftFreezeAsync(IncidentId.Parse(incident), request.Reason, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Created<TimelineEvent>> Note(string incident, NoteRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var note = await desk.NoteAsync(id, request.Text, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/timeline", note);
    }

    public static async Task<Created<TimelineEvent>> RecordCustomerUpdate(string incident, NoteRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var update = await desk.RecordCustomerUpdateAsync(id, request.Text, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/timeline", update);
    }

    public static async Task<Ok<TimelineEvent>> Pin(string incident, PinRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.PinAsync(IncidentId.Parse(incident), request.Event, cancellationToken));

    public static async Task<Ok<Incident>> Merge(string incident, MergeRequest request, IncidentDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.MergeAsDuplicateAsync(IncidentId.Parse(incident), request.Into, cancellationToken));
}

/// <summary>
/// The words of the API for the desk's enums, read strictly (<see cref="IncidentWords"/>): a value that is not one is a 400 listing those that are.
/// </summary>
internal static class IncidentValues
{
    public static IncidentPhase Phase(string text) => IncidentWords.Phase(text);

    public static IncidentRole Role(string text) => IncidentWords.Role(text);

    public static RoleSlot Slot(string? text) => IncidentWords.Slot(text);

    public static IncidentVisibility Visibility(string text) => IncidentWords.Visibility(text);

    public static IncidentSeverity Severity(string text) => IncidentWords.Severity(text);

    /// <summary>internal-update, customer-update, stream-update, progress or customer-not-updated (handoff-unacknowledged is read, and refused by the desk).</summary>
    public static ReminderKind ReminderKind(string? text) => IncidentWords.ReminderKind(text);

    /// <summary>A number 1 to 4, or "SEV1" to "SEV4" (any case; "2" too).</summary>
    public static IncidentSeverity Severity(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt32(out var n) && n is >= 1 and <= 4 => (IncidentSeverity)n,
        JsonValueKind.String when IncidentWords.SeverityOrNull(value.GetString()) is { } severity => severity,
        _ => throw IncidentWords.NotASeverity(value.GetRawText()),
    };
}

/// <summary>severity: 1 to 4 or "SEV1" to "SEV4"; visibility: restricted (the default) or public.</summary>
public sealed record DeclareIncidentRequest(string Title, string Type, JsonElement Severity, string? Visibility = null, AlertId? Alert = null, PlanId? Plan = null,
    IReadOnlyList<SiteId>? Sites = null);

public sealed record MovePhaseRequest(string Phase, string? Note = null);

public sealed record SetSeverityRequest(JsonElement Severity, string? Reason = null);

/// <summary>slot: holder (the default) or backup.</summary>
public sealed record RoleRequest(string Role, string Person, string? Slot = null);

public sealed record HandOffRequest(string Role, string To, string Note, string? Slot = null);

public sealed record NoteRequest(string Text);

/// <summary>text: what may be the cause.</summary>
public sealed record RaiseHypothesisRequest(string? Text);

/// <summary>why: what ruled the hypothesis out.</summary>
public sealed record RuleOutRequest(string? Why);

public sealed record PinRequest(long Event);

public sealed record MergeRequest(IncidentId Into);

/// <summary>A required role or backup no one holds: "commander", "backup communications-lead".</summary>
public sealed record RoleGapView(string Role, string Slot, string Described);

/// <summary>Both optional: a region ("apac") and a shift ("00:00-08:00 UTC"); what is left out stays as it was.</summary>
public sealed record JoinRequest(string? Region = null, string? Shift = null);

public sealed record AssignTaskRequest(string? Purpose, string? Action, string? Owner = null, DateTimeOffset? Due = null, string? Stream = null);

public sealed record DropTaskRequest(string? Reason);

public sealed record OpenStreamRequest(string? Slug, string? Lead, string? Goal, int? CadenceMinutes = null);

/// <summary>by: region (the default) or batch, with batchSize sites per stream.</summary>
public sealed record OpenRestoreStreamsRequest(string? Job, string? Lead, string? By = null, int? BatchSize = null);

/// <summary>kind: internal-update, customer-update, stream-update (with stream), progress or customer-not-updated.</summary>
public sealed record SnoozeRequest(string? Kind, DateTimeOffset? Until, string? Reason, string? Stream = null);

public sealed record TrackSitesRequest(IReadOnlyList<SiteId>? Sites);

public sealed record SiteEngineerRequest(string? Engineer);

public sealed record SiteConfirmationRequest(bool? Confirmed, string? Note = null);
