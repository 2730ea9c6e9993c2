using Lifeboat.Incidents;

namespace Lifeboat.Server.Console;

/// <summary>What the incident room's live part shows, read together: roles, the required ones no one holds, pending handoffs, the timeline.</summary>
public sealed record IncidentRoom(Incident Incident, IReadOnlyList<RoleHolding> Roles, IReadOnlyList<RoleGap> Gaps, IReadOnlyList<Handoff> Handoffs,
    IReadOnlyList<TimelineEvent> Timeline)
{
    /// <summary>The newest events the room shows; the API and `lifeboat incident timeline` list more.</summary>
    public const int TimelineShown = 100;

    public static async Task<IncidentRoom> LoadAsync(IncidentDesk desk, IncidentId id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(desk);
        var incident = await desk.GetAsync(id, ct);
        return new IncidentRoom(incident, await desk.RolesAsync(id, ct), await desk.MissingRolesAsync(id, ct), await desk.PendingHandoffsAsync(id, ct),
            await desk.TimelineAsync(id, TimelineShown, cancellationToken: ct));
    }
}
