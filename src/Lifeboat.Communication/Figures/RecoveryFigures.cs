using Lifeboat.Incidents;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Figures;

/// <summary>How sure Lifeboat is of a data-loss figure.</summary>
public enum Confidence
{
    /// <summary>Validation proved the restored site equal to its recovery point, and that point is the instant before its own damage.</summary>
    Verified,

    /// <summary>Restored, but to a point chosen by hand: writes after it may be lost.</summary>
    Estimated,

    /// <summary>Not restored yet, or its restore or validation failed.</summary>
    Unknown,
}

/// <summary>What a site may have lost: nothing (proved), the writes after a point (with its cause), or not known yet (with why).</summary>
public sealed record DataLoss(Confidence Confidence, DateTimeOffset? LostAfter, string Cause)
{
    public bool None => Confidence == Confidence.Verified;
}

/// <summary>An estimate of the time left, as a range from the measured pace; null bounds mean not measured yet.</summary>
public sealed record RestoreEta(TimeSpan Low, TimeSpan High, int SitesLeft, double SitesPerMinute);

/// <summary>One affected site as its customer is told about it.</summary>
public sealed record SiteFigure(SiteId Site, string? Name, string? Account, string RestoreState, DataLoss Loss)
{
    public bool Restored => RestoreState == "restored";
}

/// <summary>
/// The figures an update is bound to, computed from the restore jobs and their validation at one instant: sites affected
/// and restored, the share restored, the ETA as a range, and per site what may be lost and how sure that is. A template
/// cannot type them: it can only show them.
/// </summary>
public sealed record RecoveryFigures(IncidentId Incident, DateTimeOffset At, IReadOnlyList<SiteFigure> Sites, RestoreEta? Eta)
{
    public int SitesAffected => Sites.Count;

    public int SitesRestored => Sites.Count(s => s.Restored);

    /// <summary>Whole percent restored, rounded down, so 100% is said only when every site is back.</summary>
    public int SharePercent => SitesAffected == 0 ? 0 : SitesRestored * 100 / SitesAffected;

    /// <summary>The weakest confidence over the sites: verified only when every one is.</summary>
    public Confidence Confidence => Sites.Count == 0 ? Confidence.Unknown : Sites.Max(s => s.Loss.Confidence);

    /// <summary>The same figures for one customer's sites (the ETA stays the job's).</summary>
    public RecoveryFigures ForSites(IEnumerable<SiteId> sites)
    {
        var wanted = sites.ToHashSet();
        return this with { Sites = [.. Sites.Where(s => wanted.Contains(s.Site))] };
    }
}
