using Lifeboat.Storage.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Storage;

/// <summary>
/// Per-tenant point-in-time restore. Restoring tenant T to point P makes every record and blob of T
/// equal to its state at P by writing new versions with the same IDs. Only T's rows are read or
/// written, and no other tenant's writers ever wait for it. The restore is undone by restoring to
/// its <see cref="RestoreResult.UndoPoint"/>.
/// </summary>
public sealed class TenantRestorer
{
    private readonly StoreContext _context;
    private readonly TenantLifecycle _tenants;

    internal TenantRestorer(StoreContext context, TenantLifecycle tenants)
    {
        _context = context;
        _tenants = tenants;
    }

    /// <summary>
    /// Whether the tenant changed after position $2 but before the window began ($3): then the position is outside
    /// retention. Each table is asked for its first such row in primary-key order (a scalar subquery keeps its
    /// ORDER BY and LIMIT, where EXISTS drops them), so even the generic plan of the prepared statement walks only the
    /// tenant's key range: with EXISTS it chose a scan of the whole table, expecting to meet a match early.
    /// </summary>
    internal const string ChangedBeforeWindowSql = """
        SELECT coalesce((SELECT true FROM lifeboat.records WHERE tenant_id = $1 AND position > $2 AND stamp < $3
                         ORDER BY tenant_id, collection, record_id LIMIT 1), false)
            OR coalesce((SELECT true FROM lifeboat.record_history WHERE tenant_id = $1 AND position > $2 AND stamp < $3
                         ORDER BY tenant_id, collection, record_id, position LIMIT 1), false)
            OR coalesce((SELECT true FROM lifeboat.tenant_history WHERE tenant_id = $1 AND position > $2 AND stamp < $3
                         ORDER BY tenant_id, position LIMIT 1), false)
        """;

    /// <summary>Whether the tenant has a version or a lifecycle change after position $2; the same shape, for the same reason.</summary>
    internal const string WrittenSinceSql = """
        SELECT coalesce((SELECT true FROM lifeboat.records WHERE tenant_id = $1 AND position > $2
                         ORDER BY tenant_id, collection, record_id LIMIT 1), false)
            OR coalesce((SELECT true FROM lifeboat.record_history WHERE tenant_id = $1 AND position > $2
                         ORDER BY tenant_id, collection, record_id, position LIMIT 1), false)
            OR coalesce((SELECT true FROM lifeboat.tenant_history WHERE tenant_id = $1 AND position > $2
                         ORDER BY tenant_id, position LIMIT 1), false)
        """;

    /// <summary>The collections a tenant holds records in: $1 the tenant.</summary>
    internal const string CollectionsSql = "SELECT DISTINCT collection FROM lifeboat.records WHERE tenant_id = $1 ORDER BY 1";

    /// <summary>The tenant's lifecycle state at the point: $1 the tenant, $2 the point.</summary>
    internal static string StateAtSql(RecoveryPoint point) =>
        $"SELECT th.state FROM lifeboat.tenant_history th WHERE th.tenant_id = $1 AND {PointSql.Committed(point, "th", "$2")} AND th.state <> 'Purged' ORDER BY th.position DESC LIMIT 1";

    /// <summary>The dry run's statement: $1 tenant, $2 point, $3 collections, $4 records.</summary>
    internal static string PreviewSql(RecoveryPoint point) => $"""
        WITH {Sql.Targets(point)}
        SELECT collection,
               count(*) FILTER (WHERE NOT now_deleted AND NOT to_deleted)::int,
               count(*) FILTER (WHERE now_deleted AND NOT to_deleted)::int,
               count(*) FILTER (WHERE NOT now_deleted AND to_deleted)::int,
               coalesce(sum(to_size) FILTER (WHERE NOT to_deleted), 0)::bigint
        FROM targets WHERE changes
        GROUP BY collection ORDER BY collection
        """;

    /// <summary>One chunk of a restore (see <see cref="Sql.RestoreChunk"/>).</summary>
    internal static string RestoreChunkSql(RecoveryPoint point) => Sql.RestoreChunk(point);

    /// <summary>The dry run: what restoring would change, per collection. Nothing is written.</summary>
    public async Task<RestorePreview> PreviewAsync(TenantId tenant, RecoveryPoint point, CancellationToken cancellationToken = default)
    {
        var info = await ValidateAsync(tenant, point, cancellationToken);
        await using var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
#pragma warning disable CA2100 // assembled from the constant fragments of Sql
        await using var cmd = new NpgsqlCommand(PreviewSql(point), connection);
#pragma warning restore CA2100
        Sql.AddTargetParameters(cmd, tenant, point, null);
        var changes = await ReadChanges(cmd, cancellationToken);
        var stateAtPoint = await StateAtAsync(connection, null, tenant, point, cancellationToken);
        return new RestorePreview(tenant, point, info.State, stateAtPoint, changes);
    }

    /// <summary>Restores every collection and blob of the tenant, and its lifecycle state, to the point.</summary>
    public async Task<RestoreResult> RestoreAsync(TenantId tenant, RecoveryPoint point, CancellationToken cancellationToken = default)
    {
        var restore = await BeginAsync(tenant, point, null, cancellationToken);
        try
        {
            await restore.RestoreRecordsAsync(null, cancellationToken);
        }
        catch (Exception e) when (e is BlobIntegrityException || !restore.HasCommittedRecords)
        {
            // Nothing was changed (a missing blob rolls the whole step back; any other failure came before
            // the first chunk committed): hand the tenant back as it was. After a later failure the tenant
            // stays Restoring, closed to writers, until the restore is resumed with its ID.
            await restore.ReleaseUnchangedAsync(CancellationToken.None);
            throw;
        }

        return await restore.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the tenant for a restore that runs in steps (several collections, several workers).
    /// The tenant is Restoring until <see cref="TenantRestore.CompleteAsync(CancellationToken)"/>: readable, closed to
    /// every other writer. Passing the ID of an unfinished restore resumes it.
    /// </summary>
    public Task<TenantRestore> BeginAsync(TenantId tenant, RecoveryPoint point, string? restoreId = null, CancellationToken cancellationToken = default) =>
        BeginAsync(tenant, point, restoreId, null, cancellationToken);

    /// <summary>
    /// As <see cref="BeginAsync(TenantId, RecoveryPoint, string?, CancellationToken)"/>; a new restore (not a resumed one) first
    /// checks, under the tenant's exclusive lock, that the tenant is still as <paramref name="expected"/> found it: in the same
    /// state and not written since. If not, it throws <see cref="TenantChangedException"/> and changes nothing.
    /// </summary>
    public async Task<TenantRestore> BeginAsync(TenantId tenant, RecoveryPoint point, string? restoreId, RestoreExpectation? expected,
        CancellationToken cancellationToken = default)
    {
        await ValidateAsync(tenant, point, cancellationToken, resuming: restoreId);
        var id = restoreId ?? SortableIds.New("rst", _context.Time);
        await using var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // Exclusive on the tenant: every in-flight write of the tenant commits before the restore owns it.
        await Exec(connection, tx, "SELECT pg_advisory_xact_lock(lifeboat.tenant_lock_key($1))", cancellationToken, tenant.Value);
        string state;
        string? owner;
        await using (var cmd = new NpgsqlCommand("SELECT state, restore_id FROM lifeboat.tenants WHERE tenant_id = $1 FOR UPDATE", connection, tx))
        {
            cmd.Parameters.Add(new() { Value = tenant.Value });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            state = reader.GetString(0);
            owner = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        if (owner is not null)
        {
            var running = await GetAsync(owner, cancellationToken);
            if (!string.Equals(owner, restoreId, StringComparison.Ordinal))
            {
                throw new RestoreInProgressException(tenant, owner,
                    $"tenant {tenant} is already being restored by {owner} (to {running?.Point}, started {running?.StartedAt:u} by {running?.Actor}). " +
                    $"Two restores of one tenant never run at once: wait for it to complete, or if its process stopped, resume it with restore ID {owner}.");
            }

            if (running is null || running.Point != point)
            {
                throw new RecoveryPointException(
                    $"restore {owner} of tenant {tenant} was started to {running?.Point}; resume it with that point, not {point}.");
            }

            await tx.CommitAsync(cancellationToken);
            return new TenantRestore(this, _context, running);
        }

        if (restoreId is not null && await GetAsync(restoreId, cancellationToken) is { } finished)
        {
            throw new RecoveryPointException($"restore {restoreId} of tenant {finished.Tenant} already finished ({finished.Outcome}); start a new restore instead.");
        }

        if (expected is not null)
        {
            await RequireUnchangedAsync(connection, tx, tenant, Enum.Parse<TenantState>(state), expected, cancellationToken);
        }

        var pos = await Scalar<long>(connection, tx, "SELECT pos FROM lifeboat.take_position()", cancellationToken);
        var started = _context.Time.GetUtcNow();
        await Exec(connection, tx, """
            INSERT INTO lifeboat.restores (restore_id, tenant_id, target_position, target_time, undo_position, prior_state, actor, started_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, cancellationToken, id, tenant.Value, (object?)point.Position ?? DBNull.Value, (object?)point.Time ?? DBNull.Value, pos, state, _context.Actor, started);
        // The fence: a transaction that took its position before this one can no longer write the tenant.
        await Exec(connection, tx, "UPDATE lifeboat.tenants SET restore_id = $2, fence_position = $3 WHERE tenant_id = $1", cancellationToken, tenant.Value, id, pos);
        await tx.CommitAsync(cancellationToken);
        return new TenantRestore(this, _context, new RestoreInfo(id, tenant, point, RecoveryPoint.AtPosition(pos), Enum.Parse<TenantState>(state), _context.Actor, started, null, null));
    }

    /// <summary>
    /// When the transaction that took <paramref name="position"/> committed (null: it has not, it
    /// rolled back, or it committed before the store kept commit times). A restore to that time
    /// includes the transaction; a version's stamp is earlier, taken before the commit.
    /// </summary>
    public async Task<DateTimeOffset?> CommittedAtAsync(long position, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT k.committed_at FROM lifeboat.commits k WHERE k.position = $1");
        cmd.Parameters.Add(new() { Value = position });
        return await cmd.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// The tenant as it is now, for a restore that will begin later (<see cref="BeginAsync(TenantId, RecoveryPoint, string?, RestoreExpectation?, CancellationToken)"/>):
    /// its state and the latest commit position. Read under the tenant's exclusive lock, so every write of the tenant that
    /// committed before has a position at or below it, and every later one a position above it.
    /// </summary>
    public async Task<RestoreExpectation> ExpectAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await Exec(connection, tx, "SELECT pg_advisory_xact_lock(lifeboat.tenant_lock_key($1))", cancellationToken, tenant.Value);
        RestoreExpectation? expectation = null;
        await using (var cmd = new NpgsqlCommand("""
            SELECT CASE WHEN restore_id IS NULL THEN state ELSE 'Restoring' END,
                   (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM lifeboat.commit_position)
            FROM lifeboat.tenants WHERE tenant_id = $1
            """, connection, tx))
        {
            cmd.Parameters.Add(new() { Value = tenant.Value });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                expectation = new RestoreExpectation(Enum.Parse<TenantState>(reader.GetString(0)), reader.GetInt64(1));
            }
        }

        if (expectation is null)
        {
            throw new TenantNotFoundException(tenant, $"tenant {tenant} does not exist. Check the tenant ID.");
        }

        if (expectation.State != TenantState.Purged)
        {
            // The fence moves to the expectation's position: a transaction that took an older position (it wrote another
            // tenant first) is refused when it comes to write this one, and retries with a position above the expectation.
            await Exec(connection, tx, "UPDATE lifeboat.tenants SET fence_position = greatest(fence_position, $2) WHERE tenant_id = $1", cancellationToken,
                tenant.Value, expectation.Position);
        }

        await tx.CommitAsync(cancellationToken);
        return expectation;
    }

    /// <summary>Throws the error a restore of the tenant to the point would meet (future, before the tenant, outside retention, purged).</summary>
    public async Task CheckPointAsync(TenantId tenant, RecoveryPoint point, CancellationToken cancellationToken = default) =>
        await ValidateAsync(tenant, point, cancellationToken);

    public async Task<RestoreInfo?> GetAsync(string restoreId, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT restore_id, tenant_id, target_position, target_time, undo_position, prior_state, actor, started_at, finished_at, outcome
            FROM lifeboat.restores WHERE restore_id = $1
            """);
        cmd.Parameters.Add(new() { Value = restoreId });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var point = reader.IsDBNull(2) ? RecoveryPoint.AtTime(reader.GetFieldValue<DateTimeOffset>(3)) : RecoveryPoint.AtPosition(reader.GetInt64(2));
        return new RestoreInfo(reader.GetString(0), TenantId.Parse(reader.GetString(1)), point, RecoveryPoint.AtPosition(reader.GetInt64(4)),
            Enum.Parse<TenantState>(reader.GetString(5)), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7),
            reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9));
    }

    /// <summary>
    /// Refuses points the store cannot restore exactly: in the future, before the tenant existed,
    /// or before the retention window (whose history may be compacted); and purged tenants.
    /// </summary>
    internal async Task<TenantInfo> ValidateAsync(TenantId tenant, RecoveryPoint point, CancellationToken ct, string? resuming = null)
    {
        var info = await _tenants.GetAsync(tenant, ct);
        if (info.State == TenantState.Purged)
        {
            throw new TenantStateException(tenant, TenantState.Purged, $"tenant {tenant} is Purged: its data was removed, so it cannot be restored from the store.");
        }

        // The tenant exists at a time only once its creation had committed, which is after its stamp.
        await using var cmd = _context.Command("""
            SELECT clock_timestamp(), (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM lifeboat.commit_position),
                   (SELECT k.committed_at FROM lifeboat.commits k WHERE k.position = $1)
            """);
        cmd.Parameters.Add(new() { Value = info.CreatedPosition });
        DateTimeOffset createdAt;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            var dbNow = reader.GetFieldValue<DateTimeOffset>(0);
            var latest = reader.GetInt64(1);
            createdAt = reader.IsDBNull(2) ? info.CreatedAt : reader.GetFieldValue<DateTimeOffset>(2);
            if (point.Position > latest)
            {
                throw new RecoveryPointException($"{point} is in the future: the latest commit position is {latest}.");
            }

            if (point.Time > dbNow)
            {
                throw new RecoveryPointException($"{point} is in the future: the database clock reads {dbNow:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}.");
            }
        }

        if (point.Position < info.CreatedPosition || point.Time < createdAt)
        {
            throw new RecoveryPointException(
                $"tenant {tenant} did not exist yet at {point}: it was created at position {info.CreatedPosition} (committed {createdAt:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}).");
        }

        var window = _context.Options.RetentionWindow;
        var cutoff = _context.Time.GetUtcNow() - window;
        var outside = point.Time < cutoff;
        if (point.Position is { } p && !outside && resuming is null)
        {
            // A position is before the window when the tenant changed after it but before the window began.
            await using var older = _context.Command(ChangedBeforeWindowSql);
            older.Parameters.Add(new() { Value = tenant.Value });
            older.Parameters.Add(new() { Value = p });
            older.Parameters.Add(new() { Value = cutoff });
            outside = (bool)(await older.ExecuteScalarAsync(ct))!;
        }

        if (outside)
        {
            throw new RecoveryPointException(
                $"{point} is outside the retention window of {window.TotalDays:0.##} days: tenant {tenant} can be restored to {cutoff:yyyy-MM-dd'T'HH:mm:ss'Z'} or later.");
        }

        return info;
    }

    /// <summary>
    /// Restores the records in chunks of <see cref="StoreOptions.RestoreChunkSize"/> records, each chunk
    /// its own transaction, walking the tenant's primary key. A chunk is a bounded amount of
    /// work and WAL, so other tenants' commits never wait behind the flush of one huge transaction,
    /// and the progress of a long restore survives a crash (resuming skips what already equals the point).
    /// When a chunk needs a blob file that is missing, it is rolled back and the chunks this call
    /// already committed are put back as they were, so the call changes nothing.
    /// </summary>
    internal async Task<IReadOnlyList<CollectionChange>> RestoreRecordsAsync(RestoreInfo restore, IReadOnlyCollection<string>? collections,
        IReadOnlyCollection<string>? records, Action committed, CancellationToken ct)
    {
        var changes = new SortedDictionary<string, CollectionChange>(StringComparer.Ordinal);
        long? firstPosition = null;
        try
        {
            await RestoreChunksAsync(restore, restore.Point, collections, records, checkBlobs: true, chunk =>
            {
                committed();
                firstPosition ??= chunk.Position;
                foreach (var c in chunk.Changes)
                {
                    changes[c.Collection] = changes.TryGetValue(c.Collection, out var sum)
                        ? new CollectionChange(c.Collection, sum.Reverted + c.Reverted, sum.Undeleted + c.Undeleted, sum.Deleted + c.Deleted, sum.BlobBytes + c.BlobBytes)
                        : c;
                }
            }, ct);
        }
        catch (MissingBlobsException missing)
        {
            if (firstPosition is { } first)
            {
                // Only this restore writes the tenant, so every version from this call's first position on is
                // this call's: restoring the records to the position before it puts them back as they were.
                await RestoreChunksAsync(restore, RecoveryPoint.AtPosition(first - 1), collections, records, checkBlobs: false, _ => { }, CancellationToken.None);
            }

            throw new BlobIntegrityException(
                $"restoring tenant {restore.Tenant} to {restore.Point} needs {(missing.MoreUnchecked ? "at least " : "")}{missing.Files.Count} blob file(s) that are missing from {_context.Options.BlobDirectory} (first: {_context.BlobFiles.PathOf(missing.Files[0])}). " +
                "Nothing was changed. Put the files back from a backup, then run the restore again.");
        }

        return [.. changes.Values];
    }

    private async Task RestoreChunksAsync(RestoreInfo restore, RecoveryPoint to, IReadOnlyCollection<string>? collections,
        IReadOnlyCollection<string>? records, bool checkBlobs,
        Action<ChunkResult> committed, CancellationToken ct)
    {
        var chunkSize = _context.Options.RestoreChunkSize;
        var blobs = _context.BlobFiles;
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
#pragma warning disable CA2100 // assembled from the constant fragments of Sql
        await using var cmd = new NpgsqlCommand(Sql.RestoreChunk(to), connection);
#pragma warning restore CA2100
        Sql.AddTargetParameters(cmd, restore.Tenant, to, collections, records);
        var afterCollection = new NpgsqlParameter { Value = "", NpgsqlDbType = NpgsqlDbType.Text };
        var afterRecord = new NpgsqlParameter { Value = "", NpgsqlDbType = NpgsqlDbType.Text };
        cmd.Parameters.Add(afterCollection);
        cmd.Parameters.Add(afterRecord);
        cmd.Parameters.Add(new() { Value = chunkSize });
        cmd.Parameters.Add(new() { Value = $"restore:{restore.RestoreId}" });
        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            cmd.Transaction = tx;
            // Every chunk but the last commits without waiting for the disk; the last one's durable commit
            // flushes all the WAL before it, so the step returns only once every chunk is durable, and a crash
            // before then loses only chunks that resuming the restore writes again.
            var position = await Errors.Gated(_context, restore.Tenant, () => Scalar<long>(connection, tx,
                "SELECT pos FROM lifeboat.gate_write($1, $2), set_config('synchronous_commit', 'off', true)", ct, restore.Tenant.Value, restore.RestoreId));
            var changes = new List<CollectionChange>();
            var missing = new List<string>();
            var candidates = 0L;
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    afterCollection.Value = reader.GetString(0);
                    afterRecord.Value = reader.GetString(1);
                    candidates = reader.GetInt64(2);
                    if (reader.IsDBNull(3))
                    {
                        continue; // the chunk's records already equal the point
                    }

                    changes.Add(new CollectionChange(reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt64(7)));
                    if (checkBlobs && !reader.IsDBNull(8))
                    {
                        missing.AddRange(reader.GetFieldValue<byte[][]>(8).Select(Convert.ToHexStringLower).Where(sha => !blobs.IsInPlace(sha)));
                    }
                }
            }

            if (missing.Count > 0)
            {
                // Rolled back with the transaction; the caller puts back what earlier chunks wrote.
                throw new MissingBlobsException(missing, moreUnchecked: candidates == chunkSize);
            }

            var last = candidates < chunkSize;
            if (last)
            {
                // The last commit waits for the disk. Taking a transaction ID makes sure it writes a commit
                // record to flush, even when this chunk wrote nothing.
                await Exec(connection, tx, "SELECT set_config('synchronous_commit', 'on', true), pg_current_xact_id()", ct);
            }

            await tx.CommitAsync(ct);
            committed(new ChunkResult(position, changes));
            if (last)
            {
                return;
            }

            if (_context.Options.RestorePause > TimeSpan.Zero)
            {
                // Real time, not the store's clock: the pause is about the load on this machine, not about policy.
                await Task.Delay(_context.Options.RestorePause, ct);
            }
        }
    }

    internal async Task<(TenantState Before, TenantState After)> CompleteAsync(RestoreInfo restore, bool includeLifecycle, CancellationToken ct)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Exec(connection, tx, "SELECT pg_advisory_xact_lock(lifeboat.tenant_lock_key($1))", ct, restore.Tenant.Value);
        var owner = await Scalar<string?>(connection, tx, "SELECT restore_id FROM lifeboat.tenants WHERE tenant_id = $1 FOR UPDATE", ct, restore.Tenant.Value);
        if (!string.Equals(owner, restore.RestoreId, StringComparison.Ordinal))
        {
            throw new RestoreInProgressException(restore.Tenant, owner ?? "",
                $"restore {restore.RestoreId} no longer owns tenant {restore.Tenant} (owner: {owner ?? "none"}); it was already completed.");
        }

        var before = Enum.Parse<TenantState>((await Scalar<string>(connection, tx, "SELECT state FROM lifeboat.tenants WHERE tenant_id = $1", ct, restore.Tenant.Value))!);
        var after = includeLifecycle ? await StateAtAsync(connection, tx, restore.Tenant, restore.Point, ct) : before;
        if (after != before)
        {
            // History first, in a statement of its own: the database accepts a change of state only when its history row is already there.
            await Exec(connection, tx, """
                INSERT INTO lifeboat.tenant_history (tenant_id, position, stamp, state, actor, reason)
                SELECT $1, g.pos, g.stamp, $2, $3, $4 FROM lifeboat.take_position() g
                """, ct, restore.Tenant.Value, after.ToString(), $"restore:{restore.RestoreId}", $"restored to {restore.Point}");
            await Exec(connection, tx, """
                UPDATE lifeboat.tenants t SET state = $2, state_position = g.pos, state_changed_at = g.stamp FROM lifeboat.take_position() g WHERE t.tenant_id = $1
                """, ct, restore.Tenant.Value, after.ToString());
        }

        // The fence moves past every chunk the restore wrote: a writer holding an older position retries.
        await Exec(connection, tx, "UPDATE lifeboat.tenants SET restore_id = NULL, fence_position = (SELECT pos FROM lifeboat.take_position()) WHERE tenant_id = $1", ct,
            restore.Tenant.Value);
        await Exec(connection, tx, "UPDATE lifeboat.restores SET finished_at = $2, outcome = 'completed' WHERE restore_id = $1", ct,
            restore.RestoreId, _context.Time.GetUtcNow());
        await tx.CommitAsync(ct);
        return (before, after);
    }

    /// <summary>Hands the tenant back when the restore wrote nothing (its only step failed and rolled back).</summary>
    internal async Task ReleaseUnchangedAsync(RestoreInfo restore, CancellationToken ct)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Exec(connection, tx, "SELECT pg_advisory_xact_lock(lifeboat.tenant_lock_key($1))", ct, restore.Tenant.Value);
        await Exec(connection, tx, "UPDATE lifeboat.tenants SET restore_id = NULL WHERE tenant_id = $1 AND restore_id = $2", ct, restore.Tenant.Value, restore.RestoreId);
        await Exec(connection, tx, "UPDATE lifeboat.restores SET finished_at = $2, outcome = 'failed' WHERE restore_id = $1", ct, restore.RestoreId, _context.Time.GetUtcNow());
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Refuses to begin when the tenant is no longer as the caller found it. "Written since" reads only the tenant's own
    /// primary-key ranges (tenant first in every key), never other tenants' rows.
    /// </summary>
    private static async Task RequireUnchangedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, TenantId tenant, TenantState now, RestoreExpectation expected,
        CancellationToken ct)
    {
        var written = await Scalar<bool>(connection, tx, WrittenSinceSql, ct, tenant.Value, expected.Position);
        if (now == expected.State && !written)
        {
            return;
        }

        var what = new List<string>();
        if (now != expected.State)
        {
            what.Add($"it is {now} now, not {expected.State}");
        }

        if (written)
        {
            what.Add($"it has writes after position {expected.Position}");
        }

        throw new TenantChangedException(tenant, now, expected,
            $"tenant {tenant} changed after this restore was prepared: {string.Join(", and ", what)}. Nothing was restored.");
    }

    private static async Task<TenantState> StateAtAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, TenantId tenant, RecoveryPoint point, CancellationToken ct)
    {
        var state = await Scalar<string>(connection, tx, StateAtSql(point), ct, tenant.Value, PointSql.Value(point));
        return Enum.Parse<TenantState>(state!);
    }

    private static async Task<List<CollectionChange>> ReadChanges(NpgsqlCommand cmd, CancellationToken ct)
    {
        var changes = new List<CollectionChange>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            changes.Add(new CollectionChange(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt64(4)));
        }

        return changes;
    }

    private static async Task Exec(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] parameters)
    {
#pragma warning disable CA2100 // constant SQL of this class
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
#pragma warning restore CA2100
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new() { Value = p });
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T?> Scalar<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] parameters)
    {
#pragma warning disable CA2100 // constant SQL of this class
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
#pragma warning restore CA2100
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new() { Value = p });
        }

        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull or null ? default : (T)value;
    }

    /// <summary>
    /// The restore's one query shape. Only records whose current version is newer than the point can
    /// differ from their state at the point; for each, the version in force at the point is one
    /// index lookup into history (none: the record was born after the point, so it becomes a tombstone).
    /// Parameters: $1 tenant, $2 point, $3 collections (null: all), $4 record IDs (null: all); chunks
    /// add $5, $6 (the key to continue after), $7 (records per chunk) and $8 (the actor).
    /// </summary>
    private static class Sql
    {
        public static string Targets(RecoveryPoint point, bool chunked = false)
        {
            var newer = $"NOT {PointSql.Committed(point, "c", "$2")}";
            var atPoint = PointSql.Committed(point, "h", "$2");
            // A chunk continues after the last key of the previous one, in primary-key order, so it reads
            // only the tenant's own index range and no record twice.
            var chunk = chunked
                ? "AND (c.collection, c.record_id) > ($5, $6) ORDER BY c.collection, c.record_id LIMIT $7"
                : "";
            return $"""
                candidates AS {(chunked ? "MATERIALIZED " : "")}(
                    SELECT c.ctid AS row_id, c.tenant_id, c.collection, c.record_id, c.deleted, c.doc, c.blob_sha256
                    FROM lifeboat.records c
                    WHERE c.tenant_id = $1 AND {newer} AND ($3::text[] IS NULL OR c.collection = ANY($3))
                      AND ($4::text[] IS NULL OR c.record_id = ANY($4))
                    {chunk}),
                targets AS (
                    SELECT c.row_id, c.collection, c.record_id, c.deleted AS now_deleted,
                           coalesce(v.deleted, true) AS to_deleted, v.doc AS to_doc, v.ix1 AS to_ix1, v.ix2 AS to_ix2, v.ix3 AS to_ix3,
                           v.blob_sha256 AS to_sha, v.blob_size AS to_size,
                           (c.deleted, c.doc, c.blob_sha256) IS DISTINCT FROM (coalesce(v.deleted, true), v.doc, v.blob_sha256) AS changes
                    FROM candidates c
                    LEFT JOIN LATERAL (
                        SELECT h.deleted, h.doc, h.ix1, h.ix2, h.ix3, h.blob_sha256, h.blob_size
                        FROM lifeboat.record_history h
                        WHERE h.tenant_id = c.tenant_id AND h.collection = c.collection AND h.record_id = c.record_id AND {atPoint}
                        ORDER BY h.position DESC LIMIT 1) v ON true)
                """;
        }

        /// <summary>
        /// Writes one chunk: each changing record gets its version at the point, found by its row
        /// address read in the same statement. Returns one row per collection changed, each with the
        /// chunk's last key and its number of candidates; a single row with no collection when
        /// nothing in the chunk changed; no row when no candidate is left.
        /// </summary>
        public static string RestoreChunk(RecoveryPoint point) => $"""
            WITH {Targets(point, chunked: true)},
            g AS (SELECT * FROM lifeboat.take_position()),
            upd AS (
                UPDATE lifeboat.records r SET position = g.pos, stamp = g.stamp, actor = $8, deleted = t.to_deleted, doc = t.to_doc,
                    ix1 = t.to_ix1, ix2 = t.to_ix2, ix3 = t.to_ix3, blob_sha256 = t.to_sha, blob_size = t.to_size
                FROM g, targets t
                WHERE t.changes AND r.ctid = t.row_id
                RETURNING r.collection, t.now_deleted, r.deleted, r.blob_size, r.blob_sha256)
            SELECT l.collection, l.record_id, l.candidates, u.collection, u.reverted, u.undeleted, u.deleted, u.blob_bytes, u.blobs
            FROM (SELECT collection, record_id, count(*) OVER () AS candidates FROM candidates
                  ORDER BY collection DESC, record_id DESC LIMIT 1) l
            LEFT JOIN (
                SELECT collection,
                       count(*) FILTER (WHERE NOT now_deleted AND NOT deleted)::int AS reverted,
                       count(*) FILTER (WHERE now_deleted AND NOT deleted)::int AS undeleted,
                       count(*) FILTER (WHERE NOT now_deleted AND deleted)::int AS deleted,
                       coalesce(sum(blob_size) FILTER (WHERE NOT deleted), 0)::bigint AS blob_bytes,
                       array_agg(DISTINCT blob_sha256) FILTER (WHERE blob_sha256 IS NOT NULL) AS blobs
                FROM upd GROUP BY collection) u ON true
            ORDER BY u.collection
            """;

        public static void AddTargetParameters(NpgsqlCommand cmd, TenantId tenant, RecoveryPoint point, IReadOnlyCollection<string>? collections,
            IReadOnlyCollection<string>? records = null)
        {
            cmd.Parameters.Add(new() { Value = tenant.Value });
            cmd.Parameters.Add(PointSql.Parameter(point));
            cmd.Parameters.Add(new() { Value = (object?)collections?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = (object?)records?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }
    }
}

/// <summary>What one committed chunk of a restore wrote, at which commit position.</summary>
internal sealed record ChunkResult(long Position, IReadOnlyList<CollectionChange> Changes);

/// <summary>A chunk needs blob files that are missing; <see cref="MoreUnchecked"/> when records after it were not checked.</summary>
internal sealed class MissingBlobsException(IReadOnlyList<string> files, bool moreUnchecked) : Exception("blob files missing")
{
    public IReadOnlyList<string> Files { get; } = files;

    public bool MoreUnchecked { get; } = moreUnchecked;
}

/// <summary>
/// A restore in progress. Its steps are idempotent: running a step again after a crash finds the
/// records already equal to the point and writes nothing more.
/// </summary>
public sealed class TenantRestore
{
    private readonly TenantRestorer _restorer;
    private readonly StoreContext _context;
    private readonly List<CollectionChange> _changes = [];
    private readonly long _startedTimestamp;

    internal TenantRestore(TenantRestorer restorer, StoreContext context, RestoreInfo info)
    {
        _restorer = restorer;
        _context = context;
        Info = info;
        _startedTimestamp = context.Time.GetTimestamp();
    }

    public RestoreInfo Info { get; }

    public string RestoreId => Info.RestoreId;

    public TenantId Tenant => Info.Tenant;

    /// <summary>Whether a chunk of this restore's records has committed (then a failure cannot simply hand the tenant back).</summary>
    internal bool HasCommittedRecords { get; private set; }

    /// <summary>The collections the tenant holds records in (live or tombstoned), to split a restore into steps.</summary>
    public async Task<IReadOnlyList<string>> CollectionsAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command(TenantRestorer.CollectionsSql);
        cmd.Parameters.Add(new() { Value = Tenant.Value });
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    /// <summary>Restores the records (and blob references) of the given collections, or of all when null.</summary>
    public Task<IReadOnlyList<CollectionChange>> RestoreRecordsAsync(IReadOnlyCollection<string>? collections, CancellationToken cancellationToken = default) =>
        RestoreRecordsAsync(collections, null, cancellationToken);

    /// <summary>Restores only the given records (by ID) of the given collections: the undo of a change to a few records.</summary>
    public async Task<IReadOnlyList<CollectionChange>> RestoreRecordsAsync(IReadOnlyCollection<string>? collections, IReadOnlyCollection<string>? records,
        CancellationToken cancellationToken = default)
    {
        var changes = await _restorer.RestoreRecordsAsync(Info, collections, records, () => HasCommittedRecords = true, cancellationToken);
        _changes.AddRange(changes);
        return changes;
    }

    /// <summary>Sets the lifecycle state the tenant had at the point and opens it to writers again.</summary>
    public Task<RestoreResult> CompleteAsync(CancellationToken cancellationToken = default) => CompleteAsync(includeLifecycle: true, cancellationToken);

    /// <summary>
    /// Opens the tenant to writers again; with <paramref name="includeLifecycle"/> false its lifecycle
    /// state is left as it is (a restore of a few records, not of the tenant).
    /// </summary>
    public async Task<RestoreResult> CompleteAsync(bool includeLifecycle, CancellationToken cancellationToken = default)
    {
        var (before, after) = await _restorer.CompleteAsync(Info, includeLifecycle, cancellationToken);
        var merged = _changes.GroupBy(c => c.Collection, StringComparer.Ordinal)
            .Select(g => new CollectionChange(g.Key, g.Sum(c => c.Reverted), g.Sum(c => c.Undeleted), g.Sum(c => c.Deleted), g.Sum(c => c.BlobBytes)))
            .OrderBy(c => c.Collection, StringComparer.Ordinal).ToList();
        return new RestoreResult(RestoreId, Tenant, Info.Point, Info.UndoPoint, before, after, merged, _context.Time.GetElapsedTime(_startedTimestamp));
    }

    internal Task ReleaseUnchangedAsync(CancellationToken ct) => _restorer.ReleaseUnchangedAsync(Info, ct);
}
