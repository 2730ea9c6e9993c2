using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Incidents;

/// <summary>
/// The per-site restore tracker: every affected site of the incident (its declared sites and those added since),
/// what people added about each, and its restore read live from the platform. Three queries for the whole
/// incident however many sites it has: the incident, its tracking rows, and the platform's bulk read.
/// </summary>
internal sealed class SiteTrackerView(IncidentContext context, LifeboatPlatform platform)
{
    private static IReadOnlyList<string> States => SiteRestoreStates.All;

    public async Task<SiteTracker> ReadAsync(IncidentId id, SiteTrackerFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var state = filter.State?.Trim().ToLowerInvariant();
        if (state is not null && !States.Contains(state))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{filter.State}' is not a restore state: use one of {string.Join(", ", States)}.");
        }

        var incident = await context.RequireAsync(id, ct);
        var rows = (await new SiteTrackingBook(context).RowsAsync(id, ct)).ToDictionary(r => r.Site);
        var sites = incident.Sites.Concat(rows.Keys).Distinct().ToList();
        var restores = (await platform.Restores.LatestForSitesAsync(sites, ct)).ToDictionary(r => r.Site);
        var all = sites.Select(site => Row(site, restores.GetValueOrDefault(site), rows.GetValueOrDefault(site))).ToList();
        var counts = States.ToDictionary(s => s, s => all.Count(r => r.RestoreState == s), StringComparer.Ordinal);
        var shown = all.Where(r => Matches(r, filter, state)).OrderBy(r => r.Site.Value, StringComparer.Ordinal).ToList();
        return new SiteTracker(id, all.Count, counts, shown);
    }

    private static TrackedSite Row(SiteId site, SiteRestoreStatus? restore, SiteTrackingBook.Row? row) => new(
        site,
        restore?.Name,
        restore?.State is { } s ? s.ToString().ToLowerInvariant() : "none",
        restore?.ValidationPassed switch { true => "passed", false => "failed", null => "none" },
        restore?.Job,
        row?.Confirmation switch { "confirmed" => SiteConfirmation.Confirmed, "still-broken" => SiteConfirmation.StillBroken, _ => SiteConfirmation.None },
        row?.ConfirmedBy,
        row?.ConfirmedAt,
        row?.ConfirmationNote,
        row?.Engineer,
        row?.LastNote,
        row?.UpdatedAt,
        row?.UpdatedBy);

    private static bool Matches(TrackedSite row, SiteTrackerFilter filter, string? state)
    {
        if (state is not null && row.RestoreState != state)
        {
            return false;
        }

        if (filter.Confirmed is { } confirmed && (row.Confirmation == SiteConfirmation.Confirmed) != confirmed)
        {
            return false;
        }

        if (!string.IsNullOrWhiteSpace(filter.Engineer) && !string.Equals(row.Engineer, filter.Engineer.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(filter.Text))
        {
            return true;
        }

        var text = filter.Text.Trim();
        return new[] { row.Site.Value, row.Name, row.Engineer, row.LastNote, row.ConfirmationNote }
            .Any(field => field?.Contains(text, StringComparison.OrdinalIgnoreCase) == true);
    }
}
