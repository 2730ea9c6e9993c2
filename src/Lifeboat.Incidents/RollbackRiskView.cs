using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Incidents;

/// <summary>
/// Rollback risk at a glance: for the incident's window (from 24 hours before its declaration to now, unless given),
/// the change plans that started in it, each with its blast radius, rehearsal, whether the platform would roll it back
/// now, and the later plans on the same sites a rollback would affect too; and each feature flag changed in it, with the
/// sites it touched and where it stands on them now.
/// </summary>
internal sealed class RollbackRiskView(IncidentContext context, LifeboatPlatform platform)
{
    public static readonly TimeSpan DefaultLookBack = TimeSpan.FromHours(24);

    /// <summary>The audit log is read newest first, at most this many entries (the platform lists at most its 200 newest plans).</summary>
    private const int AuditEntries = 1_000;

    public const string FlagChangesNote =
        "feature-flag changes are read from the audit log (each change, and each flag a site import sets, is audited as it is made), " +
        "among its newest 1,000 entries.";

    public async Task<RollbackRisk> ReadAsync(IncidentId id, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var incident = await context.RequireAsync(id, ct);
        var start = from ?? incident.DeclaredAt - DefaultLookBack;
        var end = to ?? context.Time.GetUtcNow();
        if (start >= end)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the window {start:u} to {end:u} is empty: give a start before its end (or neither: 24 hours before the declaration to now).");
        }

        var plans = (await platform.Plans.ListAsync(cancellationToken: ct))
            .Where(p => p.StartedAt is { } s && s >= start && s <= end)
            .OrderBy(p => p.StartedAt)
            .ToList();
        var appliedSites = new Dictionary<PlanId, HashSet<SiteId>>();
        foreach (var plan in plans)
        {
            appliedSites[plan.Id] = (await platform.Plans.TargetsAsync(plan.Id, ct)).Where(t => t.State == TargetState.Applied).Select(t => t.Site).ToHashSet();
        }

        var risks = new List<PlanRollbackRisk>();
        foreach (var plan in plans)
        {
            string? whyNot = null;
            try
            {
                await platform.Plans.Runner.CheckCanRollBackAsync(plan.Id, ct);
            }
            catch (PlatformException refused)
            {
                whyNot = refused.Message;
            }

            var sites = appliedSites[plan.Id];
            var takenWith = plans
                .Where(later => later.Id != plan.Id && later.StartedAt > plan.StartedAt && appliedSites[later.Id].Overlaps(sites))
                .Select(later => later.Id)
                .ToList();
            risks.Add(new PlanRollbackRisk(plan.Id, plan.Action, plan.State, plan.RequestedBy, plan.StartedAt!.Value, plan.Incident,
                plan.BlastRadius.Sites, plan.BlastRadius.Records, plan.BlastRadius.Customers.Count,
                plan.Rehearsal is not null, plan.Rehearsal?.Passed == true, whyNot is null, whyNot, sites.Count, takenWith));
        }

        var audit = (await platform.Audit.RecentAsync(AuditEntries, ct)).Where(a => a.At >= start && a.At <= end).OrderBy(a => a.Id).ToList();
        var flags = new List<FlagRollbackRisk>();
        foreach (var changes in audit.Where(a => a.Step == FeatureFlags.AuditStep).GroupBy(a => a.Subject["flag:".Length..], StringComparer.Ordinal))
        {
            var sites = changes.SelectMany(SitesOf).Distinct().ToList();
            var (on, off) = (0, 0);
            foreach (var site in sites)
            {
                // Where each site's flag stands now (a deleted site's flags are not readable: counted as neither).
                var now = await FlagNowAsync(site, changes.Key, ct);
                on += now == true ? 1 : 0;
                off += now == false ? 1 : 0;
            }

            flags.Add(new FlagRollbackRisk(changes.Key, sites, sites.Count(incident.Sites.Contains), changes.Count(), on, off,
                changes.Min(c => c.At), changes.Max(c => c.At), [.. changes.Select(c => c.Actor).Distinct(StringComparer.Ordinal)]));
        }

        return new RollbackRisk(id, start, end, risks, audit, FlagChangesNote)
        {
            Flags = [.. flags.OrderByDescending(f => f.Sites.Count).ThenBy(f => f.Key, StringComparer.Ordinal)],
        };
    }

    private static IEnumerable<SiteId> SitesOf(AuditEntry entry) => entry.Ids.ValueKind == System.Text.Json.JsonValueKind.Array
        ? entry.Ids.EnumerateArray().Select(i => i.GetString()).Select(i => TypedId.TryParse<SiteId>(i ?? "", out var site, out _) ? site : (SiteId?)null).OfType<SiteId>()
        : [];

    private async Task<bool?> FlagNowAsync(SiteId site, string key, CancellationToken ct)
    {
        try
        {
            return (await platform.Flags.ListAsync(site, ct)).FirstOrDefault(f => f.Key == key)?.Enabled;
        }
        catch (PlatformException e) when (e.Kind == PlatformErrorKind.NotFound)
        {
            return null;
        }
    }
}
