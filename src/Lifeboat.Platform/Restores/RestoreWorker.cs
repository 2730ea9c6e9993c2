using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Restores;

/// <summary>
/// Runs the steps of every running restore job, up to <c>concurrency</c> at a time. Any number of
/// workers, in any number of processes, share the work through PostgreSQL alone: steps are claimed
/// with FOR UPDATE SKIP LOCKED, and a worker holds a session advisory lock on each step it runs, on
/// one connection of its own. When a worker (or PostgreSQL) dies, the connection goes and so do the
/// locks, and its steps are claimed again; every step is idempotent, so running one twice is safe.
/// </summary>
public sealed class RestoreWorker : IAsyncDisposable
{
    private const int MaxAttempts = 3;

    /// <summary>
    /// A step (alias s) that some worker is running or can start: Running, or Pending and waiting for no other
    /// step (each step counts the steps it still waits for, lowered as each of them finishes).
    /// </summary>
    private const string RunnableStep = "(s.state = 'Running' OR (s.state = 'Pending' AND s.waiting = 0))";

    /// <summary>
    /// The steps a worker may take, of Running jobs: every Running step (as many as the workers run at once, plus
    /// those whose worker died, which whoever gets their lock takes over) and, per job, the first $1 Pending steps
    /// waiting for nothing, read from a partial index in key order. Neither reads the rest of the job, so a claim
    /// costs the same in a job of 10 sites and of 10,000. $1: how many ready steps to fetch. Running steps are not
    /// row-locked: their advisory lock says who has them, and a lock on their rows made every step's finishing
    /// UPDATE wait for whichever claim was in progress (62 % of the database's time in a job of 100 sites).
    /// </summary>
    internal const string ClaimSql = """
        WITH running AS (
            SELECT s.job_id, s.site_id, s.step, s.attempts
            FROM platform.restore_jobs j
            JOIN platform.restore_steps s ON s.job_id = j.job_id AND s.state = 'Running'
            WHERE j.state = 'Running'),
        ready AS (
            SELECT r.job_id, r.site_id, r.step, r.attempts
            FROM platform.restore_jobs j
            CROSS JOIN LATERAL (
                SELECT s.job_id, s.site_id, s.step, s.attempts FROM platform.restore_steps s
                WHERE s.job_id = j.job_id AND s.state = 'Pending' AND s.waiting = 0
                ORDER BY s.site_id, s.step
                LIMIT $1
                FOR UPDATE SKIP LOCKED) r
            WHERE j.state = 'Running'
            LIMIT $1)
        SELECT c.job_id, c.site_id, c.step, c.attempts, js.target_position, js.target_time, js.point_time, js.expected_state, js.expected_position
        FROM (SELECT * FROM running UNION ALL SELECT * FROM ready) c
        JOIN platform.restore_job_sites js ON js.job_id = c.job_id AND js.site_id = c.site_id AND js.state <> 'Restored'
        """;

    /// <summary>
    /// Marks the claimed steps Running in one statement: $1, $2, $3 the steps' keys, $4 the worker, $5 now; returns
    /// the keys it marked. A Running step read by the claim may have finished since (its worker commits the finish,
    /// then releases its lock, which is how the lock came free): the UPDATE sees the latest committed state, so a
    /// step that is Done or Failed by now is not marked, and the claim lets it go instead of running it again.
    /// </summary>
    internal const string MarkRunningSql = """
        UPDATE platform.restore_steps s SET state = 'Running', worker = $4, attempts = s.attempts + 1, started_at = coalesce(s.started_at, $5), error = NULL
        FROM unnest($1::text[], $2::text[], $3::text[]) AS k(job_id, site_id, step)
        WHERE s.job_id = k.job_id AND s.site_id = k.site_id AND s.step = k.step AND s.state IN ('Pending', 'Running')
        RETURNING s.job_id, s.site_id, s.step
        """;

    /// <summary>Their sites: Restoring, or Validating for a validation step. Same keys, $4 now.</summary>
    internal const string MarkSitesSql = """
        UPDATE platform.restore_job_sites js SET started_at = coalesce(js.started_at, $4),
               state = CASE WHEN k.validates THEN 'Validating' WHEN js.state = 'Pending' THEN 'Restoring' ELSE js.state END
        FROM (SELECT job_id, site_id, bool_or(step = 'validate') AS validates
              FROM unnest($1::text[], $2::text[], $3::text[]) AS u(job_id, site_id, step) GROUP BY job_id, site_id) k
        WHERE js.job_id = k.job_id AND js.site_id = k.site_id
        """;

    /// <summary>
    /// Records a step's outcome ($4 state, $5 error, $6 result, $7 now) and, the first time it is Done, lowers the
    /// count of the site's steps that wait for it, in the same transaction: the last dependency to finish makes its
    /// dependent ready. The step's row is locked first, so a step finished twice (a worker that lost its lock and
    /// finished anyway) counts once. Returns the step's state before.
    /// </summary>
    internal const string FinishStepSql = """
        WITH before AS (
            SELECT state FROM platform.restore_steps WHERE job_id = $1 AND site_id = $2 AND step = $3 FOR UPDATE),
        finished AS (
            UPDATE platform.restore_steps s SET state = $4, error = $5, result = $6, finished_at = CASE WHEN $4 = 'Pending' THEN NULL ELSE $7 END
            FROM before
            WHERE s.job_id = $1 AND s.site_id = $2 AND s.step = $3
            RETURNING before.state AS was),
        dependents AS (
            UPDATE platform.restore_steps d SET waiting = d.waiting - 1
            FROM finished
            WHERE d.job_id = $1 AND d.site_id = $2 AND $3 = ANY(d.depends_on) AND d.state = 'Pending'
              AND $4 = 'Done' AND finished.was <> 'Done'
            RETURNING 1)
        SELECT was FROM finished
        """;

    /// <summary>The site's row as a step finishes: $3 the site's new state (null: unchanged), $4 error, $5 validation, $6 now.</summary>
    internal const string FinishSiteSql = """
        UPDATE platform.restore_job_sites SET state = coalesce($3, state), error = coalesce($4, error), validation = coalesce($5, validation),
               finished_at = CASE WHEN $3 IS NULL THEN finished_at ELSE $6 END
        WHERE job_id = $1 AND site_id = $2
        RETURNING state
        """;

    /// <summary>
    /// Closes the job ($1, $2 now) when no site is open and no step can still run; both read only open sites and
    /// runnable steps through their partial indexes.
    /// </summary>
    internal const string CloseJobSql = $"""
        UPDATE platform.restore_jobs j SET finished_at = $2,
               state = CASE WHEN EXISTS (SELECT 1 FROM platform.restore_job_sites WHERE job_id = $1 AND state = 'Failed') THEN 'CompletedWithFailures' ELSE 'Completed' END
        WHERE job_id = $1 AND state = 'Running'
          AND NOT EXISTS (SELECT 1 FROM platform.restore_job_sites WHERE job_id = $1 AND state IN ('Pending', 'Restoring', 'Validating'))
          AND NOT EXISTS (SELECT 1 FROM platform.restore_steps s WHERE s.job_id = $1 AND {RunnableStep})
        """;

    /// <summary>Whether any running job has a step some worker runs or can start.</summary>
    internal const string OpenWorkSql = $"""
        SELECT EXISTS (SELECT 1 FROM platform.restore_steps s
                       JOIN platform.restore_jobs j ON j.job_id = s.job_id AND j.state = 'Running'
                       JOIN platform.restore_job_sites js ON js.job_id = s.job_id AND js.site_id = s.site_id AND js.state <> 'Restored'
                       WHERE {RunnableStep})
        """;

    /// <summary>The site's undo point, recorded once its restore began: $1 job, $2 site, $3 position.</summary>
    internal const string UndoPointSql = """
        UPDATE platform.restore_job_sites SET undo_position = coalesce(undo_position, $3), undo_time = coalesce(undo_time, clock_timestamp())
        WHERE job_id = $1 AND site_id = $2
        """;

    private readonly PlatformContext _context;
    private readonly Participants _participants;
    private readonly SiteValidator _validator;
    private readonly int _concurrency;
    private readonly SemaphoreSlim _leaseGate = new(1, 1);
    private readonly HashSet<string> _mine = new(StringComparer.Ordinal);
    private NpgsqlConnection? _leases;
    private int _stepsRun;

    internal RestoreWorker(PlatformContext context, RestoreJobs jobs, string name, int concurrency)
    {
        _context = context;
        _participants = jobs.Participants;
        _validator = new SiteValidator(context, new Identity.IdentityDirectory(context), jobs.Participants);
        Name = string.IsNullOrWhiteSpace(name) ? throw new PlatformException(PlatformErrorKind.Invalid, "a worker needs a name.") : name;
        _concurrency = concurrency is >= 1 and <= 64 ? concurrency : throw new PlatformException(PlatformErrorKind.Invalid, $"a worker runs 1 to 64 steps at a time, not {concurrency}.");
    }

    public string Name { get; }

    /// <summary>How many steps this worker finished (done or failed).</summary>
    public int StepsRun => _stepsRun;

    /// <summary>Works until cancelled; with <paramref name="untilIdle"/>, also stops when no running job has work left.</summary>
    public async Task RunAsync(bool untilIdle = false, CancellationToken cancellationToken = default)
    {
        var running = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                running.RemoveAll(t => t.IsCompleted);
                var claimed = running.Count < _concurrency ? await ClaimAsync(_concurrency - running.Count, cancellationToken) : [];
                running.AddRange(claimed.Select(step => Task.Run(() => ExecuteAsync(step, cancellationToken), CancellationToken.None)));
                if (claimed.Count > 0)
                {
                    continue;
                }

                if (untilIdle && running.Count == 0 && !await OpenWorkAsync(cancellationToken))
                {
                    break;
                }

                await Task.WhenAny(running.Append(Task.Delay(200, cancellationToken)));
            }
            catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
            {
                // PostgreSQL went away: our step locks went with the connection. Reconnect and go on.
                await DropLeasesAsync();
                await Task.Delay(1000, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await DropLeasesAsync();
        _leaseGate.Dispose();
    }

    /// <summary>A step of one site: the site's own point (and its time, for participants), and the site as the job found it.</summary>
    private sealed record Step(RestoreJobId Job, SiteId Site, string Name, int Attempts, RecoveryPoint Point, DateTimeOffset? PointTime, RestoreExpectation? FoundAs)
    {
        public string RestoreId => $"{Job}/{Site}";
    }

    private async Task<List<Step>> ClaimAsync(int max, CancellationToken ct)
    {
        await _leaseGate.WaitAsync(ct);
        var claimed = new List<Step>();
        try
        {
            var leases = await LeasesAsync(ct);
            await using var tx = await leases.BeginTransactionAsync(ct);
            var candidates = new List<Step>();
            await using (var cmd = new NpgsqlCommand(ClaimSql, leases, tx))
            {
                cmd.Parameters.Add(new() { Value = max * 2 });
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var point = reader.IsDBNull(4) ? RecoveryPoint.AtTime(reader.GetFieldValue<DateTimeOffset>(5)) : RecoveryPoint.AtPosition(reader.GetInt64(4));
                    candidates.Add(new Step(RestoreJobId.Parse(reader.GetString(0)), SiteId.Parse(reader.GetString(1)), reader.GetString(2), reader.GetInt32(3), point,
                        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                        reader.IsDBNull(7) ? null : new RestoreExpectation(Enum.Parse<TenantState>(reader.GetString(7)), reader.GetInt64(8))));
                }
            }

            foreach (var step in candidates)
            {
                // Advisory locks are re-entrant in a session: our own running steps would look free to us.
                if (claimed.Count == max || _mine.Contains(LockKey(step)))
                {
                    continue;
                }

                // A step still held by a live worker stays with it; a free one (new, or its worker died) is ours.
                await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 7500))", leases, tx);
                take.Parameters.Add(new() { Value = LockKey(step) });
                if ((bool)(await take.ExecuteScalarAsync(ct))!)
                {
                    claimed.Add(step);
                    _mine.Add(LockKey(step));
                }
            }

            if (claimed.Count > 0)
            {
                var now = _context.Time.GetUtcNow();
                await using var mark = new NpgsqlCommand(MarkRunningSql, leases, tx);
                AddKeys(mark, claimed);
                mark.Parameters.Add(new() { Value = Name });
                mark.Parameters.Add(new() { Value = now });
                var marked = new HashSet<string>(StringComparer.Ordinal);
                await using (var reader = await mark.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        marked.Add($"{reader.GetString(0)}/{reader.GetString(1)}/{reader.GetString(2)}");
                    }
                }

                foreach (var finished in claimed.Where(step => !marked.Contains(LockKey(step))).ToList())
                {
                    await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 7500))", leases, tx);
                    release.Parameters.Add(new() { Value = LockKey(finished) });
                    await release.ExecuteNonQueryAsync(ct);
                    _mine.Remove(LockKey(finished));
                    claimed.Remove(finished);
                }
            }

            if (claimed.Count > 0)
            {
                var now = _context.Time.GetUtcNow();
                await using var sites = new NpgsqlCommand(MarkSitesSql, leases, tx);
                AddKeys(sites, claimed);
                sites.Parameters.Add(new() { Value = now });
                await sites.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            return claimed;
        }
        catch
        {
            // The claim did not commit (the database went away, say): these steps are not ours after all.
            claimed.ForEach(step => _mine.Remove(LockKey(step)));
            throw;
        }
        finally
        {
            _leaseGate.Release();
        }
    }

    private async Task ExecuteAsync(Step step, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await RunStepAsync(step, ct);
            await FinishAsync(step, "Done", null, new { seconds = clock.Elapsed.TotalSeconds, result }, result as SiteValidation, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the step stays Running; once its lock is released another worker takes it over.
        }
        catch (Exception e) when (e is PlatformException or StoreException or NpgsqlException or HttpRequestException or IOException)
        {
            // Connection losses, a server shutting down (57P01), deadlocks: Npgsql knows which are worth another try.
            var transient = e is NpgsqlException { IsTransient: true } or IOException;
            var retry = transient && step.Attempts + 1 < MaxAttempts;
            try
            {
                await FinishAsync(step, retry ? "Pending" : "Failed", $"{step.Name}: {e.Message}", null, (e as ValidationFailedException)?.Validation, ct);
            }
            catch (NpgsqlException)
            {
                // The database is away: the step stays Running, and is claimed again once its lock is gone.
            }
        }
        finally
        {
            await UnlockAsync(step);
            Interlocked.Increment(ref _stepsRun);
        }
    }

    private async Task<object> RunStepAsync(Step step, CancellationToken ct)
    {
        var store = _context.Store;
        switch (step.Name)
        {
            case RestoreJobs.Catalog or RestoreJobs.Identity or RestoreJobs.Products:
                var restore = step.Name == RestoreJobs.Catalog ? await BeginFirstAsync(step, ct) : await store.Restores.BeginAsync(step.Site.Tenant, step.Point, step.RestoreId, ct);
                var collections = (await restore.CollectionsAsync(ct)).Where(c => step.Name switch
                {
                    RestoreJobs.Catalog => c.StartsWith("site.", StringComparison.Ordinal),
                    RestoreJobs.Identity => c.StartsWith("identity.", StringComparison.Ordinal),
                    _ => !c.StartsWith("site.", StringComparison.Ordinal) && !c.StartsWith("identity.", StringComparison.Ordinal),
                }).ToList();
                return await restore.RestoreRecordsAsync(collections, ct);
            case RestoreJobs.Validate:
                var validation = await _validator.ValidateAsync(step.Job, step.Site, step.Point, ParticipantPointOf(step), ct);
                return validation.Ok ? validation : throw new ValidationFailedException(validation);
            case RestoreJobs.Complete:
                if ((await store.Restores.GetAsync(step.RestoreId, ct))?.Outcome == "completed")
                {
                    return new { alreadyCompleted = true };
                }

                var completed = await (await store.Restores.BeginAsync(step.Site.Tenant, step.Point, step.RestoreId, ct)).CompleteAsync(ct);
                return new { completed.StateBefore, completed.StateAfter, completed.UndoPoint };
            default:
                var participant = await _participants.GetAsync(step.Name[RestoreJobs.ParticipantPrefix.Length..], ct);
                return await _participants.RestoreAsync(participant, step.Job, step.Site, ParticipantPointOf(step)
                    ?? throw new PlatformException(PlatformErrorKind.Invalid, "participants restore to a time; this job's point has none."), ct);
        }
    }

    /// <summary>
    /// The job's first write to a site (the catalog step): the store restore begins only if the site is still as the job
    /// found it (same state, no write since), checked under the site's exclusive lock. Nothing is reverted that the job
    /// did not see. Once begun, the site's undo point is recorded: its position, and the database time now, before any
    /// of the job's writes (participants undo to a time).
    /// </summary>
    private async Task<TenantRestore> BeginFirstAsync(Step step, CancellationToken ct)
    {
        TenantRestore restore;
        try
        {
            restore = await _context.Store.Restores.BeginAsync(step.Site.Tenant, step.Point, step.RestoreId, step.FoundAs, ct);
        }
        catch (TenantChangedException changed)
        {
            var what = new List<string>();
            if (changed.State != changed.Expected.State)
            {
                what.Add($"it is {changed.State} now (the job found it {changed.Expected.State})");
            }

            what.Add($"it {(changed.State != changed.Expected.State ? "was changed" : "has writes")} after position {changed.Expected.Position}, when the job was created");
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"site {step.Site} changed after restore job {step.Job} was created for it: {string.Join(", and ", what)}. The job restored nothing of the site, so nothing written since was reverted. " +
                $"If it still needs restoring, start a new job for it, which takes a new dry run of what it would discard: lifeboat restore start --sites {step.Site} --to {step.Point} --reason \"…\"");
        }

        await using var undo = _context.Command(UndoPointSql);
        undo.Parameters.Add(new() { Value = step.Job.Value });
        undo.Parameters.Add(new() { Value = step.Site.Value });
        undo.Parameters.Add(new() { Value = restore.Info.UndoPoint.Position!.Value });
        await undo.ExecuteNonQueryAsync(ct);
        return restore;
    }

    private static ParticipantPoint? ParticipantPointOf(Step step) => step.PointTime is { } t ? new ParticipantPoint(step.Point.Position, t) : null;

    /// <summary>Records the step's outcome; a site whose last step is done is Restored, one whose step failed is Failed; a job with no site left open is finished.</summary>
    private async Task FinishAsync(Step step, string state, string? error, object? result, SiteValidation? validation, CancellationToken ct)
    {
        var now = _context.Time.GetUtcNow();
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
        await using (var cmd = tx.Command(FinishStepSql))
        {
            AddKey(cmd, step);
            cmd.Parameters.Add(new() { Value = state });
            cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = result is null ? DBNull.Value : JsonSerializer.Serialize(result, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new() { Value = now });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var siteState = state == "Failed" ? "Failed" : state == "Done" && step.Name == RestoreJobs.Complete ? "Restored" : null;
        string? siteNow;
        await using (var site = tx.Command(FinishSiteSql))
        {
            site.Parameters.Add(new() { Value = step.Job.Value });
            site.Parameters.Add(new() { Value = step.Site.Value });
            site.Parameters.Add(new() { Value = (object?)siteState ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            site.Parameters.Add(new() { Value = state == "Failed" ? error! : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            site.Parameters.Add(new() { Value = validation is null ? DBNull.Value : JsonSerializer.Serialize(validation, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
            site.Parameters.Add(new() { Value = now });
            siteNow = (string?)await site.ExecuteScalarAsync(ct);
        }

        if (siteState is not null)
        {
            await _context.AppendAsync(tx, _context.Event(siteState == "Restored" ? "site.restored" : "site.restore-failed", step.Site, step.Job.Value,
                new { job = step.Job, point = step.Point.ToString(), error }), ct);
        }

        // Only a step that leaves its site closed and itself not to be retried can be the job's last; the
        // others (most of a job's steps) skip the check and its lock.
        if (state == "Pending" || siteNow is not ("Restored" or "Failed"))
        {
            await tx.CommitAsync(ct);
            return;
        }

        // One job-closing check of a job at a time, so the last step to finish sees every other outcome and
        // closes the job. Taken last, it serializes only this check and the commit, not the whole step's writes.
        await using (var serialize = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 7501))"))
        {
            serialize.Parameters.Add(new() { Value = step.Job.Value });
            await serialize.ExecuteNonQueryAsync(ct);
        }

        // The job is over when no site is open and no step can still run: a failed site's other steps go on
        // (its own stores are restored all the same, so a retry has only the failed step left to do).
        await using (var job = tx.Command(CloseJobSql))
        {
            job.Parameters.Add(new() { Value = step.Job.Value });
            job.Parameters.Add(new() { Value = now });
            await job.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    private async Task<bool> OpenWorkAsync(CancellationToken ct)
    {
        await using var cmd = _context.Command(OpenWorkSql);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<NpgsqlConnection> LeasesAsync(CancellationToken ct)
    {
        if (_leases is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await DropLeasesAsync();
        // Not pooled: the locks must die with this connection when the worker dies, and never linger in a pool.
        var builder = new NpgsqlConnectionStringBuilder(_context.Options.Store.ConnectionString) { Pooling = false, ApplicationName = $"lifeboat restore worker {Name}" };
        _leases = new NpgsqlConnection(builder.ConnectionString);
        await _leases.OpenAsync(ct);
        return _leases;
    }

    private async Task UnlockAsync(Step step)
    {
        await _leaseGate.WaitAsync();
        try
        {
            if (_leases is { State: System.Data.ConnectionState.Open } leases)
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 7500))", leases);
                cmd.Parameters.Add(new() { Value = LockKey(step) });
                await cmd.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // The connection is gone, and the lock with it.
        }
        finally
        {
            _mine.Remove(LockKey(step));
            _leaseGate.Release();
        }
    }

    private async Task DropLeasesAsync()
    {
        if (_leases is not null)
        {
            await _leases.DisposeAsync();
            _leases = null;
        }
    }

    private static string LockKey(Step step) => $"{step.Job}/{step.Site}/{step.Name}";

    private static void AddKeys(NpgsqlCommand cmd, List<Step> steps)
    {
        cmd.Parameters.Add(new() { Value = steps.Select(s => s.Job.Value).ToArray() });
        cmd.Parameters.Add(new() { Value = steps.Select(s => s.Site.Value).ToArray() });
        cmd.Parameters.Add(new() { Value = steps.Select(s => s.Name).ToArray() });
    }

    private static void AddKey(NpgsqlCommand cmd, Step step)
    {
        cmd.Parameters.Add(new() { Value = step.Job.Value });
        cmd.Parameters.Add(new() { Value = step.Site.Value });
        cmd.Parameters.Add(new() { Value = step.Name });
    }
}
