using Lifeboat.Platform;

namespace Lifeboat.Incidents;

public enum IncidentSeverity
{
    Sev1 = 1,
    Sev2 = 2,
    Sev3 = 3,
    Sev4 = 4,
}

/// <summary>The phases in the order an incident moves through them.</summary>
public enum IncidentPhase
{
    Investigating,
    Identified,
    Restoring,
    Monitoring,
    Resolved,
    Closed,
}

public enum IncidentVisibility
{
    Public,
    Restricted,
}

/// <summary>DACI (commander = driver, approver, contributors, informed) plus the scribe and the two leads.</summary>
public enum IncidentRole
{
    Commander,
    Approver,
    Contributor,
    Informed,
    Scribe,
    CommunicationsLead,
    SupportLead,
}

/// <summary>A single-holder role has a holder and may have a named backup.</summary>
public enum RoleSlot
{
    Holder,
    Backup,
}

/// <summary>What a person gives to declare an incident.</summary>
public sealed record IncidentDeclaration
{
    public required string Title { get; init; }

    /// <summary>A short slug: lower-case letters, digits and dashes ("mass-deletion").</summary>
    public required string Type { get; init; }

    public required IncidentSeverity Severity { get; init; }

    public IncidentVisibility Visibility { get; init; } = IncidentVisibility.Restricted;

    public AlertId? Alert { get; init; }

    public PlanId? Plan { get; init; }

    public IReadOnlyList<SiteId> Sites { get; init; } = [];
}

public sealed record Incident(
    IncidentId Id,
    string Title,
    string Type,
    IncidentSeverity Severity,
    IncidentVisibility Visibility,
    IncidentPhase Phase,
    AlertId? Alert,
    PlanId? Plan,
    IReadOnlyList<SiteId> Sites,
    IncidentId? DuplicateOf,
    DateTimeOffset DeclaredAt,
    string DeclaredBy,
    DateTimeOffset ChangedAt,
    string ChangedBy);

/// <summary>Who held a role (or its backup) from when to when; <see cref="Until"/> is null while it is held.</summary>
public sealed record RoleHolding(
    IncidentId Incident,
    long Id,
    IncidentRole Role,
    RoleSlot Slot,
    string Person,
    DateTimeOffset From,
    string AssignedBy,
    DateTimeOffset? Until,
    string? EndedBy);

/// <summary>A required role, or its backup, that no one holds.</summary>
public sealed record RoleGap(IncidentRole Role, RoleSlot Slot)
{
    /// <summary>"commander", "backup communications-lead".</summary>
    public string Described => Slot == RoleSlot.Backup ? $"backup {IncidentNames.Of(Role)}" : IncidentNames.Of(Role);

    public override string ToString() => Described;
}

/// <summary>The written part of a handoff and what the module computed at the moment of it.</summary>
public sealed record HandoffPacket(string Note, IncidentPhase Phase, IncidentSeverity Severity, IReadOnlyList<string> OpenRoleGaps)
{
    /// <summary>Open tasks per stream (a null stream: the incident's own), as of the handoff.</summary>
    public IReadOnlyList<PacketStream> OpenTasks { get; init; } = [];

    public IReadOnlyList<string> OpenHypotheses { get; init; } = [];

    /// <summary>Ruled-out hypotheses with why: what the receiver need not chase again.</summary>
    public IReadOnlyList<string> RuledOut { get; init; } = [];

    /// <summary>The last update per audience (internal, customer), if any was posted.</summary>
    public IReadOnlyList<PacketUpdate> LastUpdates { get; init; } = [];

    /// <summary>What is due next: reminders due now, then open tasks by due time.</summary>
    public IReadOnlyList<string> DueNext { get; init; } = [];
}

/// <summary>A stream's open tasks in a handoff packet, each as "#3 erin: restore wave 4 (for: …)".</summary>
public sealed record PacketStream(string? Stream, IReadOnlyList<string> Tasks);

/// <summary>The last update to one audience ("internal" or "customer").</summary>
public sealed record PacketUpdate(string Audience, DateTimeOffset At, string By, string Text);

public sealed record Handoff(
    IncidentId Incident,
    long Id,
    IncidentRole Role,
    RoleSlot Slot,
    string From,
    string To,
    HandoffPacket Packet,
    DateTimeOffset HandedAt,
    string HandedBy,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy)
{
    public bool Pending => AcknowledgedAt is null;
}

public sealed record TimelineEvent(
    IncidentId Incident,
    long Id,
    DateTimeOffset At,
    string Actor,
    string Source,
    string Kind,
    string Text,
    DateTimeOffset? PinnedAt,
    string? PinnedBy);
