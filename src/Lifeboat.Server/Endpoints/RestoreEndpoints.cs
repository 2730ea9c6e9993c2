using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Restores;
using Lifeboat.Server.Security;
using Lifeboat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// Restore jobs (many sites, every store, each site to its own recovery point, validated per site;
/// approved, cancelled and undone like other destructive work), worked on by the server's own restore
/// workers and any `lifeboat restore worker`; and the participants that take part in them (docs/participants.md).
/// </summary>
public static class RestoreEndpoints
{
    public static IEndpointRouteBuilder MapRestoreEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapArea("/api/restore-jobs", "Restores");
        jobs.MapPost("/", Start).WithName("StartRestoreJob").RequirePermission(Permissions.RestoresStart).WithBodyLimit(1024 * 1024)
            .WithSummary("Start a restore job: the sites of a plan, of an alert, or a list, each to its own recovery point")
            .WithDescription("""
                Body {plan?, alert?, sites?, to?, reason, discardLaterWrites?}. Each site goes back to the instant before its own
                first damage (the plan's first change to it, the alert's first write to it); 'to' ('position:123', '@123' or a UTC
                time) applies to every site and may not be at or after any one's damage (400); a list of sites needs it. A site
                listed twice is a 400. A job whose dry run would revert or tombstone live records, or close a live site, is a 400
                unless discardLaterWrites is true; above the policy's second-approver thresholds it is created AwaitingApproval and
                no worker starts it until someone else approves it. A job is refused whole, with every problem named and nothing
                started: an unknown plan or alert is a 404; sites that do not exist, cannot be restored to their point, or are
                being restored already (named with the job that restores them) are a 409. 201 with the job (its dryRun and
                approval); the server's restore workers (Lifeboat:Restore:Workers) and any `lifeboat restore worker` work on it.
                """);
        jobs.MapGet("/", List).WithName("ListRestoreJobs").RequirePermission(Permissions.RestoresRead).WithSummary("Restore jobs, newest first (at most 100)");
        jobs.MapGet("/{job}", Get).WithName("GetRestoreJob").RequirePermission(Permissions.RestoresRead)
            .WithSummary("A job with its progress: sites per state, the share restored, the time elapsed and an estimate of the time left");
        jobs.MapGet("/{job}/sites", Sites).WithName("ListRestoreJobSites").RequirePermission(Permissions.RestoresRead)
            .WithSummary("Every site of a job: its own recovery point, the state the job found it in, its dry run, state, timings, error, validation and undo point");
        jobs.MapPost("/{job}/retry", Retry).WithName("RetryRestoreJob").RequirePermission(Permissions.RestoresStart)
            .WithSummary("Try a job's failed sites again, once their cause is fixed (a blob file put back, a participant up again)");
        jobs.MapPost("/{job}/approve", Approve).WithName("ApproveRestoreJob").RequirePermission(Permissions.RestoresApprove)
            .WithSummary("Approve a job awaiting approval; by someone other than who asked for it (409 otherwise)");
        jobs.MapPost("/{job}/cancel", Cancel).WithName("CancelRestoreJob").RequirePermission(Permissions.RestoresStart)
            .WithSummary("Cancel a job awaiting approval, with a reason; its sites are free for another job (409 once it has started)");
        jobs.MapPost("/{job}/undo", Undo).WithName("UndoRestoreJob").RequirePermission(Permissions.RestoresStart)
            .WithSummary("Start the job that undoes a finished job: each site it restored back to its undo point")
            .WithDescription("""
                Body {reason, discardLaterWrites?}. The undo is a job like any other (201 with it): a dry run, and when it would
                discard writes (it usually closes the sites again and tombstones what the job brought back) it needs
                discardLaterWrites, and a second approver above the policy's thresholds. 409 while the job runs, or when it
                restored no site.
                """);

        var participants = app.MapArea("/api/participants", "Restores");
        participants.MapGet("/", ListParticipants).WithName("ListParticipants").RequirePermission(Permissions.RestoresRead).WithSummary("Services with stores of their own that take part in every new restore job");
        participants.MapPut("/{name}", Register).WithName("RegisterParticipant").RequirePermission(Permissions.ParticipantsManage)
            .WithSummary("Register (or update) a participant: where it answers the protocol, and how long a call may take")
            .WithDescription("""
                Body {url, timeoutMs} (default 10000). name: 1 to 40 lowercase letters, digits or '-'. The URL must be on the
                operator's allow-list (Lifeboat:Participants:AllowedUrls; loopback only when none is configured), else 400 saying
                how to allow it. The answer holds the participant's new signing secret, shown this once (docs/participants.md).
                """);
        participants.MapDelete("/{name}", Remove).WithName("RemoveParticipant").RequirePermission(Permissions.ParticipantsManage).WithSummary("Stop a participant taking part in new jobs");
        participants.MapGet("/{name}/sites/{site}", Describe).WithName("DescribeParticipantSite").RequirePermission(Permissions.RestoresRead)
            .WithSummary("Ask a participant what it holds for a site")
            .WithDescription("A participant that does not answer in time, or answers outside the protocol, is a 409 saying so.");
        return app;
    }

    public static async Task<Created<RestoreJob>> Start(StartRestoreRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var job = await platform.Restores.StartAsync(new RestoreJobRequest(request.Reason)
        {
            Plan = request.Plan,
            Alert = request.Alert,
            Sites = request.Sites is { Count: > 0 } sites ? sites : null,
            Point = request.To is { } to ? RecoveryPoint.Parse(to) : null,
            DiscardLaterWrites = request.DiscardLaterWrites,
        }, cancellationToken);
        return TypedResults.Created($"/api/restore-jobs/{job.Id}", job);
    }

    public static async Task<Ok<RestoreJob>> Approve(string job, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Restores.ApproveAsync(RestoreJobId.Parse(job), cancellationToken));

    public static async Task<Ok<RestoreJob>> Cancel(string job, CancelRestoreRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Restores.CancelAsync(RestoreJobId.Parse(job), request.Reason, cancellationToken));

    public static async Task<Created<RestoreJob>> Undo(string job, UndoRestoreRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var undo = await platform.Restores.UndoAsync(RestoreJobId.Parse(job), request.Reason, request.DiscardLaterWrites, cancellationToken);
        return TypedResults.Created($"/api/restore-jobs/{undo.Id}", undo);
    }

    public static async Task<Ok<IReadOnlyList<RestoreJob>>> List(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Restores.ListAsync(cancellationToken));

    public static async Task<Ok<RestoreJobProgress>> Get(string job, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(RestoreJobProgress.Of(await platform.Restores.ProgressAsync(RestoreJobId.Parse(job), cancellationToken)));

    public static async Task<Ok<IReadOnlyList<SiteRestore>>> Sites(string job, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var found = await platform.Restores.GetAsync(RestoreJobId.Parse(job), cancellationToken);
        return TypedResults.Ok(await platform.Restores.SitesAsync(found.Id, cancellationToken));
    }

    public static async Task<Ok<RetryResult>> Retry(string job, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RetryResult(await platform.Restores.RetryAsync(RestoreJobId.Parse(job), cancellationToken)));

    public static async Task<Ok<IReadOnlyList<ParticipantView>>> ListParticipants(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ParticipantView>>((await platform.Restores.Participants.ListAsync(cancellationToken)).Select(ParticipantView.Of).ToList());

    public static async Task<Ok<RegisteredParticipantView>> Register(string name, RegisterParticipantRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var url = Uri.TryCreate(request.Url, UriKind.Absolute, out var u) ? u : throw new PlatformException(PlatformErrorKind.Invalid, $"'{request.Url}' is not an http(s) URL for participant {name}.");
        var registered = await platform.Restores.Participants.RegisterAsync(name, url, TimeSpan.FromMilliseconds(request.TimeoutMs), cancellationToken);
        var p = registered.Participant;
        return TypedResults.Ok(new RegisteredParticipantView(p.Name, p.Url, (int)p.Timeout.TotalMilliseconds, registered.Secret));
    }

    public static async Task<Ok<ChangeResult>> Remove(string name, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Restores.Participants.RemoveAsync(name, cancellationToken)));

    public static async Task<Ok<ParticipantDescription>> Describe(string name, string site, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = SiteId.Parse(site);
        var participant = await platform.Restores.Participants.GetAsync(name, cancellationToken);
        return TypedResults.Ok(await platform.Restores.Participants.DescribeAsync(participant, id, cancellationToken));
    }
}

/// <summary>
/// to: a commit position ('position:123', '@123') or a UTC time; sites: with a plan or an alert, a subset of the sites it touched;
/// discardLaterWrites: the job may revert or tombstone live records (or close a live site), as its dry run shows.
/// </summary>
public sealed record StartRestoreRequest(string Reason, PlanId? Plan = null, AlertId? Alert = null, IReadOnlyList<SiteId>? Sites = null, string? To = null,
    bool DiscardLaterWrites = false);

public sealed record CancelRestoreRequest(string Reason);

public sealed record UndoRestoreRequest(string Reason, bool DiscardLaterWrites = false);

/// <summary>
/// Sites of a job per state; remainingSeconds is null until a first site is finished (there is no pace yet) and while the job
/// awaits approval, 0 once the job is finished or cancelled.
/// </summary>
public sealed record RestoreJobProgress(RestoreJob Job, RestoreSiteCounts Sites, double ShareRestored, double ElapsedSeconds, double? RemainingSeconds)
{
    public static RestoreJobProgress Of(RestoreProgress p) =>
        new(p.Job, new RestoreSiteCounts(p.Total, p.Pending, p.Restoring, p.Validating, p.Restored, p.Failed, p.Cancelled), p.ShareRestored, p.Elapsed.TotalSeconds,
            p.Remaining?.TotalSeconds);
}

public sealed record RestoreSiteCounts(int Total, int Pending, int Restoring, int Validating, int Restored, int Failed, int Cancelled);

public sealed record RetryResult(int Retried);

public sealed record RegisterParticipantRequest(string Url, int TimeoutMs = 10_000);

public sealed record ParticipantView(string Name, Uri Url, int TimeoutMs)
{
    public static ParticipantView Of(Participant p) => new(p.Name, p.Url, (int)p.Timeout.TotalMilliseconds);
}

/// <summary>A participant just registered, with the secret it verifies Lifeboat's signatures with: shown this once.</summary>
public sealed record RegisteredParticipantView(string Name, Uri Url, int TimeoutMs, string Secret);
