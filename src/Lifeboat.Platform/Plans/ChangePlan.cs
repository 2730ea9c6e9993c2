using Lifeboat.Platform.Contacts;

namespace Lifeboat.Platform.Plans;

public enum PlanState
{
    /// <summary>Targets resolved and verified, policy checked: ready to be approved (if needed) and run.</summary>
    Verified,
    Running,
    Paused,

    /// <summary>Stopped by a health gate, a failed target or the anomaly detector; resuming needs the halt acknowledged.</summary>
    Halted,
    Completed,
    Aborted,
    RolledBack,
}

public enum TargetState
{
    Pending,
    Applied,

    /// <summary>The target already was as the action would leave it (uninstalled already, say).</summary>
    Unchanged,
    Failed,
    Undone,
}

/// <summary>What a plan asks: one action on a list of IDs of one kind, and why.</summary>
public sealed record PlanRequest(
    string Action,
    string TargetKind,
    IReadOnlyList<string> Targets,
    string Reason,
    IReadOnlyDictionary<string, string> Parameters,
    string? Override = null,
    string? Incident = null);

/// <summary>What a plan would hit, computed before anything runs.</summary>
public sealed record BlastRadius(
    int Targets,
    int Sites,
    int InternalSites,
    int Products,
    long Users,
    long Records,
    long Blobs,
    long BlobBytes,
    IReadOnlyList<AffectedCustomer> Customers);

/// <summary>A site a plan touches, and the people to tell.</summary>
public sealed record AffectedCustomer(SiteId Site, string Name, bool Internal, IReadOnlyList<Contact> Contacts);

/// <summary>The policy's verdict on a plan, and the version of the policy that gave it.</summary>
public sealed record PolicyDecision(bool Allowed, bool NeedsSecondApprover, IReadOnlyList<string> Reasons, IReadOnlyList<string> Violations, string? Exception,
    int? PolicyVersion = null);

/// <summary>The result of undoing the first wave, checking it equals its state before the plan, and applying it again.</summary>
public sealed record RehearsalResult(bool Passed, int Targets, int Verified, int Reapplied, double Seconds, IReadOnlyList<string> Problems, DateTimeOffset At);

public sealed record PlanWave(int Wave, string Kind, int Size, string State, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

public sealed record PlanTarget(string Id, int Ordinal, SiteId Site, bool Internal, int Wave, TargetState State, long? BeforePosition, long? AppliedPosition,
    DateTimeOffset? AppliedAt, string? Error);

public sealed record ChangePlan(
    PlanId Id,
    string Action,
    IdKind TargetKind,
    IReadOnlyDictionary<string, string> Parameters,
    string Reason,
    string RequestedBy,
    string? Override,
    DateTimeOffset CreatedAt,
    string ContentHash,
    PlanState State,
    string? HaltCode,
    string? StateReason,
    string? ApprovedBy,
    string? ApprovedHash,
    IReadOnlyList<string> Dropped,
    BlastRadius BlastRadius,
    PolicyDecision Decision,
    RehearsalResult? Rehearsal,
    IReadOnlyList<PlanWave> Waves,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>The incident this plan's work belongs to: it lets the plan through that incident's change freeze.</summary>
    public string? Incident { get; init; }
}

/// <summary>One ID of a plan that cannot be acted on, and why.</summary>
public sealed record TargetProblem(string Id, string Problem);

/// <summary>A plan refused before anything changed: every failing ID is reported.</summary>
public sealed class PlanRefusedException(string message, IReadOnlyList<TargetProblem> problems, IReadOnlyList<string> violations)
    : PlatformException(PlatformErrorKind.Invalid, message)
{
    public IReadOnlyList<TargetProblem> Problems { get; } = problems;

    public IReadOnlyList<string> Violations { get; } = violations;
}
