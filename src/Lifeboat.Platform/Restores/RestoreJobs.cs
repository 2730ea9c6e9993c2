using System.Text.Json;
using Lifeboat.Platform.Internal;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Restores;

public enum RestoreJobState
{
    /// <summary>Its dry run discards writes above the policy's thresholds: a second person must approve it before any worker starts it.</summary>
    AwaitingApproval,
    Running,
    Completed,
    CompletedWithFailures,

    /// <summary>Cancelled before it started (only a job awaiting approval can be).</summary>
    Cancelled,
}

public enum SiteRestoreState
{
    Pending,
    Restoring,
    Validating,
    Restored,
    Failed,
    Cancelled,
}

/// <summary>
/// What to restore. Sites come from a plan (every site it touched), an alert (every site the burst
/// touched) or a list. Each site goes back to the instant before ITS OWN first damage (a plan's first
/// change to it, the burst's first write to it); a point given explicitly applies to every site and
/// must be before each one's damage; a list of sites needs one.
/// </summary>
public sealed record RestoreJobRequest(string Reason)
{
    public PlanId? Plan { get; init; }

    public AlertId? Alert { get; init; }

    public IReadOnlyList<SiteId>? Sites { get; init; }

    public RecoveryPoint? Point { get; init; }

    /// <summary>
    /// Asks, in so many words, for a restore whose dry run discards writes made after a site's point
    /// (reverts or tombstones live records, or closes a live site). Without it such a job is refused.
    /// </summary>
    public bool DiscardLaterWrites { get; init; }
}

/// <summary>
/// A restore job. <see cref="Point"/> says where its sites go: the one point they share, or the range of
/// their own points ("per site, position:100 to position:180"); each site's is in <see cref="SiteRestore.Point"/>.
/// </summary>
public sealed record RestoreJob(
    RestoreJobId Id,
    string Source,
    string Point,
    RecoveryPoint EarliestPoint,
    RecoveryPoint LatestPoint,
    string Reason,
    string RequestedBy,
    RestoreJobState State,
    int Sites,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    RestoreDryRun DryRun,
    RestoreApproval Approval,
    RestoreJobId? Undoes,
    string? CancelledBy,
    string? CancelReason)
{
    /// <summary>How to undo the job once it has finished: every restored site back to its undo point, as a job of its own.</summary>
    public string UndoCommand => $"lifeboat restore undo {Id} --reason \"…\"";
}

/// <summary>The job's dry run, summed over its sites: what it changes, and what it discards (writes made after a site's point).</summary>
public sealed record RestoreDryRun(int SitesChanged, long RecordsChanged, long BlobBytes, int SitesDiscardingWrites, long RecordsDiscarded, int SitesClosed)
{
    public bool DiscardsWrites => SitesDiscardingWrites > 0;
}

/// <summary>Why a second person must approve the job (none: it needs no approval), and who did.</summary>
public sealed record RestoreApproval(IReadOnlyList<string> Reasons, string? ApprovedBy, DateTimeOffset? ApprovedAt)
{
    public bool Required => Reasons.Count > 0;
}

/// <summary>
/// The dry run of one site's restore, taken when the job was created. Records it would revert or tombstone
/// were written after the point: restoring discards them (they stay in history; the undo brings them back).
/// Undeleting records and reopening a deleted site undo damage and discard nothing.
/// </summary>
public sealed record SiteDryRun(TenantState StateNow, TenantState StateAtPoint, IReadOnlyList<CollectionChange> Changes)
{
    public int Records => Changes.Sum(c => c.Total);

    public long BlobBytes => Changes.Sum(c => c.BlobBytes);

    /// <summary>Live records the restore would revert to an older version or tombstone.</summary>
    public int RecordsDiscarded => Changes.Sum(c => c.Reverted + c.Deleted);

    /// <summary>A live (Active) site would be closed: Deleted or Suspended at the point.</summary>
    public bool ClosesSite => StateNow == TenantState.Active && StateAtPoint is TenantState.Deleted or TenantState.Suspended;

    public bool DiscardsWrites => RecordsDiscarded > 0 || ClosesSite;

    internal static SiteDryRun Of(RestorePreview preview) => new(preview.StateNow, preview.StateAtPoint, preview.Changes);
}

/// <summary>
/// One site of a job: its own recovery point (and its time, for participants), the state and commit position
/// the job found it in, the dry run, progress, validation, and once restored its undo point.
/// </summary>
public sealed record SiteRestore(SiteId Site, SiteRestoreState State, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error, JsonElement? Validation)
{
    public RecoveryPoint Point { get; init; }

    public DateTimeOffset? PointTime { get; init; }

    /// <summary>The site as the job found it; its first write to the site refuses to start if the site changed since.</summary>
    public RestoreExpectation? FoundAs { get; init; }

    public SiteDryRun? DryRun { get; init; }

    /// <summary>Restoring the site to this point undoes the job for it (participants: to <see cref="UndoTime"/>).</summary>
    public RecoveryPoint? UndoPoint { get; init; }

    public DateTimeOffset? UndoTime { get; init; }
}

public sealed record RestoreProgress(RestoreJob Job, int Pending, int Restoring, int Validating, int Restored, int Failed, TimeSpan Elapsed, TimeSpan? Remaining)
{
    /// <summary>Sites of a job cancelled before it started.</summary>
    public int Cancelled { get; init; }

    public int Total => Pending + Restoring + Validating + Restored + Failed + Cancelled;

    public double ShareRestored => Total == 0 ? 1 : (double)Restored / Total;
}

/// <summary>
/// A site's name (null: not a site of this environment) and its part in the newest restore job including it: the job,
/// its state, the site's state in it, and whether its validation passed (null: not validated yet, or no job).
/// </summary>
public sealed record SiteRestoreStatus(SiteId Site, string? Name, RestoreJobId? Job, RestoreJobState? JobState, SiteRestoreState? State, bool? ValidationPassed, string? Error)
{
    /// <summary>The site's region in the directory (null: no such site here).</summary>
    public string? Region { get; init; }

    /// <summary>When the site's restore in that job ended (restored or failed); null while it runs or when no job included it.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>
/// Restore jobs: many sites, every store of each (catalog, configuration, identity, flags, product
/// records, blobs, participants), each site to its own recovery point, the same IDs; validated per
/// site. A job that would discard writes is asked for explicitly and, above the policy's thresholds,
/// approved by a second person; every job can be undone by another. Run by any number of
/// <see cref="RestoreWorker"/>s, which coordinate through PostgreSQL alone.
/// </summary>
public sealed class RestoreJobs
{
    internal const string Catalog = "catalog";
    internal const string Identity = "identity";
    internal const string Products = "products";
    internal const string Validate = "validate";
    internal const string Complete = "complete";
    internal const string ParticipantPrefix = "participant:";

    private const string JobColumns = """
        job_id, source, target_position, target_time, latest_position, latest_time, reason, requested_by, state, sites, created_at, finished_at,
        dry_run::text, approval_reasons::text, approved_by, approved_at, undoes, cancelled_by, cancel_reason
        """;

    private readonly PlatformContext _context;
    private readonly RestoreJobCreator _creator;

    internal RestoreJobs(PlatformContext context, Participants participants, PolicyStore policies)
    {
        _context = context;
        Participants = participants;
        _creator = new RestoreJobCreator(context, participants, policies);
    }

    public Participants Participants { get; }

    /// <summary>Creates a job, or refuses it with every problem named and nothing created.</summary>
    public async Task<RestoreJob> StartAsync(RestoreJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reason = RequireReason(request.Reason);
        var (source, sites) = await new RestorePointResolver(_context).ResolveAsync(request, cancellationToken);
        var id = await _creator.CreateAsync(source, sites, reason, request.DiscardLaterWrites, null, cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>
    /// Undoes a finished job: a new job that brings each site it restored back to that site's undo point
    /// (participants to the time just before the job touched the site). It is held to the same rules as any
    /// job: a dry run, and an explicit ask (and approval above the thresholds) when it discards writes.
    /// </summary>
    public async Task<RestoreJob> UndoAsync(RestoreJobId job, string reason, bool discardLaterWrites = false, CancellationToken cancellationToken = default)
    {
        var why = RequireReason(reason);
        var current = await GetAsync(job, cancellationToken);
        if (current.State is not (RestoreJobState.Completed or RestoreJobState.CompletedWithFailures))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"restore job {job} is {current.State}; a job can be undone once it has finished (follow it: lifeboat restore watch {job}).");
        }

        var restored = (await SitesAsync(job, cancellationToken)).Where(s => s.State == SiteRestoreState.Restored && s.UndoPoint is not null).ToList();
        if (restored.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"restore job {job} restored no site; there is nothing to undo.");
        }

        var points = restored.Select(s => new SitePoint(s.Site, s.UndoPoint!.Value, s.UndoTime)).ToList();
        var id = await _creator.CreateAsync($"undo:{job}", points, why, discardLaterWrites, job, cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>Approval of a job awaiting it, by someone other than who asked for it; the workers then start it.</summary>
    public async Task<RestoreJob> ApproveAsync(RestoreJobId job, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(job, cancellationToken);
        if (await _context.Store.Principals.SameAsync(current.RequestedBy, _context.Actor, cancellationToken))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{_context.Actor} asked for restore job {job} and cannot also approve it; a second person must, one holding the approver role, with their own credential: lifeboat restore approve {job}.");
        }

        await TransitionAsync(job, current, "approve", """
            UPDATE platform.restore_jobs SET state = 'Running', approved_by = $2, approved_at = $3
            WHERE job_id = $1 AND state = 'AwaitingApproval'
            """, null, "restore.approved", new { requestedBy = current.RequestedBy, current.Approval.Reasons }, cancellationToken);
        return await GetAsync(job, cancellationToken);
    }

    /// <summary>Cancels a job awaiting approval: its sites are free for another job; nothing of them was touched.</summary>
    public async Task<RestoreJob> CancelAsync(RestoreJobId job, string reason, CancellationToken cancellationToken = default)
    {
        var why = RequireReason(reason);
        var current = await GetAsync(job, cancellationToken);
        await TransitionAsync(job, current, "cancel", """
            WITH j AS (UPDATE platform.restore_jobs SET state = 'Cancelled', cancelled_by = $2, finished_at = $3, cancel_reason = $4
                       WHERE job_id = $1 AND state = 'AwaitingApproval' RETURNING job_id)
            UPDATE platform.restore_job_sites s SET state = 'Cancelled', finished_at = $3 FROM j WHERE s.job_id = j.job_id
            """, why, "restore.cancelled", new { reason = why }, cancellationToken);
        return await GetAsync(job, cancellationToken);
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
            SELECT site_id, state, started_at, finished_at, error, validation::text, target_position, target_time, point_time,
                   expected_state, expected_position, dry_run::text, undo_position, undo_time
            FROM platform.restore_job_sites WHERE job_id = $1 ORDER BY site_id
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
                Time(reader, 2), Time(reader, 3), reader.IsDBNull(4) ? null : reader.GetString(4), validation)
            {
                Point = PointOf(reader, 6, 7),
                PointTime = Time(reader, 8),
                FoundAs = reader.IsDBNull(9) ? null : new RestoreExpectation(Enum.Parse<TenantState>(reader.GetString(9)), reader.GetInt64(10)),
                DryRun = reader.IsDBNull(11) ? null : JsonSerializer.Deserialize<SiteDryRun>(reader.GetString(11), PlatformJson.Options),
                UndoPoint = reader.IsDBNull(12) ? null : RecoveryPoint.AtPosition(reader.GetInt64(12)),
                UndoTime = Time(reader, 13),
            });
        }

        return list;
    }

    /// <summary>
    /// For each of <paramref name="sites"/>, its name in the site directory (null: no such site here) and its place in the
    /// newest restore job that includes it (none: no job ever did). One query however many sites: an incident tracking
    /// 883 sites reads them all at once.
    /// </summary>
    public async Task<IReadOnlyList<SiteRestoreStatus>> LatestForSitesAsync(IReadOnlyList<SiteId> sites, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sites);
        // The site is the tenant: every read below has it in its predicate, and restore_job_sites_by_site (migration
        // 0012) leads with it, so an environment's long history of jobs is not scanned for one incident's sites.
        await using var cmd = _context.Command("""
            WITH latest AS (
                SELECT DISTINCT ON (s.site_id) s.site_id, s.job_id, j.state AS job_state, s.state, s.error, s.finished_at,
                       CASE WHEN s.validation IS NOT NULL THEN coalesce(s.validation -> 'ok' = 'true'::jsonb, false) END AS passed
                FROM platform.restore_job_sites s JOIN platform.restore_jobs j ON j.job_id = s.job_id
                WHERE s.site_id = ANY($1)
                ORDER BY s.site_id, j.created_at DESC, s.job_id DESC)
            SELECT w.site_id, d.name, l.job_id, l.job_state, l.state, l.passed, l.error, d.region, l.finished_at
            FROM unnest($1::text[]) AS w(site_id)
            LEFT JOIN platform.site_directory d ON d.site_id = w.site_id
            LEFT JOIN latest l ON l.site_id = w.site_id
            """);
        cmd.Parameters.Add(new() { Value = sites.Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray() });
        return await ReadStatusesAsync(cmd, cancellationToken);
    }

    /// <summary>
    /// The sites of one job (only <paramref name="sites"/> when given, else every one), each with its name and region in the
    /// site directory, its state in the job, its validation and when it finished. One query: the job and the sites are in its
    /// predicate, on the table's key.
    /// </summary>
    public async Task<IReadOnlyList<SiteRestoreStatus>> SitesOfJobAsync(RestoreJobId job, IReadOnlyList<SiteId>? sites = null, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT s.site_id, d.name, s.job_id, j.state, s.state,
                   CASE WHEN s.validation IS NOT NULL THEN coalesce(s.validation -> 'ok' = 'true'::jsonb, false) END, s.error, d.region, s.finished_at
            FROM platform.restore_job_sites s JOIN platform.restore_jobs j ON j.job_id = s.job_id
            LEFT JOIN platform.site_directory d ON d.site_id = s.site_id
            WHERE s.job_id = $1 AND ($2::text[] IS NULL OR s.site_id = ANY($2))
            ORDER BY s.site_id
            """);
        cmd.Parameters.Add(new() { Value = job.Value });
        cmd.Parameters.Add(new() { Value = (object?)sites?.Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        return await ReadStatusesAsync(cmd, cancellationToken);
    }

    /// <summary>Reads site, name, job, job state, state, whether the validation passed, error, region, finished_at.</summary>
    private static async Task<IReadOnlyList<SiteRestoreStatus>> ReadStatusesAsync(NpgsqlCommand cmd, CancellationToken cancellationToken)
    {
        var list = new List<SiteRestoreStatus>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var state = reader.IsDBNull(4) ? (SiteRestoreState?)null : Enum.Parse<SiteRestoreState>(reader.GetString(4));
            var error = reader.IsDBNull(6) ? null : reader.GetString(6);
            // Whether it passed is read in the database: a validation's findings (every store's digests) are large, and a room
            // polled by many people reads every site's every second.
            bool? passed = reader.IsDBNull(5) ? null : reader.GetBoolean(5);
            if (passed is null && state == SiteRestoreState.Failed && error?.StartsWith($"{Validate}: ", StringComparison.Ordinal) == true)
            {
                // A failed validation travels as the site's error; its findings are not kept as the site's validation.
                passed = false;
            }

            list.Add(new SiteRestoreStatus(SiteId.Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : RestoreJobId.Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : Enum.Parse<RestoreJobState>(reader.GetString(3)),
                state, passed, error)
            {
                Region = reader.IsDBNull(7) ? null : reader.GetString(7),
                FinishedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            });
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
        TimeSpan? remaining = info.State switch
        {
            RestoreJobState.AwaitingApproval => null,
            not RestoreJobState.Running => TimeSpan.Zero,
            _ => finished == 0 ? null : elapsed / finished * left,
        };
        return new RestoreProgress(info, Of(SiteRestoreState.Pending), Of(SiteRestoreState.Restoring), Of(SiteRestoreState.Validating),
            Of(SiteRestoreState.Restored), Of(SiteRestoreState.Failed), elapsed, remaining) { Cancelled = Of(SiteRestoreState.Cancelled) };
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

    /// <summary>The job a store restore ID belongs to: a job restores each of its sites as "&lt;job&gt;/&lt;site&gt;".</summary>
    public static RestoreJobId? JobOfRestore(string? restoreId)
    {
        var parts = restoreId?.Split('/') ?? [];
        return parts.Length == 2 && TypedId.TryParse<RestoreJobId>(parts[0], out var job, out _) && TypedId.TryParse<SiteId>(parts[1], out _, out _)
            ? job
            : null;
    }

    private static string RequireReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw new PlatformException(PlatformErrorKind.Invalid, "a restore job needs a reason (the incident it answers, say).")
            : reason.Trim();

    private async Task TransitionAsync(RestoreJobId job, RestoreJob current, string verb, string sql, string? reason, string eventType, object payload, CancellationToken ct)
    {
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
        await using (var cmd = tx.Command(sql))
        {
            cmd.Parameters.Add(new() { Value = job.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            if (reason is not null)
            {
                cmd.Parameters.Add(new() { Value = reason });
            }

            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"restore job {job} is {(await GetAsync(job, ct)).State}; only a job awaiting approval can be {(verb == "approve" ? "approved" : "cancelled")}." +
                    (verb == "cancel" && current.State != RestoreJobState.AwaitingApproval ? $" A job that has started is retried or undone instead: lifeboat restore retry {job}, lifeboat restore undo {job}." : ""));
            }
        }

        await _context.AppendAsync(tx, _context.Event(eventType, null, job.Value, payload), ct);
        await tx.CommitAsync(ct);
    }

    private static RestoreJob ReadJob(NpgsqlDataReader r)
    {
        var earliest = PointOf(r, 2, 3);
        var latest = r.IsDBNull(4) && r.IsDBNull(5) ? earliest : PointOf(r, 4, 5);
        return new RestoreJob(RestoreJobId.Parse(r.GetString(0)), r.GetString(1), earliest == latest ? earliest.ToString() : $"per site, {earliest} to {latest}",
            earliest, latest, r.GetString(6), r.GetString(7), Enum.Parse<RestoreJobState>(r.GetString(8)), r.GetInt32(9), r.GetFieldValue<DateTimeOffset>(10),
            Time(r, 11),
            r.IsDBNull(12) ? new RestoreDryRun(0, 0, 0, 0, 0, 0) : JsonSerializer.Deserialize<RestoreDryRun>(r.GetString(12), PlatformJson.Options)!,
            new RestoreApproval(JsonSerializer.Deserialize<List<string>>(r.GetString(13))!, r.IsDBNull(14) ? null : r.GetString(14), Time(r, 15)),
            r.IsDBNull(16) ? null : RestoreJobId.Parse(r.GetString(16)), r.IsDBNull(17) ? null : r.GetString(17), r.IsDBNull(18) ? null : r.GetString(18));
    }

    private static RecoveryPoint PointOf(NpgsqlDataReader r, int position, int time) =>
        r.IsDBNull(position) ? RecoveryPoint.AtTime(r.GetFieldValue<DateTimeOffset>(time)) : RecoveryPoint.AtPosition(r.GetInt64(position));

    private static DateTimeOffset? Time(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);
}
