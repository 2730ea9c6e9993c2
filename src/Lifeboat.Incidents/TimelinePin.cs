using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Pins a timeline event for the retrospective (the one change an event allows; the database refuses any other).</summary>
internal sealed class TimelinePin(IncidentContext context, Timeline timeline)
{
    public async Task<TimelineEvent> PinAsync(IncidentId id, long eventId, CancellationToken ct)
    {
        await context.RequireAsync(id, ct);
        var found = await timeline.GetAsync(id, eventId, ct);
        if (found.PinnedAt is { } at)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"event {eventId} of incident {id} was pinned by {found.PinnedBy} at {at:u} already. Nothing was changed.");
        }

        await using var cmd = context.Command("UPDATE incidents.timeline SET pinned_at = $3, pinned_by = $4 WHERE incident_id = $1 AND event_id = $2 AND pinned_at IS NULL");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = eventId });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
        {
            var now = await timeline.GetAsync(id, eventId, ct);
            throw new PlatformException(PlatformErrorKind.Conflict, $"event {eventId} of incident {id} was pinned by {now.PinnedBy} at {now.PinnedAt:u} meanwhile. Nothing was changed.");
        }

        return await timeline.GetAsync(id, eventId, ct);
    }
}
