using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Incidents;

/// <summary>
/// The incident's streams with their roll-up; a stream opened from a restore job also carries its sites' progress in
/// that job, read live from the platform: one read per job, its sites in the predicate, however many streams it has.
/// </summary>
internal sealed class StreamListing(IncidentContext context, LifeboatPlatform platform)
{
    public async Task<IReadOnlyList<IncidentStream>> ListAsync(IncidentId id, CancellationToken ct)
    {
        var streams = await new StreamBook(context).ListAsync(id, ct);
        var byJob = new Dictionary<RestoreJobId, Dictionary<SiteId, SiteRestoreStatus>>();
        foreach (var group in streams.Where(s => s.RestoreJob is not null).GroupBy(s => s.RestoreJob!.Value))
        {
            var sites = group.SelectMany(s => s.Sites).Distinct().ToList();
            byJob[group.Key] = (await platform.Restores.SitesOfJobAsync(group.Key, sites, ct)).ToDictionary(s => s.Site);
        }

        return [.. streams.Select(s => s.RestoreJob is { } job ? s with { Restore = Progress(s.Sites, byJob[job]) } : s)];
    }

    private static StreamRestoreProgress Progress(IReadOnlyList<SiteId> sites, Dictionary<SiteId, SiteRestoreStatus> states)
    {
        var mine = sites.Select(s => states.GetValueOrDefault(s)).OfType<SiteRestoreStatus>().ToList();
        return new StreamRestoreProgress(
            sites.Count,
            mine.Count(s => s.State == SiteRestoreState.Restored),
            mine.Count(s => s.State == SiteRestoreState.Restored && s.ValidationPassed == true),
            mine.Count(s => s.State == SiteRestoreState.Failed));
    }
}
