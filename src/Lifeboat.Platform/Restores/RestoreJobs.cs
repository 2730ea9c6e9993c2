using System.Text.Json;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Restores;

public enum RestoreJobState
{
    Running,
    Completed,
    CompletedWithFailures,
    Cancelled,
}

public enum SiteRestoreState
{
    Pending,
    Restoring,
    Validating,
    Restored,
    Failed,
}

/// <summary>
/// What to restore. Sites come from a plan (every site it touched), an alert (every site the burst
/// touched) or a list; the recovery point defaults to the instant before the first destructive write
/// of the plan or alert, and may be given explicitly (never after the damage).
/// </summary>
public sealed record RestoreJobRequest(string Reason)
{
    public PlanId? Plan { get; init; }

    public AlertId? Alert { get; init; }

    public IReadOnlyList<SiteId>? Sites { get; init; }

    public RecoveryPoint? Point { get; init; }
}

public sealed record RestoreJob(RestoreJobId Id, string Source, RecoveryPoint Point, DateTimeOffset? PointTime, string Reason, string RequestedBy, RestoreJobState State,
    int Sites, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

public sealed record SiteRestore(SiteId Site, SiteRestoreState State, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error, JsonElement? Validation);

public sealed record RestoreProgress(RestoreJob Job, int Pending, int Restoring, int Validating, int Restored, int Failed, TimeSpan Elapsed, TimeSpan? Remaining)
{
    public int Total => Pending + Restoring + Validating + Restored + Failed;

    public double ShareRestored => Total == 0 ? 1 : (double)Restored / Total;
}

/// <summary>
/// Restore jobs: many sites, every store of each (catalog, configuration, identity, flags, product
/// records, blobs, participants), one recovery point, the same IDs; validated per site. Run by any
/// number of <see cref="RestoreWorker"/>s, which coordinate through PostgreSQL alone.
/// </summary>
public sealed class RestoreJobs
{
    internal const string Catalog = "catalog";
    internal const string Identity = "identity";
    internal const string Products = "products";
    internal const string Validate = "validate";
    internal const string Complete = "complete";
    internal const string ParticipantPrefix = "participant:";

    private const string JobColumns = "job_id, source, target_position, target_time, point_time, reason, requested_by, state, sites, created_at, finished_at";

    private readonly PlatformContext _context;

    internal RestoreJobs(PlatformContext context, Participants participants)
    {
        _context = context;
        Participants = participants;
    }

    public Participants Participants { get; }

    /// <summary>Creates a job, or refuses it with every problem named and nothing created.</summary>
    public async Task<RestoreJob> StartAsync(RestoreJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a restore job needs a reason (the incident it answers, say).");
        }

        var (source, sites, point, pointTime) = await ResolveAsync(request, cancellationToken);
        var problems = new List<string>();
        var entries = new List<SiteDirectoryEntry>();
        foreach (var site in sites.Distinct())
        {
            var entry = await _context.FindSiteAsync(site, cancellationToken);
            if (entry is null)
            {
                problems.Add($"site {site} does not exist in this environment");
                continue;
            }

            if (entry.State == TenantState.Restoring)
            {
                problems.Add($"site {site} is being restored already{await RestoredByAsync(site, cancellationToken)}");
                continue;
            }

            try
            {
                await _context.Store.Restores.CheckPointAsync(site.Tenant, point, cancellationToken);
                entries.Add(entry);
            }
            catch (StoreException e)
            {
                problems.Add(e.Message);
            }
        }

        if (problems.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"restore job refused, nothing was started: {problems.Count} of {sites.Count} site(s) cannot be restored to {point}: {string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? " …" : "")}.");
        }

        var participants = await Participants.ListAsync(cancellationToken);
        if (participants.Count > 0 && pointTime is null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"participants ({string.Join(", ", participants.Select(p => p.Name))}) restore to a time, and {point} is a position with no known time: give the recovery point as a time (2026-04-05T07:38:00Z), or restore from a plan or an alert.");
        }

        var id = TypedId.New<RestoreJobId>(_context.Time);
        var now = _context.Time.GetUtcNow();
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var job = tx.Command($"""
            INSERT INTO platform.restore_jobs (job_id, source, target_position, target_time, point_time, reason, requested_by, state, sites, created_at)
            VALUES ($1, $2, $3, $4, $9, $5, $6, 'Running', $7, $8)
            """))
        {
            job.Parameters.Add(new() { Value = id.Value });
            job.Parameters.Add(new() { Value = source });
            job.Parameters.Add(new() { Value = (object?)point.Position ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            job.Parameters.Add(new() { Value = (object?)point.Time ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            job.Parameters.Add(new() { Value = request.Reason.Trim() });
            job.Parameters.Add(new() { Value = _context.Actor });
            job.Parameters.Add(new() { Value = entries.Count });
            job.Parameters.Add(new() { Value = now });
            job.Parameters.Add(new() { Value = (object?)pointTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await job.ExecuteNonQueryAsync(cancellationToken);
        }

        var siteIds = entries.Select(e => e.Id.Value).ToArray();
        await using (var rows = tx.Command("INSERT INTO platform.restore_job_sites (job_id, site_id, state) SELECT $1, unnest($2::text[]), 'Pending'"))
        {
            rows.Parameters.Add(new() { Value = id.Value });
            rows.Parameters.Add(new() { Value = siteIds });
            try
            {
                await rows.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"restore job refused, nothing was started: {await ActiveElsewhereAsync(siteIds, cancellationToken)}");
            }
        }

        // catalog first, then the rest in parallel, then validation (while the site is still closed to writes), then completion.
        var middle = new List<string> { Identity, Products };
        middle.AddRange(participants.Select(p => ParticipantPrefix + p.Name));
        var steps = new List<(string Step, string[] DependsOn)> { (Catalog, []) };
        steps.AddRange(middle.Select(m => (m, new[] { Catalog })));
        steps.Add((Validate, middle.ToArray()));
        steps.Add((Complete, [Validate]));
        await using (var stepRows = tx.Command("""
            INSERT INTO platform.restore_steps (job_id, site_id, step, depends_on, state)
            SELECT $1, s.site, st.step, string_to_array(st.deps, ',')::text[], 'Pending'
            FROM unnest($2::text[]) AS s(site), unnest($3::text[], $4::text[]) AS st(step, deps)
            """))
        {
            stepRows.Parameters.Add(new() { Value = id.Value });
            stepRows.Parameters.Add(new() { Value = siteIds });
            stepRows.Parameters.Add(new() { Value = steps.Select(s => s.Step).ToArray() });
            stepRows.Parameters.Add(new() { Value = steps.Select(s => string.Join(',', s.DependsOn)).ToArray() });
            await stepRows.ExecuteNonQueryAsync(cancellationToken);
        }

        await _context.AppendAsync(tx, _context.Event("restore.started", null, id.Value, new { source, point = point.ToString(), sites = siteIds.Length, request.Reason }), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    public async Task<RestoreJob> GetAsync(RestoreJobId job, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {JobColumns} FROM platform.restore_jobs WHERE job_id = $1");
        cmd.Parameters.Add(new() { Value = job.Value });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? ReadJob(reader)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"restore job {job} does not exist in this environment.");
    }

    public async Task<IReadOnlyList<RestoreJob>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {JobColumns} FROM platform.restore_jobs ORDER BY job_id DESC LIMIT 100");
        var list = new List<RestoreJob>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadJob(reader));
        }

        return list;
    }

    public async Task<IReadOnlyList<SiteRestore>> SitesAsync(RestoreJobId job, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT site_id, state, started_at, finished_at, error, validation::text FROM platform.restore_job_sites WHERE job_id = $1 ORDER BY site_id
            """);
        cmd.Parameters.Add(new() { Value = job.Value });
        var list = new List<SiteRestore>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            JsonElement? validation = null;
            if (!reader.IsDBNull(5))
            {
                using var doc = JsonDocument.Parse(reader.GetString(5));
                validation = doc.RootElement.Clone();
            }

            list.Add(new SiteRestore(SiteId.Parse(reader.GetString(0)), Enum.Parse<SiteRestoreState>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), validation));
        }

        return list;
    }

    /// <summary>Per-state counts, the share restored, and an estimate of the time left from the pace so far.</summary>
    public async Task<RestoreProgress> ProgressAsync(RestoreJobId job, CancellationToken cancellationToken = default)
    {
        var info = await GetAsync(job, cancellationToken);
        await using var cmd = _context.Command("SELECT state, count(*)::int FROM platform.restore_job_sites WHERE job_id = $1 GROUP BY state");
        cmd.Parameters.Add(new() { Value = job.Value });
        var counts = new Dictionary<SiteRestoreState, int>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                counts[Enum.Parse<SiteRestoreState>(reader.GetString(0))] = reader.GetInt32(1);
            }
        }

        int Of(SiteRestoreState s) => counts.TryGetValue(s, out var n) ? n : 0;
        var elapsed = (info.FinishedAt ?? _context.Time.GetUtcNow()) - info.CreatedAt;
        var finished = Of(SiteRestoreState.Restored) + Of(SiteRestoreState.Failed);
        var left = info.Sites - finished;
        TimeSpan? remaining = info.State != RestoreJobState.Running ? TimeSpan.Zero : finished == 0 ? null : elapsed / finished * left;
        return new RestoreProgress(info, Of(SiteRestoreState.Pending), Of(SiteRestoreState.Restoring), Of(SiteRestoreState.Validating),
            Of(SiteRestoreState.Restored), Of(SiteRestoreState.Failed), elapsed, remaining);
    }

    /// <summary>Tries the failed sites of a job again (after the cause was fixed: a blob file put back, a participant up again).</summary>
    public async Task<int> RetryAsync(RestoreJobId job, CancellationToken cancellationToken = default)
    {
        await GetAsync(job, cancellationToken);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var steps = tx.Command("""
            UPDATE platform.restore_steps s SET state = 'Pending', error = NULL
            FROM platform.restore_job_sites js
            WHERE js.job_id = s.job_id AND js.site_id = s.site_id AND js.job_id = $1 AND js.state = 'Failed' AND s.state = 'Failed'
            """))
        {
            steps.Parameters.Add(new() { Value = job.Value });
            await steps.ExecuteNonQueryAsync(cancellationToken);
        }

        int retried;
        await using (var sites = tx.Command("UPDATE platform.restore_job_sites SET state = 'Restoring', error = NULL, finished_at = NULL WHERE job_id = $1 AND state = 'Failed'"))
        {
            sites.Parameters.Add(new() { Value = job.Value });
            retried = await sites.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var reopen = tx.Command("UPDATE platform.restore_jobs SET state = 'Running', finished_at = NULL WHERE job_id = $1 AND $2 > 0"))
        {
            reopen.Parameters.Add(new() { Value = job.Value });
            reopen.Parameters.Add(new() { Value = retried });
            await reopen.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return retried;
    }

    /// <summary>A worker for this process: it joins every running job until cancelled (or, with untilIdle, until nothing is left to do).</summary>
    public RestoreWorker CreateWorker(string name, int concurrency) => new(_context, this, name, concurrency);

    private async Task<(string Source, IReadOnlyList<SiteId> Sites, RecoveryPoint Point, DateTimeOffset? PointTime)> ResolveAsync(RestoreJobRequest request, CancellationToken ct)
    {
        if (new object?[] { request.Plan, request.Alert }.Count(x => x is not null) > 1)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a restore job takes its sites from one plan, or one alert, or a list — not several.");
        }

        if (request.Plan is { } planId)
        {
            var touched = (await new PlanTargetsReader(_context).TouchedAsync(planId, ct));
            if (touched.Count == 0)
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"plan {planId} has not changed any site; there is nothing to restore.");
            }

            var firstWrite = touched.Min(t => t.BeforePosition) + 1;
            var firstWriteAt = await StampOfAsync(firstWrite, ct);
            var point = request.Point ?? RecoveryPoint.AtPosition(firstWrite - 1);
            RequireBefore(point, firstWrite, firstWriteAt, $"plan {planId}'s first destructive write");
            var sites = request.Sites ?? touched.Select(t => t.Site).Distinct().ToList();
            var stray = sites.Except(touched.Select(t => t.Site)).ToList();
            if (stray.Count > 0)
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"plan {planId} did not touch {stray.Count} of the sites given: {string.Join(", ", stray.Take(5))}{(stray.Count > 5 ? " …" : "")}. Restore them in a job of their own.");
            }

            return ($"plan:{planId}", sites, point, point.Time ?? JustBefore(firstWriteAt));
        }

        if (request.Alert is { } alertId)
        {
            var (actor, action, firstPosition, firstStamp) = await AlertAsync(alertId, ct);
            var burst = (await _context.Store.DestructiveWrites.SinceAsync(firstPosition, ct))
                .Where(w => w.Actor == actor && w.Key == action && w.Tenant.Value.StartsWith("site_", StringComparison.Ordinal)).ToList();
            var point = request.Point ?? RecoveryPoint.AtPosition(firstPosition - 1);
            RequireBefore(point, firstPosition, firstStamp, $"alert {alertId}'s first write");
            return ($"alert:{alertId}", request.Sites ?? burst.Select(b => SiteId.Parse(b.Tenant.Value)).Distinct().ToList(), point, point.Time ?? JustBefore(firstStamp));
        }

        if (request.Sites is not { Count: > 0 } listed)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "name the sites to restore: a plan, an alert, or a list of site IDs.");
        }

        var given = request.Point ?? throw new PlatformException(PlatformErrorKind.Invalid, "a restore job of listed sites needs a recovery point (a position or a time).");
        return ("list", listed, given, given.Time);
    }

    private static void RequireBefore(RecoveryPoint point, long firstWrite, DateTimeOffset firstWriteAt, string what)
    {
        if (point.Position >= firstWrite || point.Time >= firstWriteAt)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{point} is at or after {what} (position {firstWrite}, {firstWriteAt:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}): restoring there would keep the damage. Leave the point out to use the instant before it.");
        }
    }

    /// <summary>One microsecond before a commit: the last instant it had not happened.</summary>
    private static DateTimeOffset? JustBefore(DateTimeOffset at) => at == DateTimeOffset.MaxValue ? null : at.AddTicks(-10);

    private async Task<(string Actor, string Action, long FirstPosition, DateTimeOffset FirstStamp)> AlertAsync(AlertId alert, CancellationToken ct)
    {
        await using var cmd = _context.Command("SELECT actor, action, first_position, first_stamp FROM platform.alerts WHERE alert_id = $1");
        cmd.Parameters.Add(new() { Value = alert.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3))
            : throw new PlatformException(PlatformErrorKind.NotFound, $"alert {alert} does not exist in this environment.");
    }

    /// <summary>The database time of the commit at a position: a destructive write's stamp (plans and alerts start at one).</summary>
    private async Task<DateTimeOffset> StampOfAsync(long position, CancellationToken ct)
    {
        var writes = await _context.Store.DestructiveWrites.SinceAsync(position, ct);
        return writes.FirstOrDefault(w => w.Position == position)?.Stamp ?? DateTimeOffset.MaxValue;
    }

    /// <summary>Who owns a site's restore: a job's steps restore it as "job/site", anything else under the store's restore ID.</summary>
    private async Task<string> RestoredByAsync(SiteId site, CancellationToken ct)
    {
        var owner = (await _context.Store.Tenants.GetAsync(site.Tenant, ct)).RestoreId;
        return owner is null ? ""
            : TypedId.TryParse<RestoreJobId>(owner.Split('/')[0], out var job, out _) ? $" by restore job {job} (follow it, or retry it once its failure is fixed)"
            : $" by restore {owner}";
    }

    private async Task<string> ActiveElsewhereAsync(string[] sites, CancellationToken ct)
    {
        await using var cmd = _context.Command("""
            SELECT site_id, job_id FROM platform.restore_job_sites WHERE site_id = ANY($1) AND state IN ('Pending', 'Restoring', 'Validating') LIMIT 5
            """);
        cmd.Parameters.Add(new() { Value = sites });
        var busy = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            busy.Add($"site {reader.GetString(0)} is already in restore job {reader.GetString(1)}");
        }

        return string.Join("; ", busy) + ". Wait for that job, or restore the other sites alone.";
    }

    private static RestoreJob ReadJob(NpgsqlDataReader r)
    {
        var point = r.IsDBNull(2) ? RecoveryPoint.AtTime(r.GetFieldValue<DateTimeOffset>(3)) : RecoveryPoint.AtPosition(r.GetInt64(2));
        return new RestoreJob(RestoreJobId.Parse(r.GetString(0)), r.GetString(1), point, r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
            r.GetString(5), r.GetString(6), Enum.Parse<RestoreJobState>(r.GetString(7)), r.GetInt32(8), r.GetFieldValue<DateTimeOffset>(9),
            r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10));
    }

    /// <summary>The sites a plan changed, and the position just before it changed each.</summary>
    private sealed class PlanTargetsReader(PlatformContext context)
    {
        public async Task<List<(SiteId Site, long BeforePosition)>> TouchedAsync(PlanId plan, CancellationToken ct)
        {
            await using var cmd = context.Command("SELECT site_id, before_position FROM platform.plan_targets WHERE plan_id = $1 AND state = 'Applied' AND before_position IS NOT NULL");
            cmd.Parameters.Add(new() { Value = plan.Value });
            var list = new List<(SiteId, long)>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                list.Add((SiteId.Parse(reader.GetString(0)), reader.GetInt64(1)));
            }

            if (list.Count == 0)
            {
                await using var exists = context.Command("SELECT 1 FROM platform.plans WHERE plan_id = $1");
                exists.Parameters.Add(new() { Value = plan.Value });
                if (await exists.ExecuteScalarAsync(ct) is null)
                {
                    throw new PlatformException(PlatformErrorKind.NotFound, $"plan {plan} does not exist in this environment.");
                }
            }

            return list;
        }
    }
}
