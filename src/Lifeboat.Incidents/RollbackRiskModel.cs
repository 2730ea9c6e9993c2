using Lifeboat.Platform;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Incidents;

/// <summary>
/// The change plans that started in the incident's window and what rolling each back would mean, with what the
/// audit log recorded in the window (feature-flag changes keep no history of their own: see <see cref="FlagChangesNote"/>).
/// </summary>
public sealed record RollbackRisk(
    IncidentId Incident,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<PlanRollbackRisk> Plans,
    IReadOnlyList<AuditEntry> AuditInWindow,
    string FlagChangesNote);

/// <summary>
/// One plan that ran in the window: who, what it hit, whether its rollback was rehearsed and passed, whether it can be
/// rolled back now (<see cref="WhyNot"/> says why not, in the platform's own words), and what a rollback would take
/// with it: its applied targets, and the plans applied after it on the same sites (<see cref="TakenWith"/>).
/// </summary>
public sealed record PlanRollbackRisk(
    PlanId Plan,
    string Action,
    PlanState State,
    string RequestedBy,
    DateTimeOffset StartedAt,
    string? Incident,
    int Sites,
    long Records,
    int Customers,
    bool RollbackRehearsed,
    bool RehearsalPassed,
    bool CanRollBackNow,
    string? WhyNot,
    int TargetsApplied,
    IReadOnlyList<PlanId> TakenWith);
