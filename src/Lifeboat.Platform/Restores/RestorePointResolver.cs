using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Restores;

/// <summary>One site of a job and the point it goes back to; the time is that point as a database time, for participants.</summary>
internal sealed record SitePoint(SiteId Site, RecoveryPoint Point, DateTimeOffset? PointTime);

/// <summary>
/// Turns a request into its sites, each with its own recovery point: the instant before that site's
/// own first damage. A plan's waves (or an alert's burst) damage sites one after another; restoring
/// every site to the first damage of all would throw away what each later site's customers wrote in
/// between, and validation, comparing with that same point, would not notice.
/// </summary>
internal sealed class RestorePointResolver(PlatformContext context)
{
    public async Task<(string Source, IReadOnlyList<SitePoint> Sites)> ResolveAsync(RestoreJobRequest request, CancellationToken ct)
    {
        if (request.Plan is not null && request.Alert is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a restore job takes its sites from one plan, or one alert, or a list — not several.");
        }

        var twice = (request.Sites ?? []).GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key.Value).ToList();
        if (twice.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"restore job refused, nothing was started: {twice.Count} site(s) are listed more than once ({Sample(twice)}). List each site once.");
        }

        if (request.Plan is { } plan)
        {
            return ($"plan:{plan}", await FromPlanAsync(plan, request, ct));
        }

        if (request.Alert is { } alert)
        {
            return ($"alert:{alert}", await FromAlertAsync(alert, request, ct));
        }

        if (request.Sites is not { Count: > 0 } listed)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "name the sites to restore: a plan, an alert, or a list of site IDs.");
        }

        var given = request.Point ?? throw new PlatformException(PlatformErrorKind.Invalid, "a restore job of listed sites needs a recovery point (a position or a time).");
        return ("list", listed.Select(s => new SitePoint(s, given, given.Time)).ToList());
    }

    /// <summary>Every site the plan changed, each to the position just before the plan first changed it.</summary>
    private async Task<List<SitePoint>> FromPlanAsync(PlanId plan, RestoreJobRequest request, CancellationToken ct)
    {
        var firstChange = await FirstChangesAsync(plan, ct);
        if (firstChange.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"plan {plan} has not changed any site; there is nothing to restore.");
        }

        var sites = request.Sites ?? [.. firstChange.OrderBy(f => f.Value).Select(f => f.Key)];
        RequireTouched(sites, firstChange.Keys, $"plan {plan} did not touch");
        var stamps = await StampsAsync(firstChange.Values.Min(), ct);
        return sites.Select(site =>
        {
            var first = firstChange[site];
            DateTimeOffset? at = stamps.TryGetValue((site.Value, first), out var stamp) ? stamp : null;
            return PointFor(site, request.Point, first, at, $"plan {plan}'s first destructive write to site {site}");
        }).ToList();
    }

    /// <summary>Every site the alert's burst touched (same actor, same action, from its first write on), each to the position before its own first write.</summary>
    private async Task<List<SitePoint>> FromAlertAsync(AlertId alert, RestoreJobRequest request, CancellationToken ct)
    {
        var (actor, action, firstPosition) = await AlertAsync(alert, ct);
        var firstWrite = new Dictionary<SiteId, DestructiveWrite>();
        foreach (var write in await context.Store.DestructiveWrites.SinceAsync(firstPosition, ct))
        {
            if (write.Actor == actor && write.Key == action && TypedId.TryParse<SiteId>(write.Tenant.Value, out var site, out _)
                && (!firstWrite.TryGetValue(site, out var seen) || write.Position < seen.Position))
            {
                firstWrite[site] = write;
            }
        }

        var sites = request.Sites ?? [.. firstWrite.OrderBy(f => f.Value.Position).Select(f => f.Key)];
        RequireTouched(sites, firstWrite.Keys, $"the burst of alert {alert} did not touch");
        return sites.Select(site => PointFor(site, request.Point, firstWrite[site].Position, firstWrite[site].Stamp, $"alert {alert}'s first write to site {site}")).ToList();
    }

    /// <summary>The site's own point: the one given (refused at or after the site's first damage), else the position just before it.</summary>
    private static SitePoint PointFor(SiteId site, RecoveryPoint? given, long firstDamage, DateTimeOffset? firstDamageAt, string what)
    {
        if (given is { } point && (point.Position >= firstDamage || point.Time >= firstDamageAt))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{point} is at or after {what} (position {firstDamage}{(firstDamageAt is { } at ? $", {at:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}" : "")}): restoring there would keep the damage. " +
                "Leave the point out to restore each site to the instant before its own first damage.");
        }

        var own = given ?? RecoveryPoint.AtPosition(firstDamage - 1);
        return new SitePoint(site, own, own.Time ?? JustBefore(firstDamageAt));
    }

    private static void RequireTouched(IReadOnlyList<SiteId> sites, IEnumerable<SiteId> touched, string did)
    {
        var stray = sites.Except(touched).ToList();
        if (stray.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{did} {stray.Count} of the sites given: {Sample(stray.Select(s => s.Value).ToList())}. Restore them in a job of their own.");
        }
    }

    /// <summary>One microsecond before a commit: the last instant it had not happened.</summary>
    private static DateTimeOffset? JustBefore(DateTimeOffset? at) => at?.AddTicks(-10);

    /// <summary>Per site the plan changed, the position of its first applied change (the position just before it, plus one).</summary>
    private async Task<Dictionary<SiteId, long>> FirstChangesAsync(PlanId plan, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT site_id, min(before_position) + 1 FROM platform.plan_targets
            WHERE plan_id = $1 AND state = 'Applied' AND before_position IS NOT NULL GROUP BY site_id
            """);
        cmd.Parameters.Add(new() { Value = plan.Value });
        var first = new Dictionary<SiteId, long>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                first[SiteId.Parse(reader.GetString(0))] = reader.GetInt64(1);
            }
        }

        if (first.Count == 0)
        {
            await using var exists = context.Command("SELECT 1 FROM platform.plans WHERE plan_id = $1");
            exists.Parameters.Add(new() { Value = plan.Value });
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                throw new PlatformException(PlatformErrorKind.NotFound, $"plan {plan} does not exist in this environment.");
            }
        }

        return first;
    }

    /// <summary>The database time of every destructive commit from a position on, by tenant and position (a plan's changes are such commits).</summary>
    private async Task<Dictionary<(string Tenant, long Position), DateTimeOffset>> StampsAsync(long from, CancellationToken ct)
    {
        var stamps = new Dictionary<(string, long), DateTimeOffset>();
        foreach (var write in await context.Store.DestructiveWrites.SinceAsync(from, ct))
        {
            stamps.TryAdd((write.Tenant.Value, write.Position), write.Stamp);
        }

        return stamps;
    }

    private async Task<(string Actor, string Action, long FirstPosition)> AlertAsync(AlertId alert, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT actor, action, first_position FROM platform.alerts WHERE alert_id = $1");
        cmd.Parameters.Add(new() { Value = alert.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (reader.GetString(0), reader.GetString(1), reader.GetInt64(2))
            : throw new PlatformException(PlatformErrorKind.NotFound, $"alert {alert} does not exist in this environment.");
    }

    private static string Sample(IReadOnlyList<string> ids) => string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? " …" : "");
}
