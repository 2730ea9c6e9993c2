using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Communication.Figures;

/// <summary>
/// Reads an incident's recovery figures: the site tracker (every affected site's state in its newest restore job and its
/// validation) and, for the jobs still running, the pace measured so far. A handful of queries however many sites.
/// </summary>
internal sealed class FigureReading(LifeboatPlatform platform, IncidentDesk incidents, TimeProvider time)
{
    /// <summary>The ETA's range: the pace over the whole job and over its last sites, widened by these factors.</summary>
    internal const double FastSide = 0.9;
    internal const double SlowSide = 1.25;
    internal const int RecentSites = 20;

    public async Task<RecoveryFigures> ReadAsync(IncidentId incident, IReadOnlyDictionary<SiteId, string>? accounts, CancellationToken ct)
    {
        var tracker = await incidents.SiteTrackerAsync(incident, null, ct);
        var jobs = new Dictionary<RestoreJobId, RestoreJob>();
        foreach (var job in tracker.Sites.Where(s => s.Job is not null).Select(s => s.Job!.Value).Distinct())
        {
            jobs[job] = await platform.Restores.GetAsync(job, ct);
        }

        var pointTimes = new Dictionary<SiteId, DateTimeOffset?>();
        foreach (var job in jobs.Values.Where(j => !RestoresToTheDamage(j)))
        {
            foreach (var site in await platform.Restores.SitesAsync(job.Id, ct))
            {
                pointTimes[site.Site] = site.PointTime;
            }
        }

        var sites = tracker.Sites.Select(s => new SiteFigure(s.Site, s.Name, accounts?.GetValueOrDefault(s.Site), s.RestoreState,
            LossOf(s, s.Job is { } j ? jobs[j] : null, pointTimes.GetValueOrDefault(s.Site)))).ToList();
        return new RecoveryFigures(incident, time.GetUtcNow(), sites, await EtaAsync(jobs.Values, tracker.Sites, ct));
    }

    /// <summary>
    /// A job from a plan or an alert restores each site to the instant before that site's own first damage (the resolver refuses
    /// a point at or after it); a job of listed sites goes to a point a person chose.
    /// </summary>
    private static bool RestoresToTheDamage(RestoreJob job) =>
        job.Source.StartsWith("plan:", StringComparison.Ordinal) || job.Source.StartsWith("alert:", StringComparison.Ordinal);

    private static DataLoss LossOf(TrackedSite site, RestoreJob? job, DateTimeOffset? pointTime) => site.RestoreState switch
    {
        "restored" when site.Validation == "passed" && job is not null && RestoresToTheDamage(job) =>
            new DataLoss(Confidence.Verified, null, "validated equal to the instant before the damage"),
        "restored" when site.Validation == "passed" =>
            new DataLoss(Confidence.Estimated, pointTime, "restored to a point chosen by hand; writes made after it are not in the restored site"),
        "restored" => new DataLoss(Confidence.Unknown, null, "restored, validation not recorded"),
        "failed" => new DataLoss(Confidence.Unknown, null, site.Validation == "failed" ? "the restored site did not pass validation; engineers are on it" : "its restore failed; engineers are on it"),
        "none" => new DataLoss(Confidence.Unknown, null, "its restore has not started"),
        "cancelled" => new DataLoss(Confidence.Unknown, null, "its restore was cancelled"),
        _ => new DataLoss(Confidence.Unknown, null, "its restore is under way"),
    };

    /// <summary>
    /// Time left for the sites not yet back, from the running jobs' pace: sites finished per minute over the whole job and over
    /// its last <see cref="RecentSites"/> sites; the range runs from the faster estimate (×0.9) to the slower (×1.25). Null when
    /// nothing runs or nothing has finished yet (no pace to measure); zero when every site is back.
    /// </summary>
    private async Task<RestoreEta?> EtaAsync(IEnumerable<RestoreJob> jobs, IReadOnlyList<TrackedSite> sites, CancellationToken ct)
    {
        var left = sites.Count(s => s.RestoreState is "pending" or "restoring" or "validating");
        if (left == 0)
        {
            return sites.Count > 0 && sites.All(s => s.RestoreState == "restored") ? new RestoreEta(TimeSpan.Zero, TimeSpan.Zero, 0, 0) : null;
        }

        var now = time.GetUtcNow();
        var finishes = new List<DateTimeOffset>();
        DateTimeOffset? started = null;
        foreach (var job in jobs.Where(j => j.State == RestoreJobState.Running))
        {
            started = started is { } s && s < job.CreatedAt ? s : job.CreatedAt;
            finishes.AddRange((await platform.Restores.SitesOfJobAsync(job.Id, null, ct)).Where(x => x.FinishedAt is not null).Select(x => x.FinishedAt!.Value));
        }

        if (started is null || finishes.Count == 0)
        {
            return null;
        }

        finishes.Sort();
        var overall = finishes.Count / Math.Max((now - started.Value).TotalMinutes, 1e-6);
        var recentFrom = finishes[Math.Max(0, finishes.Count - RecentSites)];
        var recentCount = Math.Min(finishes.Count, RecentSites);
        var recent = recentCount / Math.Max((now - (recentCount == finishes.Count ? started.Value : recentFrom)).TotalMinutes, 1e-6);
        var fast = TimeSpan.FromMinutes(left / Math.Max(overall, recent) * FastSide);
        var slow = TimeSpan.FromMinutes(left / Math.Min(overall, recent) * SlowSide);
        return new RestoreEta(fast, slow, left, Math.Round(overall, 1));
    }
}
