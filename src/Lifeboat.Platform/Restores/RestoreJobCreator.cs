using System.Text.Json;
using Lifeboat.Platform.Internal;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using NpgsqlTypes;

namespace Lifeboat.Platform.Restores;

/// <summary>
/// Creates a restore job, or refuses it whole with nothing created. A restore is destructive work too:
/// for every site it records the state and commit position it found the site in (the job's first write
/// to the site checks nothing changed since) and a dry run; a job whose dry run discards writes made
/// after a site's point is refused unless asked for in so many words, and above the policy's thresholds
/// waits for a second person's approval.
/// </summary>
internal sealed class RestoreJobCreator(PlatformContext context, Participants participants, PolicyStore policies)
{
    private sealed record PreparedSite(SitePoint Site, RestoreExpectation Found, SiteDryRun DryRun);

    public async Task<RestoreJobId> CreateAsync(string source, IReadOnlyList<SitePoint> sites, string reason, bool discardLaterWrites, RestoreJobId? undoes,
        CancellationToken ct)
    {
        var prepared = await PrepareAsync(sites, ct);
        var registered = await participants.ListAsync(ct);
        if (registered.Count > 0 && sites.FirstOrDefault(s => s.PointTime is null) is { } untimed)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"participants ({string.Join(", ", registered.Select(p => p.Name))}) restore to a time, and {untimed.Point} (site {untimed.Site}) is a position with no known time: give the recovery point as a time (2026-04-05T07:38:00Z), or restore from a plan or an alert.");
        }

        var discarding = prepared.Where(p => p.DryRun.DiscardsWrites).ToList();
        if (discarding.Count > 0 && !discardLaterWrites)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"restore job refused, nothing was started: restoring {Count(discarding.Count, "site")} to {(discarding.Count == 1 ? "its point" : "their points")} would discard what was written after: " +
                $"{string.Join("; ", discarding.Take(5).Select(Discards))}{(discarding.Count > 5 ? " …" : "")}. " +
                "Those writes would stay in history (the job's undo brings them back), but the sites' users would lose them. " +
                "If that is what you want, ask for it explicitly (lifeboat restore start … --discard-later-writes; over HTTP, discardLaterWrites: true); " +
                $"to see the dry run first: lifeboat store restore {discarding[0].Site.Site} --to {discarding[0].Site.Point} --dry-run.");
        }

        // The policy in force now, read from the database: a job is held to what holds when it is asked for.
        var policy = (await policies.ReadAsync(ct)).Policy.SecondApproverAbove;
        var reasons = new List<string>();
        var recordsDiscarded = discarding.Sum(p => (long)p.DryRun.RecordsDiscarded);
        if (discarding.Count > policy.Sites)
        {
            reasons.Add($"it discards later writes of {discarding.Count} sites (more than {policy.Sites})");
        }

        if (recordsDiscarded > policy.Records)
        {
            reasons.Add($"it discards {recordsDiscarded} records written after the points (more than {policy.Records})");
        }

        var dryRun = new RestoreDryRun(prepared.Count(p => p.DryRun.Records > 0 || p.DryRun.StateNow != p.DryRun.StateAtPoint), prepared.Sum(p => (long)p.DryRun.Records),
            prepared.Sum(p => p.DryRun.BlobBytes), discarding.Count, recordsDiscarded, prepared.Count(p => p.DryRun.ClosesSite));
        return await InsertAsync(source, prepared, reason, discardLaterWrites, undoes, dryRun, reasons, ct);
    }

    /// <summary>
    /// Each site exists, is not being restored, and can be restored to its point; the site as found (taken first, under
    /// its exclusive lock) and then the dry run. A write after the first is caught by the job before it writes anything.
    /// A few sites at a time: a job of 883 sites should not spend its first quarter-minute on round trips.
    /// </summary>
    private async Task<List<PreparedSite>> PrepareAsync(IReadOnlyList<SitePoint> sites, CancellationToken ct)
    {
        var prepared = new PreparedSite?[sites.Count];
        var problems = new string?[sites.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, sites.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            var site = sites[i];
            if (await context.FindSiteAsync(site.Site, token) is null)
            {
                problems[i] = $"site {site.Site} does not exist in this environment";
                return;
            }

            try
            {
                var found = await context.Store.Restores.ExpectAsync(site.Site.Tenant, token);
                if (found.State == TenantState.Restoring)
                {
                    problems[i] = $"site {site.Site} is being restored already{await RestoredByAsync(site.Site, token)}";
                    return;
                }

                prepared[i] = new PreparedSite(site, found, SiteDryRun.Of(await context.Store.Restores.PreviewAsync(site.Site.Tenant, site.Point, token)));
            }
            catch (StoreException e)
            {
                problems[i] = e.Message.TrimEnd('.');
            }
        });

        var refused = problems.OfType<string>().ToList();
        if (refused.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"restore job refused, nothing was started: {refused.Count} of {sites.Count} site(s) cannot be restored: {string.Join("; ", refused.Take(5))}{(refused.Count > 5 ? " …" : "")}.");
        }

        return [.. prepared.OfType<PreparedSite>()];
    }

    private async Task<RestoreJobId> InsertAsync(string source, List<PreparedSite> sites, string reason, bool discardLaterWrites, RestoreJobId? undoes,
        RestoreDryRun dryRun, List<string> approvalReasons, CancellationToken ct)
    {
        var id = TypedId.New<RestoreJobId>(context.Time);
        var (earliest, latest) = Range(sites.Select(s => s.Site).ToList());
        var state = approvalReasons.Count > 0 ? RestoreJobState.AwaitingApproval : RestoreJobState.Running;
        await using var tx = await context.Store.BeginTransactionAsync(ct);
        await using (var job = tx.Command("""
            INSERT INTO platform.restore_jobs (job_id, source, target_position, target_time, point_time, latest_position, latest_time, reason, requested_by, state, sites,
                                               created_at, discard_later_writes, dry_run, approval_reasons, undoes)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            """))
        {
            job.Parameters.Add(new() { Value = id.Value });
            job.Parameters.Add(new() { Value = source });
            job.Parameters.Add(new() { Value = (object?)earliest.Point.Position ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            job.Parameters.Add(new() { Value = (object?)earliest.Point.Time ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            job.Parameters.Add(new() { Value = (object?)earliest.PointTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            job.Parameters.Add(new() { Value = (object?)latest.Point.Position ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            job.Parameters.Add(new() { Value = (object?)latest.Point.Time ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            job.Parameters.Add(new() { Value = reason });
            job.Parameters.Add(new() { Value = context.Actor });
            job.Parameters.Add(new() { Value = state.ToString() });
            job.Parameters.Add(new() { Value = sites.Count });
            job.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            job.Parameters.Add(new() { Value = discardLaterWrites });
            job.Parameters.Add(new() { Value = JsonSerializer.Serialize(dryRun, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
            job.Parameters.Add(new() { Value = JsonSerializer.Serialize(approvalReasons), NpgsqlDbType = NpgsqlDbType.Jsonb });
            job.Parameters.Add(new() { Value = (object?)undoes?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await job.ExecuteNonQueryAsync(ct);
        }

        var siteIds = sites.Select(s => s.Site.Site.Value).ToArray();
        await using (var rows = tx.Command("""
            INSERT INTO platform.restore_job_sites (job_id, site_id, state, target_position, target_time, point_time, expected_state, expected_position, dry_run)
            SELECT $1, s.site, 'Pending', s.pos, s.at, s.point_time, s.found_state, s.found_position, s.dry_run
            FROM unnest($2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::bigint[], $8::jsonb[])
                 AS s(site, pos, at, point_time, found_state, found_position, dry_run)
            """))
        {
            rows.Parameters.Add(new() { Value = id.Value });
            rows.Parameters.Add(new() { Value = siteIds });
            rows.Parameters.Add(new() { Value = sites.Select(s => s.Site.Point.Position).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            rows.Parameters.Add(new() { Value = sites.Select(s => s.Site.Point.Time).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            rows.Parameters.Add(new() { Value = sites.Select(s => s.Site.PointTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            rows.Parameters.Add(new() { Value = sites.Select(s => s.Found.State.ToString()).ToArray() });
            rows.Parameters.Add(new() { Value = sites.Select(s => s.Found.Position).ToArray() });
            rows.Parameters.Add(new() { Value = sites.Select(s => JsonSerializer.Serialize(s.DryRun, PlatformJson.Options)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            try
            {
                await rows.ExecuteNonQueryAsync(ct);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"restore job refused, nothing was started: {await ActiveElsewhereAsync(siteIds, ct)}");
            }
        }

        await InsertStepsAsync(tx, id, siteIds, ct);
        await context.AppendAsync(tx, context.Event(state == RestoreJobState.Running ? "restore.started" : "restore.awaiting-approval", null, id.Value,
            new { source, point = earliest == latest ? earliest.Point.ToString() : $"per site, {earliest.Point} to {latest.Point}", sites = siteIds.Length, reason, dryRun, approvalReasons, undoes }), ct);
        await tx.CommitAsync(ct);
        return id;
    }

    /// <summary>Catalog first, then the rest in parallel, then validation (while the site is still closed to writes), then completion.</summary>
    private async Task InsertStepsAsync(StoreTransaction tx, RestoreJobId id, string[] siteIds, CancellationToken ct)
    {
        var middle = new List<string> { RestoreJobs.Identity, RestoreJobs.Products };
        middle.AddRange((await participants.ListAsync(ct)).Select(p => RestoreJobs.ParticipantPrefix + p.Name));
        var steps = new List<(string Step, string[] DependsOn)> { (RestoreJobs.Catalog, []) };
        steps.AddRange(middle.Select(m => (m, new[] { RestoreJobs.Catalog })));
        steps.Add((RestoreJobs.Validate, middle.ToArray()));
        steps.Add((RestoreJobs.Complete, [RestoreJobs.Validate]));
        await using var stepRows = tx.Command("""
            INSERT INTO platform.restore_steps (job_id, site_id, step, depends_on, state, waiting)
            SELECT $1, s.site, st.step, string_to_array(st.deps, ',')::text[], 'Pending', cardinality(string_to_array(st.deps, ','))
            FROM unnest($2::text[]) AS s(site), unnest($3::text[], $4::text[]) AS st(step, deps)
            """);
        stepRows.Parameters.Add(new() { Value = id.Value });
        stepRows.Parameters.Add(new() { Value = siteIds });
        stepRows.Parameters.Add(new() { Value = steps.Select(s => s.Step).ToArray() });
        stepRows.Parameters.Add(new() { Value = steps.Select(s => string.Join(',', s.DependsOn)).ToArray() });
        await stepRows.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The earliest and latest of the sites' points (a job's points are all positions, or all times).</summary>
    private static (SitePoint Earliest, SitePoint Latest) Range(List<SitePoint> sites)
    {
        var ordered = sites.OrderBy(s => s.Point.Position ?? long.MaxValue).ThenBy(s => s.Point.Time ?? DateTimeOffset.MaxValue).ToList();
        return (ordered[0], ordered[^1]);
    }

    private static string Discards(PreparedSite p)
    {
        var what = new List<string>();
        if (p.DryRun.RecordsDiscarded > 0)
        {
            what.Add($"{Count(p.DryRun.RecordsDiscarded, "live record")} reverted or deleted ({string.Join(", ", p.DryRun.Changes.Where(c => c.Reverted + c.Deleted > 0).Take(3).Select(c => $"{c.Collection} {c.Reverted + c.Deleted}"))})");
        }

        if (p.DryRun.ClosesSite)
        {
            what.Add($"the site closed ({p.DryRun.StateNow} now, {p.DryRun.StateAtPoint} at the point)");
        }

        return $"site {p.Site.Site} to {p.Site.Point}: {string.Join(", and ", what)}";
    }

    private static string Count(long n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    /// <summary>Who owns a site's restore: a job's steps restore it as "job/site", anything else under the store's restore ID.</summary>
    private async Task<string> RestoredByAsync(SiteId site, CancellationToken ct)
    {
        var owner = (await context.Store.Tenants.GetAsync(site.Tenant, ct)).RestoreId;
        return owner is null ? ""
            : RestoreJobs.JobOfRestore(owner) is { } job ? $" by restore job {job} (follow it, or retry it once its failure is fixed)"
            : $" by restore {owner}";
    }

    private async Task<string> ActiveElsewhereAsync(string[] sites, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT site_id, job_id FROM platform.restore_job_sites WHERE site_id = ANY($1) AND state IN ('Pending', 'Restoring', 'Validating') LIMIT 5
            """);
        cmd.Parameters.Add(new() { Value = sites });
        var busy = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            busy.Add($"site {reader.GetString(0)} is already in restore job {reader.GetString(1)}");
        }

        return string.Join("; ", busy) + ". Wait for that job (or cancel it, if it awaits approval), or restore the other sites alone.";
    }
}
