using Lifeboat.Storage;

namespace Lifeboat.Sample.Participant;

/// <summary>
/// The participant protocol (docs/participants.md): POST /lifeboat/describe, /lifeboat/restore and
/// /lifeboat/validate, JSON in and out, every answer naming the site it is about.
/// </summary>
public static class LifeboatEndpoints
{
    private const string Store = "documents";

    public static IEndpointRouteBuilder MapLifeboatEndpoints(this IEndpointRouteBuilder app)
    {
        var lifeboat = app.MapGroup("/lifeboat");
        lifeboat.MapPost("/describe", Describe);
        lifeboat.MapPost("/restore", Restore);
        lifeboat.MapPost("/validate", Validate);
        return app;
    }

    private static async Task<IResult> Describe(ProtocolRequest request, SearchIndex index, CancellationToken ct)
    {
        if (request.Problem(needsPoint: false) is { } problem)
        {
            return problem;
        }

        var now = await index.StateAsync(request.Tenant, null, ct);
        return Results.Ok(new { site = request.Site, stores = new[] { new { name = Store, items = now.Documents } } });
    }

    /// <summary>Not cut short when Lifeboat gives up waiting: a restore half done would only have to be resumed.</summary>
    private static async Task<IResult> Restore(ProtocolRequest request, SearchIndex index, IHostApplicationLifetime lifetime)
    {
        if (request.Problem(needsPoint: true) is { } problem)
        {
            return problem;
        }

        var restored = await index.RestoreAsync(request.Tenant, request.Job!, request.Time, lifetime.ApplicationStopping);
        return Results.Ok(new { site = request.Site, restored = true, items = restored.Documents, changed = restored.Changed, detail = restored.Detail });
    }

    /// <summary>Proves the site's index is what it was at the point: the same documents (count and content hash) and the same lifecycle state.</summary>
    private static async Task<IResult> Validate(ProtocolRequest request, SearchIndex index, CancellationToken ct)
    {
        if (request.Problem(needsPoint: true) is { } problem)
        {
            return problem;
        }

        var then = await index.StateAsync(request.Tenant, request.Time, ct);
        var now = await index.StateAsync(request.Tenant, null, ct);
        var sameState = then.State is null ? now.State is null or TenantState.Active : then.State == now.State;
        var ok = then.Documents == now.Documents && then.Sha256 == now.Sha256 && sameState;
        var detail = ok
            ? $"{now.Documents} document(s), sha256 {now.Sha256[..12]}…, as at the point"
            : $"{then.Documents} document(s) ({then.State?.ToString() ?? "not indexed"}, sha256 {then.Sha256[..12]}…) at the point, " +
              $"{now.Documents} ({now.State?.ToString() ?? "not indexed"}, sha256 {now.Sha256[..12]}…) now";
        return Results.Ok(new
        {
            site = request.Site,
            ok,
            items = now.Documents,
            detail,
            itemsAtPoint = then.Documents,
            sha256 = now.Sha256,
            sha256AtPoint = then.Sha256,
        });
    }
}

/// <summary>The body of every protocol call: the site, and for restore and validate the job and the recovery point.</summary>
public sealed record ProtocolRequest(string? Site, string? Job, ProtocolPoint? RecoveryPoint)
{
    public TenantId Tenant => TenantId.Parse(Site!);

    /// <summary>The point's time to the microsecond, as the store keeps it, so a resumed restore names the same point.</summary>
    public DateTimeOffset Time => RecoveryPoint!.Time!.Value.AddTicks(-(RecoveryPoint.Time.Value.Ticks % 10));

    public IResult? Problem(bool needsPoint)
    {
        if (!TenantId.TryParse(Site, out _))
        {
            return Results.Problem($"'{Site}' is not a site ID.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (needsPoint && (string.IsNullOrWhiteSpace(Job) || Job.Length > 100))
        {
            return Results.Problem("a restore or validate call names its job (up to 100 characters).", statusCode: StatusCodes.Status400BadRequest);
        }

        return needsPoint && RecoveryPoint?.Time is null
            ? Results.Problem("a restore or validate call needs recoveryPoint.time: this service restores by time.", statusCode: StatusCodes.Status400BadRequest)
            : null;
    }
}

/// <summary>Lifeboat's commit position (for the record; it means nothing here) and the time, which this service restores to.</summary>
public sealed record ProtocolPoint(long? Position, DateTimeOffset? Time);
