using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>What the customer said about their site once it was restored.</summary>
public enum SiteConfirmation
{
    /// <summary>Nothing heard yet.</summary>
    None,
    Confirmed,

    /// <summary>The customer reported the site still broken (with a note saying how).</summary>
    StillBroken,
}

/// <summary>
/// One affected site of an incident: the restore side read live from the platform (the newest restore job including
/// the site, the site's state in it, its validation) and what people added (engineer, confirmation, last note).
/// RestoreState is "none" (no restore job has included the site) or the site's state in the newest job ("pending",
/// "restoring", "validating", "restored", "failed", "cancelled"); Validation is "passed", "failed" or "none".
/// </summary>
public sealed record TrackedSite(
    SiteId Site,
    string? Name,
    string RestoreState,
    string Validation,
    RestoreJobId? Job,
    SiteConfirmation Confirmation,
    string? ConfirmedBy,
    DateTimeOffset? ConfirmedAt,
    string? ConfirmationNote,
    string? Engineer,
    string? LastNote,
    DateTimeOffset? UpdatedAt,
    string? UpdatedBy);

/// <summary>The restore states of <see cref="TrackedSite.RestoreState"/>, in the order a site moves through them.</summary>
public static class SiteRestoreStates
{
    public static readonly IReadOnlyList<string> All = ["none", "pending", "restoring", "validating", "restored", "failed", "cancelled"];
}

/// <summary>The tracker's rows (filtered), and per restore state how many of ALL the incident's sites are in it.</summary>
public sealed record SiteTracker(IncidentId Incident, int TotalSites, IReadOnlyDictionary<string, int> CountsByState, IReadOnlyList<TrackedSite> Sites);

/// <summary>Narrows the tracker's rows; every criterion given must hold.</summary>
public sealed record SiteTrackerFilter
{
    /// <summary>A restore state as <see cref="TrackedSite.RestoreState"/> writes it ("restored", "failed", "none"…).</summary>
    public string? State { get; init; }

    /// <summary>True: the customer confirmed; false: not confirmed (nothing heard, or still broken).</summary>
    public bool? Confirmed { get; init; }

    /// <summary>The support engineer's login (any case).</summary>
    public string? Engineer { get; init; }

    /// <summary>Found (any case) in the site's ID, name, engineer, last note or confirmation note.</summary>
    public string? Text { get; init; }
}
