using System.Text.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Retrospectives;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

public sealed record OpenRetrospectiveRequest(bool? Drill);

public sealed record KptEntryRequest(string? Kind, string? Text);

public sealed record KptRevisionRequest(string? Text);

public sealed record RetrospectiveActionRequest(string? Kind, string? Title, string? Owner, DateOnly? Due);

public sealed record ActionEvidenceRequest(string? Evidence);

public sealed record ActionDropRequest(string? Reason);

public sealed record NotNeededRequest(string? Kind, string? Reason);

/// <summary>
/// Retrospectives over HTTP (docs/architecture.md, "Retrospectives"): reading needs incidents.read; writing needs it too, and the
/// desk lets only a participant of the incident, or a principal with incidents.command, write (409 otherwise, naming how to join).
/// Kinds travel as words (keep, problem, try; confirm-cause … recover-faster).
/// </summary>
public static class RetrospectiveEndpoints
{
    public static IEndpointRouteBuilder MapRetrospectiveEndpoints(this IEndpointRouteBuilder app)
    {
        var retro = app.MapArea("/api/incidents", "Retrospectives");
        retro.MapGet("/{incident}/retrospective", Get).WithName("GetRetrospective").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The incident's retrospective: the newest draft (timeline, figures, data loss per customer, roles and handoffs), KPT with every revision, actions, kinds not needed, reminders fired, missing kinds");
        retro.MapGet("/{incident}/retrospective.md", Markdown).WithName("ExportRetrospectiveMarkdown").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The retrospective as one Markdown document");
        retro.MapPost("/{incident}/retrospective", Open).WithName("OpenRetrospective").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Open the retrospective by hand with its first draft: a resolved or closed incident, or with drill=true a drill's incident in any phase")
            .WithDescription("Body {drill?: bool}. 201; 409 when one is open already. The server opens one by itself for every resolved incident.");
        retro.MapPost("/{incident}/retrospective/redraft", Redraft).WithName("RedraftRetrospective").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Write the draft again from the facts of now; the earlier drafts stay");
        retro.MapPost("/{incident}/retrospective/entries", AddEntry).WithName("AddKptEntry").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Add a KPT entry").WithDescription("Body {kind: keep|problem|try, text (1 to 2,000 characters)}. 201.");
        retro.MapPost("/{incident}/retrospective/entries/{number:int}/revisions", ReviseEntry).WithName("ReviseKptEntry").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Change an entry's text by a new revision; the earlier ones stay").WithDescription("Body {text}.");
        retro.MapPost("/{incident}/retrospective/actions", AddAction).WithName("AddRetrospectiveAction").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Add an action of one of the five kinds")
            .WithDescription("Body {kind: confirm-cause|make-fix-permanent|prevent-recurrence|detect-sooner|recover-faster, title, owner (an operator's login), due (yyyy-MM-dd, today or later)}. 201.");
        retro.MapPost("/{incident}/retrospective/actions/{number:int}/done", CompleteAction).WithName("CompleteRetrospectiveAction").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Close an action as done with its evidence (a text or a URL)").WithDescription("Body {evidence}.");
        retro.MapPost("/{incident}/retrospective/actions/{number:int}/drop", DropAction).WithName("DropRetrospectiveAction").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Drop an action with a reason; it stays in the record").WithDescription("Body {reason}.");
        retro.MapPost("/{incident}/retrospective/actions/{number:int}/drill", CloseWithDrill).WithName("CloseRetrospectiveActionWithDrill").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Close a recover-faster or detect-sooner action with a drill report that beats the incident; 409 with both figures when it does not")
            .WithDescription("Body: the drill report itself (drill-report.json, schema lifeboat.drill-report/1, docs/drill-report.md). It is kept beside the action.");
        retro.MapPost("/{incident}/retrospective/not-needed", NotNeeded).WithName("MarkRetrospectiveKindNotNeeded").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Say a kind needs no action, with a reason of at least 10 characters").WithDescription("Body {kind, reason}.");
        retro.MapPost("/{incident}/retrospective/complete", Complete).WithName("CompleteRetrospective").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("Complete the retrospective; 409 naming the kinds with neither an action nor a \"not needed\"");
        return app;
    }

    public static async Task<Ok<Retrospective>> Get(string incident, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.GetAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<ContentHttpResult> Markdown(string incident, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Text(await desk.MarkdownAsync(IncidentId.Parse(incident), cancellationToken), "text/markdown; charset=utf-8");

    public static async Task<Created<Retrospective>> Open(string incident, OpenRetrospectiveRequest? request, RetrospectiveDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        return TypedResults.Created($"/api/incidents/{id}/retrospective", await desk.OpenRetrospectiveAsync(id, request?.Drill ?? false, cancellationToken));
    }

    public static async Task<Ok<Retrospective>> Redraft(string incident, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.RedraftAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Created<KptEntry>> AddEntry(string incident, KptEntryRequest request, RetrospectiveDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var entry = await desk.AddEntryAsync(id, RetrospectiveNames.ReadEntryKind(request.Kind), request.Text ?? "", cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/retrospective", entry);
    }

    public static async Task<Ok<KptEntry>> ReviseEntry(string incident, int number, KptRevisionRequest request, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ReviseEntryAsync(IncidentId.Parse(incident), number, request.Text ?? "", cancellationToken));

    public static async Task<Created<RetrospectiveAction>> AddAction(string incident, RetrospectiveActionRequest request, RetrospectiveDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var action = await desk.AddActionAsync(id, new ActionDraft
        {
            Kind = RetrospectiveNames.ReadActionKind(request.Kind),
            Title = request.Title ?? "",
            Owner = request.Owner ?? "",
            Due = request.Due ?? throw new PlatformException(PlatformErrorKind.Invalid, "the action has no due date: give due as yyyy-MM-dd, today or later. Nothing was changed."),
        }, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/retrospective", action);
    }

    public static async Task<Ok<RetrospectiveAction>> CompleteAction(string incident, int number, ActionEvidenceRequest request, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.CompleteActionAsync(IncidentId.Parse(incident), number, request.Evidence ?? "", cancellationToken));

    public static async Task<Ok<RetrospectiveAction>> DropAction(string incident, int number, ActionDropRequest request, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.DropActionAsync(IncidentId.Parse(incident), number, request.Reason ?? "", cancellationToken));

    public static async Task<Ok<RetrospectiveAction>> CloseWithDrill(string incident, int number, JsonElement report, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.CloseWithDrillAsync(IncidentId.Parse(incident), number, report.GetRawText(), cancellationToken));

    public static async Task<Ok<Retrospective>> NotNeeded(string incident, NotNeededRequest request, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.MarkNotNeededAsync(IncidentId.Parse(incident), RetrospectiveNames.ReadActionKind(request.Kind), request.Reason ?? "", cancellationToken));

    public static async Task<Ok<Retrospective>> Complete(string incident, RetrospectiveDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.CompleteAsync(IncidentId.Parse(incident), cancellationToken));
}
