using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Incidents;

/// <summary>
/// Rollback risk at a glance: for the incident's window (from 24 hours before its declaration to now, unless given),
/// the change plans that started in it, each with its blast radius, rehearsal, whether the platform would roll it back
/// now, and the later plans on the same sites a rollback would affect too.
/// </summary>
internal sealed class RollbackRiskView(IncidentContext context, LifeboatPlatform platform)
{
    public static readonly TimeSpan DefaultLookBack = TimeSpan.FromHours(24);

    /// <summary>The audit log is read newest first, at most this many entries (the platform lists at most its 200 newest plans).</summary>
    private const int AuditEntries = 1_000;

    public const string FlagChangesNote =
        "feature-flag changes are not listed: the platform keeps a flag as a site record and writes no audit entry when one is set, " +
        "so there is no history of flag changes to read here. The audit log's entries in the window are listed instead " +
        "(plans, freezes, restores, alerts); a flag set through a change plan shows there as that plan.";

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
        return new RollbackRisk(id, start, end, risks, audit, FlagChangesNote);
    }
}
