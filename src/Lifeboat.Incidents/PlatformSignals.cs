using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Events;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Incidents;

/// <summary>
/// Reads what the platform saw from its outbox (the consumer <see cref="Consumer"/>) and hands each detector alert, halted plan
/// and site a restore job left failed to the desk, which declares an incident or joins the open one of the same cause (the
/// alert, the plan, the restore job) or, for a failed restore, the open one that has the site. The cursor moves only after the
/// desk took them, so a crash replays them, and the desk takes each signal once. The server runs it every few seconds; the
/// drill runs the same reading, so its incident is declared as production's would be.
/// </summary>
public static class PlatformSignals
{
    /// <summary>The outbox consumer's name, and the source of the timeline events it writes.</summary>
    public const string Consumer = "incidents";

    /// <summary>Who declares: the product, not a person.</summary>
    public const string Actor = "lifeboat";

    /// <summary>
    /// Older events are not declared when the consumer first meets them (a new server on an old environment,
    /// or one down for a day): last month's alert is not today's incident. A person declares it if it is.
    /// </summary>
    private static readonly TimeSpan Stale = TimeSpan.FromHours(24);

    /// <summary>Takes the next batch of outbox events; returns how many there were. <paramref name="taken"/> hears each signal's outcome.</summary>
    public static Task<int> TakeNextAsync(LifeboatPlatform platform, IncidentDesk desk, Action<ProductSignal, SignalOutcome>? taken, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(desk);
        var product = platform.WithActor(Actor);
        var intake = desk.WithActor(Actor).WithSource("detector");
        return product.Events.ConsumeAsync(Consumer, async events =>
        {
            foreach (var e in events.Where(e => e.At > product.Options.Store.TimeProvider.GetUtcNow() - Stale))
            {
                if (await SignalOfAsync(product, e, ct) is { } signal)
                {
                    taken?.Invoke(signal, await intake.TakeSignalAsync(signal, ct));
                }
            }
        }, 100, ct);
    }

    private static async Task<ProductSignal?> SignalOfAsync(LifeboatPlatform product, LifecycleEvent e, CancellationToken ct)
    {
        switch (e.Type)
        {
            case "alert.raised" when e.Subject is { } alert:
            {
                var halted = e.Payload.TryGetProperty("halted", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Select(p => PlanId.Parse(p.GetString()!)).ToList()
                    : [];
                var (planSites, planImpact) = await ImpactAsync(product, halted, ct);
                var sites = planSites.Concat(await SitesWrittenAsync(product, AlertId.Parse(alert), ct)).DistinctBy(s => s.Value).ToList();
                var impact = new MeasuredImpact(sites.Count, sites.Count, planImpact.RecordsAtRisk);
                var message = e.Payload.TryGetProperty("message", out var m) ? m.GetString() : null;
                return new ProductSignal
                {
                    Key = $"alert.raised:{alert}",
                    Causes = [$"alert:{alert}", .. halted.Select(p => $"plan:{p}")],
                    // Titles reach customers as the subject of public updates: they say what happened, and leave the IDs to the links.
                    Title = $"{Sites(sites.Count)} hit by an unusual burst of deletions",
                    Type = "mass-deletion",
                    Impact = impact,
                    Alert = AlertId.Parse(alert),
                    Plan = halted.Count > 0 ? halted[0] : null,
                    Sites = sites,
                    Detail = message ?? "the detector saw an unusual rate of destructive writes",
                    // A breaker's trip halts the plan before the detector's next look raises the alert: the two are one damage.
                    JoinsIncidentOfItsSites = true,
                };
            }

            case "plan.halted" when e.Subject is { } plan:
            {
                var code = e.Payload.TryGetProperty("haltCode", out var c) ? c.GetString() : null;
                if (code == "freeze")
                {
                    // The incident that froze changes halted it on purpose: that is not a new incident.
                    return null;
                }

                var id = PlanId.Parse(plan);
                var (sites, impact) = await ImpactAsync(product, [id], ct);
                var reason = e.Payload.TryGetProperty("reason", out var r) ? r.GetString() : null;
                var byAlert = code is not null && code.StartsWith("alr_", StringComparison.Ordinal);
                // A deletion halted part-way has deleted sites: the incident is a mass deletion, whose runbook it gets, and its
                // sites are the ones deleted; the targets it never reached are not its customers' damage.
                var deleted = (await product.Plans.GetAsync(id, ct)).Action == "delete-site"
                    ? (await product.Plans.TargetsAsync(id, ct)).Where(t => t.State == TargetState.Applied).Select(t => t.Site).DistinctBy(s => s.Value).ToList()
                    : [];
                var deleting = deleted.Count > 0;
                if (deleting)
                {
                    (sites, impact) = (deleted, impact with { SitesAffected = deleted.Count, CustomersAffected = deleted.Count });
                }

                return new ProductSignal
                {
                    Key = $"plan.halted:{e.Position}",
                    Causes = byAlert ? [$"plan:{plan}", $"alert:{code}"] : [$"plan:{plan}"],
                    Title = deleting ? $"{Sites(deleted.Count)} deleted by a change before it was halted" : $"Change plan {plan} halted",
                    Type = deleting ? "mass-deletion" : "change-halted",
                    Impact = impact,
                    Alert = byAlert ? AlertId.Parse(code!) : null,
                    Plan = id,
                    Sites = sites,
                    Detail = $"plan {plan} halted ({code}): {reason}",
                    JoinsIncidentOfItsSites = true,
                };
            }

            case "site.restore-failed" when e.Site is { } site && e.Subject is { } job:
                return await RestoreFailedAsync(product, e, site, job, ct);

            default:
                return null;
        }
    }

    private static string Sites(int count) => count == 1 ? "1 site" : $"{count} sites";

    /// <summary>
    /// A site a restore job left closed. Every failed step counts, not only validation: a site that failed to come back
    /// is down for its customer whichever step stopped it, and it waits for someone to fix the cause and retry. Its cause
    /// is the job, so the job's other failed sites join the same incident; and the desk joins it to the open incident
    /// that already has the site (the one the deletion declared) before it declares a new one.
    /// </summary>
    private static async Task<ProductSignal> RestoreFailedAsync(LifeboatPlatform product, LifecycleEvent e, SiteId site, string job, CancellationToken ct)
    {
        var error = e.Payload.TryGetProperty("error", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var point = e.Payload.TryGetProperty("point", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        // The worker's error starts with the step that failed ("validate: validation failed: …").
        var step = error?.Split(':', 2)[0].Trim();
        var what = step == "validate" ? "failed validation" : $"failed to restore (step {step ?? "unknown"})";
        var known = await product.Restores.LatestForSitesAsync([site], ct);
        var name = known.Count > 0 ? known[0].Name : null;
        var named = name is null ? site.Value : $"{site} ({name})";
        return new ProductSignal
        {
            Key = $"site.restore-failed:{e.Position}",
            Causes = [$"job:{job}"],
            Title = $"Restore job {job}: site {named} {what}",
            Type = "restore-failed",
            Impact = new MeasuredImpact(1, 1, 0),
            Sites = [site],
            JoinsIncidentOfItsSites = true,
            Detail = $"site {named} {what} in restore job {job}{(point is null ? "" : $" (point {point})")} and stays closed: {error ?? "no error recorded"}. " +
                $"Fix the cause, then lifeboat restore retry {job}",
        };
    }

    /// <summary>
    /// The sites the alert's burst wrote to destructively: its actor's writes of its kind from the burst's first
    /// write to the alert (a script that bypassed plans has no plan to name them).
    /// </summary>
    private static async Task<IReadOnlyList<SiteId>> SitesWrittenAsync(LifeboatPlatform product, AlertId alert, CancellationToken ct)
    {
        if ((await product.Detector.AlertsAsync(cancellationToken: ct)).FirstOrDefault(a => a.Id == alert) is not { } raised)
        {
            return [];
        }

        var writes = await product.Store.DestructiveWrites.SinceAsync(raised.FirstPosition - 1, ct);
        return [.. writes
            .Where(w => w.Actor == raised.Actor && w.Key == raised.Action && w.Stamp <= raised.DetectedAt)
            .Select(w => TypedId.TryParse<SiteId>(w.Tenant.Value, out var site, out _) ? site : (SiteId?)null)
            .OfType<SiteId>()
            .DistinctBy(s => s.Value)];
    }

    /// <summary>The sites the plans touch, and what is at risk: the plans' blast radius.</summary>
    private static async Task<(IReadOnlyList<SiteId> Sites, MeasuredImpact Impact)> ImpactAsync(LifeboatPlatform product, IReadOnlyList<PlanId> plans, CancellationToken ct)
    {
        var sites = new List<SiteId>();
        long records = 0;
        foreach (var plan in plans)
        {
            var found = await product.Plans.GetAsync(plan, ct);
            records += found.BlastRadius.Records;
            sites.AddRange((await product.Plans.TargetsAsync(plan, ct)).Select(t => t.Site));
        }

        var distinct = sites.DistinctBy(s => s.Value).ToList();
        return (distinct, new MeasuredImpact(distinct.Count, distinct.Count, records));
    }
}
