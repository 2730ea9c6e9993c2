using System.Globalization;
using System.Text.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
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
        incidents.MapPost("/{incident}/pins", Pin).WithName("PinIncidentEvent").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Pin a timeline event").WithDescription("Body {event}: the event's id from the timeline.");
        incidents.MapPost("/{incident}/merge", Merge).WithName("MergeIncident").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Merge this incident into another as its duplicate").WithDescription("Body {into}: the incident that goes on.");
        return app;
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

    public static async Task<Created<TimelineEvent>> Note(string incident, NoteRequest request, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var note = await desk.NoteAsync(id, request.Text, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/timeline", note);
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

public sealed record PinRequest(long Event);

public sealed record MergeRequest(IncidentId Into);

/// <summary>A required role or backup no one holds: "commander", "backup communications-lead".</summary>
public sealed record RoleGapView(string Role, string Slot, string Described);
