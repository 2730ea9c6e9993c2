using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Adds sites found affected after the declaration to the incident's tracker. Every site must exist in this
/// environment (one read for the whole list); a site tracked already is not an error.
/// </summary>
internal sealed class SiteTrackingAddition(IncidentContext context, LifeboatPlatform platform)
{
    public const int MaxSites = 10_000;

    public async Task<int> AddAsync(IncidentId id, IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        if (sites is null || sites.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"no sites given to track for incident {id}: list the site IDs (\"site_…\"). Nothing was changed.");
        }

        if (sites.Count > MaxSites)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{sites.Count} sites given at once; add at most {MaxSites:N0} at a time. Nothing was changed.");
        }

        var unknown = (await platform.Restores.LatestForSitesAsync(sites, ct)).Where(s => s.Name is null).Select(s => s.Site.Value).ToList();
        if (unknown.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.NotFound,
                $"{unknown.Count} site(s) do not exist in this environment: {string.Join(", ", unknown.Take(10))}{(unknown.Count > 10 ? " …" : "")}. Check the IDs (lifeboat sites list). Nothing was changed.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "track the sites");
        var book = new SiteTrackingBook(context);
        var added = new List<SiteId>();
        foreach (var site in sites.Distinct())
        {
            if (await book.EnsureAsync(tx, id, site, ct) && !incident.Sites.Contains(site))
            {
                added.Add(site);
            }
        }

        if (added.Count > 0)
        {
            await context.RecordAsync(tx, id, "site-tracking",
                $"tracking {added.Count} more site(s): {string.Join(", ", added.Take(20))}{(added.Count > 20 ? " …" : "")}", ct);
            await context.TouchAsync(tx, id, ct);
        }

        await tx.CommitAsync(ct);
        return added.Count;
    }
}
