using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Something the product saw that may be an incident: a detector alert, a halted plan, a failed restore
/// validation. The host reads it from the platform's outbox and hands it to the desk.
/// </summary>
public sealed record ProductSignal
{
    /// <summary>Names this signal once ("alert.raised:alr_…"): a signal handed over twice is taken once.</summary>
    public required string Key { get; init; }

    /// <summary>What it is about ("alert:alr_…", "plan:pln_…", "job:rj_…"): a signal sharing any cause with an open incident joins it.</summary>
    public required IReadOnlyList<string> Causes { get; init; }

    public required string Title { get; init; }

    public string Type { get; init; } = "product-detected";

    /// <summary>What Lifeboat measured; the severity of a declared incident is suggested from it.</summary>
    public MeasuredImpact Impact { get; init; } = new(0, 0, 0);

    public AlertId? Alert { get; init; }

    public PlanId? Plan { get; init; }

    public IReadOnlyList<SiteId> Sites { get; init; } = [];

    /// <summary>
    /// When no open incident shares a cause, join the newest open one that already has any of <see cref="Sites"/>
    /// (declared, or tracked since) rather than declare a second: a site whose restore failed belongs to the incident
    /// that is restoring it, and the alert raised on a burst belongs to the incident its plan's halt declared a moment before
    /// (a breaker's trip halts the plan first, naming no alert).
    /// </summary>
    public bool JoinsIncidentOfItsSites { get; init; }

    /// <summary>What the timeline says of it.</summary>
    public required string Detail { get; init; }
}

/// <summary>What became of a signal: the incident it declared or joined, or that it had been taken before.</summary>
public sealed record SignalOutcome(Incident Incident, bool Declared, bool TakenBefore);
