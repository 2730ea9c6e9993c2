using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.StatusPages;

/// <summary>How a component is doing, as the last published public update of the incidents touching it says.</summary>
public enum ComponentState
{
    Operational,
    Degraded,
    Outage,
}

public sealed record ComponentStatus(Component Component, ComponentState State, IReadOnlyList<IncidentId> Incidents);

/// <summary>An incident as the public sees it: only what its published public updates said, newest first.</summary>
public sealed record PublicIncident(IncidentId Id, string Title, UpdatePhase Phase, IReadOnlyList<string> Regions, IReadOnlyList<IncidentUpdate> Updates)
{
    public bool Recovered => Phase == UpdatePhase.Recovered;

    public DateTimeOffset LastUpdatedAt => Updates[0].PublishedAt!.Value;
}

/// <summary>What the public status page shows at one instant: the components and the incidents with a published public update.</summary>
public sealed record StatusSnapshot(DateTimeOffset GeneratedAt, IReadOnlyList<ComponentStatus> Components, IReadOnlyList<PublicIncident> Incidents);
