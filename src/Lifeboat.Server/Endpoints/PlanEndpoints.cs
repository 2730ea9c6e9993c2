using System.Text;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Detection;
using Lifeboat.Platform.Plans;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// Change plans, the only door for bulk destructive work: submit, review, approve, run in waves (in
/// the background), pause, resume, abort, roll back; and what watches them: health signals, the
/// detector's alerts, the audit log.
/// </summary>
public static class PlanEndpoints
{
    private const int MaxAudit = 1000;

    private static readonly string[] PlanFileTypes = ["text/yaml", "application/x-yaml", "application/yaml"];

    public static IEndpointRouteBuilder MapPlanEndpoints(this IEndpointRouteBuilder app)
    {
        var plans = app.MapArea("/api/plans", "Plans");
        plans.MapPost("/", Submit).WithName("SubmitPlan").RequirePermission(Permissions.PlansSubmit).WithBodyLimit(RequestLimits.UploadBodyLimit)
            .WithSummary("Verify a plan and record it, or refuse it with a report of every failing ID")
            .WithDescription("""
                The body is JSON ({action, target, targets, reason, parameters, override}) or a plan file (text/yaml,
                application/x-yaml or application/yaml, as for lifeboat plan submit; targets-file is not supported over HTTP:
                list the IDs under targets). A refused plan is a 400 whose detail says why, naming the kind of ID given and the kind expected,
                with the extensions problems (each failing ID and why, at most 1000), problemCount and violations (of the
                policy). Nothing is changed by a refused plan. dropUnresolved=true goes on without IDs that do not exist here;
                they are recorded on the plan.
                """)
            .Accepts<PlanBody>("application/json", PlanFileTypes)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        plans.MapGet("/", List).WithName("ListPlans").RequirePermission(Permissions.PlansRead).WithSummary("Plans, newest first (at most 200); filter with state");
        plans.MapGet("/{plan}", Get).WithName("GetPlan").RequirePermission(Permissions.PlansRead)
            .WithSummary("A plan: blast radius, policy decision, waves, rollback rehearsal, state")
            .WithDescription("A halted plan shows haltCode and stateReason: resume it acknowledging that code.");
        plans.MapPut("/{plan}", Amend).WithName("AmendPlan").RequirePermission(Permissions.PlansSubmit).WithBodyLimit(RequestLimits.UploadBodyLimit)
            .WithSummary("Replace a plan's content before it runs; an approval must then be given again")
            .WithDescription("Takes the same body as SubmitPlan, refused the same way.")
            .Accepts<PlanBody>("application/json", PlanFileTypes)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        plans.MapGet("/{plan}/targets", ListTargets).WithName("ListPlanTargets").RequirePermission(Permissions.PlansRead).WithSummary("A plan's targets, by wave, with their state");
        plans.MapGet("/{plan}/audit", PlanAudit).WithName("GetPlanAudit").RequirePermission(Permissions.PlansRead)
            .WithSummary("Every step of a plan: who asked, who approved, what ran, when, on which IDs");
        plans.MapPost("/{plan}/approve", Approve).WithName("ApprovePlan").RequirePermission(Permissions.PlansApprove)
            .WithSummary("Approve a plan someone else requested, bound to the content hash you reviewed")
            .WithDescription("409 if you requested the plan, or if contentHash is not the plan's current content hash.");
        plans.MapPost("/{plan}/run", Run).WithName("RunPlan").RequirePermission(Permissions.PlansRun)
            .WithSummary("Start (or continue) running a plan wave by wave, in the background")
            .WithDescription("""
                202 with the plan's location: follow it with GetPlan until it is Completed or stops (Paused, Halted,
                Aborted). What the run would refuse before touching a target (awaiting approval, changed since approval,
                halted, finished) is a 409 at once, as is a plan this server is already running or rolling back. A run
                cut short by a server shutdown leaves the plan Running; run it again to continue where it stopped.
                """);
        plans.MapPost("/{plan}/pause", Pause).WithName("PausePlan").RequirePermission(Permissions.PlansRun).WithSummary("Pause a running plan; no further target is touched until it is resumed and run");
        plans.MapPost("/{plan}/resume", Resume).WithName("ResumePlan").RequirePermission(Permissions.PlansRun)
            .WithSummary("Let a paused or halted plan run again (then run it)")
            .WithDescription("A halted plan needs acknowledge = its haltCode (an alert ID, signal:…, failure:…, …), to show why it stopped was read; otherwise 409.");
        plans.MapPost("/{plan}/abort", Abort).WithName("AbortPlan").RequirePermission(Permissions.PlansRun).WithSummary("Abort a plan: no further target is touched");
        plans.MapPost("/{plan}/rollback", Rollback).WithName("RollBackPlan").RequirePermission(Permissions.PlansRun)
            .WithSummary("Undo every target the plan changed (a restore to just before it), in the background")
            .WithDescription("202 with the plan's location; it becomes RolledBack once every target is undone and verified.");
        plans.MapPost("/{plan}/health-signals", SignalPlan).WithName("SignalPlanHealth").RequirePermission(Permissions.HealthSignal)
            .WithSummary("Report that a running plan is hurting someone; its next health gate halts it");

        var signals = app.MapArea("/api/health-signals", "Plans");
        signals.MapPost("/", SignalSite).WithName("SignalSiteHealth").RequirePermission(Permissions.HealthSignal)
            .WithSummary("Report that a site is hurting (support, monitoring); any plan that has touched it halts at its next health gate");

        var alerts = app.MapArea("/api/alerts", "Alerts");
        alerts.MapGet("/", ListAlerts).WithName("ListAlerts").RequirePermission(Permissions.AlertsRead)
            .WithSummary("The anomaly detector's alerts, newest first (at most 200); open=true for unacknowledged ones only");
        alerts.MapPost("/{alert}/acknowledge", Acknowledge).WithName("AcknowledgeAlert").RequirePermission(Permissions.AlertsAcknowledge)
            .WithSummary("Acknowledge an alert; an alert already acknowledged is a 404");

        var audit = app.MapArea("/api/audit", "Audit");
        audit.MapGet("/", ListAudit).WithName("ListAudit").RequirePermission(Permissions.AuditRead)
            .WithSummary("The audit log: the latest max entries, newest first, or with subject the last max entries of one subject, oldest first")
            .WithDescription("A subject is a plan ID, an alert ID, a site ID (health signals), plan-refused or policy. max is 1 to 1000 (default 100); outside that, 400.");
        return app;
    }

    public static async Task<Created<ChangePlan>> Submit(HttpRequest request, LifeboatPlatform platform, CancellationToken cancellationToken, bool dropUnresolved = false)
    {
        var plan = await platform.Plans.SubmitAsync(await ReadPlanAsync(request, cancellationToken), dropUnresolved, cancellationToken);
        return TypedResults.Created($"/api/plans/{plan.Id}", plan);
    }

    public static async Task<Ok<IReadOnlyList<ChangePlan>>> List(LifeboatPlatform platform, CancellationToken cancellationToken, PlanState? state = null) =>
        TypedResults.Ok(await platform.Plans.ListAsync(state, cancellationToken));

    public static async Task<Ok<ChangePlan>> Get(string plan, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Plans.GetAsync(PlanId.Parse(plan), cancellationToken));

    public static async Task<Ok<ChangePlan>> Amend(string plan, HttpRequest request, LifeboatPlatform platform, CancellationToken cancellationToken, bool dropUnresolved = false)
    {
        var id = PlanId.Parse(plan);
        return TypedResults.Ok(await platform.Plans.AmendAsync(id, await ReadPlanAsync(request, cancellationToken), dropUnresolved, cancellationToken));
    }

    public static async Task<Ok<IReadOnlyList<PlanTarget>>> ListTargets(string plan, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var found = await platform.Plans.GetAsync(PlanId.Parse(plan), cancellationToken);
        return TypedResults.Ok(await platform.Plans.TargetsAsync(found.Id, cancellationToken));
    }

    public static async Task<Ok<IReadOnlyList<AuditEntry>>> PlanAudit(string plan, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var found = await platform.Plans.GetAsync(PlanId.Parse(plan), cancellationToken);
        return TypedResults.Ok(await platform.Audit.OfAsync(found.Id.Value, cancellationToken));
    }

    public static async Task<Ok<ChangePlan>> Approve(string plan, ApproveRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Plans.ApproveAsync(PlanId.Parse(plan), request.ContentHash, cancellationToken));

    public static async Task<Accepted<ChangePlan>> Run(string plan, HttpContext http, LifeboatPlatform platform, PlanRuns runs, CancellationToken cancellationToken)
    {
        var id = PlanId.Parse(plan);
        var current = await platform.Plans.Runner.CheckCanRunAsync(id, cancellationToken);
        runs.Start(id, Actors.Of(http), "run", (p, ct) => p.Plans.Runner.RunAsync(id, null, ct));
        return TypedResults.Accepted($"/api/plans/{id}", current);
    }

    public static async Task<Ok<ChangePlan>> Pause(string plan, ReasonRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Plans.PauseAsync(PlanId.Parse(plan), request.Reason, cancellationToken));

    public static async Task<Ok<ChangePlan>> Resume(string plan, LifeboatPlatform platform, CancellationToken cancellationToken, ResumeRequest? request = null) =>
        TypedResults.Ok(await platform.Plans.ResumeAsync(PlanId.Parse(plan), request?.Acknowledge, cancellationToken));

    public static async Task<Ok<ChangePlan>> Abort(string plan, ReasonRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Plans.AbortAsync(PlanId.Parse(plan), request.Reason, cancellationToken));

    public static async Task<Accepted<ChangePlan>> Rollback(string plan, HttpContext http, LifeboatPlatform platform, PlanRuns runs, CancellationToken cancellationToken)
    {
        var id = PlanId.Parse(plan);
        var current = await platform.Plans.Runner.CheckCanRollBackAsync(id, cancellationToken);
        runs.Start(id, Actors.Of(http), "rollback", (p, ct) => p.Plans.Runner.RollbackAsync(id, null, ct));
        return TypedResults.Accepted($"/api/plans/{id}", current);
    }

    public static async Task<NoContent> SignalPlan(string plan, PlanSignalRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Plans.SignalAsync(PlanId.Parse(plan), request.Site, request.Source, request.Message, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> SignalSite(SiteSignalRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Sites.GetAsync(request.Site, cancellationToken);
        await platform.Plans.SignalAsync(null, request.Site, request.Source, request.Message, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<Alert>>> ListAlerts(LifeboatPlatform platform, CancellationToken cancellationToken, bool open = false) =>
        TypedResults.Ok(await platform.Detector.AlertsAsync(open, cancellationToken));

    public static async Task<NoContent> Acknowledge(string alert, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Detector.AcknowledgeAsync(AlertId.Parse(alert), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<AuditEntry>>> ListAudit(LifeboatPlatform platform, CancellationToken cancellationToken, string? subject = null, int max = 100)
    {
        Api.RequireInRange(max, "max", 1, MaxAudit, "how many entries to list; 100 when not given");
        return TypedResults.Ok(subject is null
            ? await platform.Audit.RecentAsync(max, cancellationToken)
            : (await platform.Audit.OfAsync(subject, cancellationToken)).TakeLast(max).ToList());
    }

    /// <summary>The plan in the body: JSON, or a plan file in YAML. A plan file's targets-file is refused: the server reads no file a request names.</summary>
    private static async Task<PlanRequest> ReadPlanAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasJsonContentType())
        {
            PlanBody? body;
            try
            {
                body = await request.ReadFromJsonAsync<PlanBody>(cancellationToken);
            }
            catch (JsonException e)
            {
                throw new BadHttpRequestException("the request body is not valid", e);
            }

            return body?.ToRequest() ?? throw new PlatformException(PlatformErrorKind.Invalid, "the request body is empty; send the plan.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && PlanFileTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            return PlanFile.Parse(await reader.ReadToEndAsync(cancellationToken), "in the request body", _ =>
                throw new PlatformException(PlatformErrorKind.Invalid, "targets-file is not supported over HTTP: list the IDs under targets."));
        }

        // Routing (Accepts) turns away other types; a body without a Content-Type gets here.
        throw new UnsupportedBodyException(
            "Send the plan as JSON (Content-Type: application/json) or as a plan file (Content-Type: text/yaml, application/x-yaml or application/yaml).");
    }
}

/// <summary>A plan: one action on IDs of one kind (target: site, app-installation, …), and why; the incident it is work for passes that incident's change freeze.</summary>
public sealed record PlanBody(string Action, string Target, IReadOnlyList<string> Targets, string Reason,
    IReadOnlyDictionary<string, string>? Parameters = null, string? Override = null, string? Incident = null)
{
    public PlanRequest ToRequest() => new(Action, Target, Targets, Reason, Parameters ?? new Dictionary<string, string>(StringComparer.Ordinal), Override,
        string.IsNullOrWhiteSpace(Incident) ? null : Incident.Trim());
}

public sealed record ApproveRequest(string ContentHash);

/// <summary>acknowledge: for a halted plan, its haltCode.</summary>
public sealed record ResumeRequest(string? Acknowledge = null);

public sealed record PlanSignalRequest(string Source, string Message, SiteId? Site = null);

public sealed record SiteSignalRequest(string Source, string Message, SiteId Site);
