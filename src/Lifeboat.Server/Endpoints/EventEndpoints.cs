using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Events;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>The lifecycle events, read in order from each consumer's own cursor.</summary>
public static class EventEndpoints
{
    private const int MaxBatch = 1000;

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        var events = app.MapArea("/api/events/{consumer}", "Events");
        events.MapGet("/", Peek).WithName("PeekEvents").RequirePermission(Permissions.EventsRead)
            .WithSummary("The events after a consumer's cursor, without moving it");
        events.MapPost("/consume", Consume).WithName("ConsumeEvents").RequirePermission(Permissions.EventsConsume)
            .WithSummary("The next events after a consumer's cursor; the cursor moves past them")
            .WithDescription("""
                The cursor is committed before the response is sent. A client that crashes after the response (or never
                receives it) does not get those events again: a consume call hands each event over at most once. For
                at-least-once handling, peek (GET), handle the events, then consume with max = the number handled; if the
                client crashes before that, the same events are peeked again. Run one instance per consumer name.
                """);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<LifecycleEvent>>> Peek(string consumer, LifeboatPlatform platform, CancellationToken cancellationToken, int max = 100)
    {
        Api.RequireInRange(max, "max", 1, MaxBatch, "how many events to return; 100 when not given");
        return TypedResults.Ok(await platform.Events.PeekAsync(consumer, max, cancellationToken));
    }

    public static async Task<Ok<IReadOnlyList<LifecycleEvent>>> Consume(string consumer, LifeboatPlatform platform, CancellationToken cancellationToken, int max = 100)
    {
        // A consume moves the cursor: a max it did not ask for would hand over events it will not handle.
        Api.RequireInRange(max, "max", 1, MaxBatch, "how many events to hand over; 100 when not given");
        IReadOnlyList<LifecycleEvent> handed = [];
        await platform.Events.ConsumeAsync(consumer, events =>
        {
            handed = events;
            return Task.CompletedTask;
        }, max, cancellationToken);
        return TypedResults.Ok(handed);
    }
}
