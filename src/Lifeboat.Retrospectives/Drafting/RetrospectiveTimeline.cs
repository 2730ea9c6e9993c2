using Lifeboat.Incidents;

namespace Lifeboat.Retrospectives.Drafting;

/// <summary>
/// The draft's timeline: the incident's events, the pinned ones first (what the people in the room marked as mattering),
/// then every event in the order it happened. Read through the incident desk, at most its 1,000 newest events.
/// </summary>
internal static class RetrospectiveTimeline
{
    public static async Task<IReadOnlyList<RetrospectiveEvent>> ReadAsync(IncidentDesk incidents, IncidentId incident, CancellationToken ct)
    {
        var events = await incidents.TimelineAsync(incident, 1000, pinnedOnly: false, ct);
        return [.. events
            .OrderByDescending(e => e.PinnedAt is not null).ThenBy(e => e.At).ThenBy(e => e.Id)
            .Select(e => new RetrospectiveEvent(e.Id, e.At, e.Actor, e.Kind, e.Text, e.PinnedAt is not null))];
    }
}
