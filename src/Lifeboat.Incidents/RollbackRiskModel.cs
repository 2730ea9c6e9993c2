using Lifeboat.Platform;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Incidents;

/// <summary>
/// The change plans that started in the incident's window and what rolling each back would mean, the feature flags
/// changed in the window and the sites each touched, and what else the audit log recorded in the window.
/// </summary>
public sealed record RollbackRisk(
    IncidentId Incident,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<PlanRollbackRisk> Plans,
    IReadOnlyList<AuditEntry> AuditInWindow,
    string FlagChangesNote)
{
    /// <summary>Each flag changed in the window, most sites first.</summary>
    public IReadOnlyList<FlagRollbackRisk> Flags { get; init; } = [];
}

/// <summary>
/// One feature flag changed in the window: on which sites, how often, by whom, and where it stands now on each.
/// Rolling it back means setting it back on <see cref="Sites"/>; <see cref="IncidentSites"/> of them are the
/// incident's own, the others would change for customers the incident did not touch.
/// </summary>
public sealed record FlagRollbackRisk(
    string Key,
    IReadOnlyList<SiteId> Sites,
    int IncidentSites,
    int Changes,
    int NowOn,
    int NowOff,
    DateTimeOffset FirstChangedAt,
    DateTimeOffset LastChangedAt,
    IReadOnlyList<string> ChangedBy);

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
