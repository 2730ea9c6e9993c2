using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;

namespace Lifeboat.Communication.StatusPages;

/// <summary>
/// Reads what the status page shows. Only published public updates speak: an incident appears with its first one, and a
/// component's state follows the phase of the last one of each incident touching its region (investigating, identified,
/// restoring: outage; monitoring: degraded; recovered: operational). A deletion takes every product of a site, and a deleted
/// site's own catalogue cannot be read, so an incident touches every product in the regions of its sites.
/// </summary>
internal sealed class StatusReading(CommsContext context, LifeboatPlatform platform, IncidentDesk incidents)
{
    /// <summary>Recovered incidents stay on the page this long, under "past incidents".</summary>
    public static readonly TimeSpan PastWindow = TimeSpan.FromDays(14);

    public async Task<StatusSnapshot> ReadAsync(CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        await using var cmd = context.Command($"""
            WITH latest AS (
                SELECT DISTINCT ON (incident_id) incident_id, phase AS last_phase, published_at AS last_at
                FROM comms.updates WHERE audience = 'public' AND state = 'published'
                ORDER BY incident_id, published_at DESC, update_number DESC)
            SELECT {UpdateBook.Columns} FROM comms.updates JOIN latest USING (incident_id)
            WHERE audience = 'public' AND state = 'published' AND (last_phase <> 'recovered' OR last_at > $1)
            ORDER BY incident_id, published_at DESC, update_number DESC
            """);
        cmd.Parameters.Add(new() { Value = now - PastWindow });
        var updates = await UpdateBook.ReadAllAsync(cmd, ct);

        var components = await ComponentCatalog.ListAsync(platform, ct);
        var shown = new List<PublicIncident>();
        foreach (var group in updates.GroupBy(u => u.Incident))
        {
            var incident = await incidents.GetAsync(group.Key, ct);
            var regions = (await platform.Restores.LatestForSitesAsync(incident.Sites, ct)).Select(s => s.Region).OfType<string>()
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var latest = group.First();
            shown.Add(new PublicIncident(group.Key, TitleOf(latest), latest.Phase, regions, [.. group]));
        }

        var statuses = components.Select(c =>
        {
            var touching = shown.Where(i => !i.Recovered && i.Regions.Contains(c.Region, StringComparer.Ordinal)).ToList();
            var state = touching.Count == 0 ? ComponentState.Operational
                : touching.Any(i => i.Phase != UpdatePhase.Monitoring) ? ComponentState.Outage : ComponentState.Degraded;
            return new ComponentStatus(c, state, [.. touching.Select(i => i.Id)]);
        }).ToList();
        return new StatusSnapshot(now, statuses, [.. shown.OrderBy(i => i.Recovered).ThenByDescending(i => i.LastUpdatedAt)]);
    }

    /// <summary>The incident's public name: its last public update's subject without the label (the incident's own title may be internal).</summary>
    private static string TitleOf(IncidentUpdate update) =>
        update.Subject.StartsWith(update.Label, StringComparison.Ordinal) ? update.Subject[update.Label.Length..].Trim() : update.Subject;
}
