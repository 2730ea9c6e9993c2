using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Lifeboat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>The breaker: the limits on the rate of destruction the database enforces, and the trips it recorded.</summary>
public static class BreakerEndpoints
{
    public static IEndpointRouteBuilder MapBreakerEndpoints(this IEndpointRouteBuilder app)
    {
        var breaker = app.MapArea("/api/breaker", "Breaker");
        breaker.MapGet("/limits", Limits).WithName("ListBreakerLimits").RequirePermission(Permissions.BreakerRead)
            .WithSummary("The limits in force: per actor, per plan and per environment, destructive writes of an action per window");
        breaker.MapGet("/trips", Trips).WithName("ListBreakerTrips").RequirePermission(Permissions.BreakerRead)
            .WithSummary("The breaker's refusals, newest first (at most 500); open=true for those not reset yet");
        breaker.MapPost("/trips/{trip}/reset", Reset).WithName("ResetBreakerTrip").RequirePermission(Permissions.BreakerManage)
            .WithSummary("Reset a trip once its cause is understood: its scope counts afresh and the alert raised for it is acknowledged")
            .WithDescription("A trip already reset is a 409. The reason is required and goes to the audit log.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<BreakerLimit>>> Limits(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Breaker.LimitsAsync(cancellationToken));

    public static async Task<Ok<IReadOnlyList<BreakerTrip>>> Trips(LifeboatPlatform platform, CancellationToken cancellationToken, bool open = false) =>
        TypedResults.Ok(await platform.Breaker.ListAsync(open, cancellationToken));

    public static async Task<Ok<BreakerTrip>> Reset(long trip, BreakerResetRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        if (await platform.Breaker.GetAsync(trip, cancellationToken) is { IsOpen: false } closed)
        {
            throw new BreakerException($"breaker trip {trip} was already reset by {closed.ResetBy} at {closed.ResetAt:u} ({closed.ResetReason}).");
        }

        return TypedResults.Ok(await platform.Breaker.ResetAsync(trip, request.Reason, cancellationToken));
    }
}

/// <summary>reason: what destroyed data, and why it is safe to go on.</summary>
public sealed record BreakerResetRequest(string Reason);
