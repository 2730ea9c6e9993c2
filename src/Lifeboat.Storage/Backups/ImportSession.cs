using System.Threading.Channels;
using Lifeboat.Storage.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Storage.Backups;

/// <summary>
/// Brings exported versions back into a store that lacks them, in one transaction: stage the files,
/// ask which blob files are needed, put them in place, then commit. Only rows that are missing are
/// inserted, and they go in through the same versioning trigger as every write: a version older
/// than a record's current one goes to history, a newer one becomes current and the one it
/// supersedes moves to history. Nothing is deleted or overwritten, so the removal guard never fires.
/// A tenant purged on purpose (erasure, or deleted beyond the retention window) is never brought back.
/// </summary>
public sealed class ImportSession : IAsyncDisposable
{
    private const string Columns = "tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size";

    private readonly StoreContext _context;
    private readonly ImportScope _scope;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private bool _prepared;
    private bool _inserted;
    private long _versions;
    private long _tableRows;
    private int _tenantsCreated;
    private long _lifecycleChanges;
    private List<TenantId> _purged = [];
    private BlobPin? _pin;
    private List<string> _referencedBlobs = [];

    private ImportSession(StoreContext context, ImportScope scope, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _context = context;
        _scope = scope;
        _connection = connection;
        _transaction = transaction;
    }

    internal static async Task<ImportSession> BeginAsync(StoreContext context, ImportScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        // Versions come back at the positions they had, which only the owner role may write.
        var connection = await (context.OwnerDataSource ?? context.DataSource).OpenConnectionAsync(ct);
        try
        {
            await using (var trusted = new NpgsqlCommand("SELECT lifeboat.session_is_trusted()", connection))
            {
                if (!(bool)(await trusted.ExecuteScalarAsync(ct))!)
                {
                    throw new StoreConfigurationException(
                        "importing from a backup writes versions at the positions they had, which only the database's owner role may do, and this store runs as its application role. " +
                        "Nothing was imported. The embedded server gives the store both roles; with a server of your own, set LIFEBOAT_OWNER_CONNECTION to the owner's connection string.");
                }
            }

            var tx = await connection.BeginTransactionAsync(ct);
            var session = new ImportSession(context, scope, connection, tx);
            // The staged versions are as large as the backup: held in memory they are not written to disk and read back
            // (the setting takes effect only before the session's first temporary table, and is reset when the connection returns to the pool).
            await session.ExecAsync("""
                SET temp_buffers = '256MB';
                CREATE TEMP TABLE lb_import_lines (ordinal int NOT NULL, line jsonb NOT NULL) ON COMMIT DROP;
                CREATE TEMP TABLE lb_import_raw (LIKE lifeboat.records) ON COMMIT DROP;
                CREATE TEMP TABLE lb_import_versions (LIKE lifeboat.records, PRIMARY KEY (tenant_id, collection, record_id, position)) ON COMMIT DROP;
                CREATE TEMP TABLE lb_import_tenants (tenant_id text PRIMARY KEY, created_position bigint NOT NULL, created_at timestamptz NOT NULL) ON COMMIT DROP;
                CREATE TEMP TABLE lb_import_allowed (tenant_id text PRIMARY KEY, purged boolean NOT NULL) ON COMMIT DROP;
                CREATE TEMP TABLE lb_import_commits (position bigint PRIMARY KEY, committed_at timestamptz NULL) ON COMMIT DROP;
                """, ct);
            await session.GuardAsync(ct);
            return session;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stages tagged table rows (a backup's store or platform file); <paramref name="ordinal"/> orders the backups of a chain.</summary>
    public async Task StageRowsAsync(Stream rows, int ordinal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        RequireNotPrepared();
        await using var import = await _connection.BeginBinaryImportAsync("COPY lb_import_lines (ordinal, line) FROM STDIN (FORMAT BINARY)", cancellationToken);
        await foreach (var line in Ndjson.ReadLinesAsync(rows, cancellationToken))
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(ordinal, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(line, NpgsqlDbType.Jsonb, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>Stages a backup's versions: those of the scope's tenant, at or before the scope's point.</summary>
    /// <remarks><paramref name="progress"/> hears the number of lines read so far, every 10,000.</remarks>
    public async Task<long> StageVersionsAsync(Stream versions, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versions);
        RequireNotPrepared();
        var tenant = _scope.Tenant?.Value;
        long lines = 0;
        // Reading and decoding the lines (gunzip, JSON) runs beside the COPY that sends them: one waits on the CPU, the other on the server.
        var decoded = Channel.CreateBounded<VersionLines.Version>(new BoundedChannelOptions(4_096) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var line in Ndjson.ReadLinesAsync(versions, stop.Token))
                {
                    if (++lines % 10_000 == 0)
                    {
                        progress?.Report(lines);
                    }

                    var version = VersionLines.Decode(line);
                    // An environment backup holds every tenant: skip the others before they reach the database.
                    if (tenant is null || string.Equals(version.TenantId, tenant, StringComparison.Ordinal))
                    {
                        await decoded.Writer.WriteAsync(version, stop.Token);
                    }
                }

                decoded.Writer.Complete();
            }
            catch (Exception e)
            {
                decoded.Writer.Complete(e);
                throw;
            }
        }, stop.Token);
        try
        {
            await using var import = await _connection.BeginBinaryImportAsync($"COPY lb_import_raw ({VersionLines.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            await foreach (var version in decoded.Reader.ReadAllAsync(cancellationToken))
            {
                await VersionLines.WriteAsync(import, version, cancellationToken);
            }

            await reading;
            await import.CompleteAsync(cancellationToken);
        }
        catch
        {
            await stop.CancelAsync();
            await Task.WhenAny(reading); // the reader's own failure, if it is not the one already thrown, adds nothing
            throw;
        }

        progress?.Report(lines);
        await StageCommitTimesAsync(cancellationToken);
        await using var move = Command($"""
            WITH ins AS (
                INSERT INTO lb_import_versions ({Columns})
                SELECT {Columns} FROM lb_import_raw v
                WHERE {PointFilter("v.position", "v.stamp")}
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*) FROM ins
            """);
        AddPoint(move);
        var staged = (long)(await move.ExecuteScalarAsync(cancellationToken))!;
        await ExecAsync("TRUNCATE lb_import_raw", cancellationToken);
        return staged;
    }

    /// <summary>
    /// Adds the tenants and lifecycle history the import lacks (inside the transaction, not yet
    /// committed) and returns the SHA-256 of every blob the imported versions refer to whose file is
    /// not in the blob directory: put those in place before <see cref="CommitAsync"/>. Every blob the
    /// versions refer to is pinned first, so the retention job takes none of their files (those there
    /// already, or copied in) before the import commits; the pins go when the session is disposed.
    /// </summary>
    public async Task<IReadOnlyList<string>> PrepareAsync(IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RequireNotPrepared();
        _prepared = true;
        progress?.Report(new ImportProgress("Adding tenants and their lifecycle", 0, null));
        // Every table below is picked out of the staged lines by name: once each by an index, not a scan of all lines per table.
        // The planner knows nothing of temporary tables until they are analyzed.
        await ExecAsync("""
            CREATE INDEX ON lb_import_lines ((line->>'table'), ordinal);
            ANALYZE lb_import_lines, lb_import_versions;
            """, cancellationToken);
        await StageCommitTimesAsync(cancellationToken);
        var tenantFilter = _scope.Tenant is null ? "true" : "r.tenant_id = $2";
        await using (var tenants = Command($"""
            INSERT INTO lb_import_tenants
            SELECT DISTINCT ON (r.tenant_id) r.tenant_id, r.created_position, r.created_at
            FROM lb_import_lines l, LATERAL jsonb_populate_record(null::lifeboat.tenants, l.line->'row') r
            WHERE l.line->>'table' = 'lifeboat.tenants' AND {tenantFilter} AND {PointFilter("r.created_position", "r.created_at")}
            ORDER BY r.tenant_id
            """))
        {
            AddPoint(tenants);
            AddTenant(tenants);
            await tenants.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var history = Command($"""
            INSERT INTO lifeboat.tenant_history
            SELECT r.* FROM lb_import_lines l, LATERAL jsonb_populate_record(null::lifeboat.tenant_history, l.line->'row') r
            WHERE l.line->>'table' = 'lifeboat.tenant_history' AND {tenantFilter} AND {PointFilter("r.position", "r.stamp")}
              AND (EXISTS (SELECT 1 FROM lb_import_tenants t WHERE t.tenant_id = r.tenant_id)
                   OR EXISTS (SELECT 1 FROM lifeboat.tenants t WHERE t.tenant_id = r.tenant_id))
            ON CONFLICT DO NOTHING
            """))
        {
            AddPoint(history);
            AddTenant(history);
            _lifecycleChanges = await history.ExecuteNonQueryAsync(cancellationToken);
        }

        // A tenant the store lacks comes back in the lifecycle state it had at the point.
        await using (var create = Command($"""
            INSERT INTO lifeboat.tenants (tenant_id, state, restore_id, created_position, created_at, state_position, state_changed_at, fence_position)
            SELECT t.tenant_id, s.state, NULL, t.created_position, t.created_at, s.position, s.stamp, s.position
            FROM lb_import_tenants t
            CROSS JOIN LATERAL (
                SELECT h.state, h.position, h.stamp FROM lifeboat.tenant_history h
                WHERE h.tenant_id = t.tenant_id AND {PointFilter("h.position", "h.stamp")}
                ORDER BY h.position DESC LIMIT 1) s
            ON CONFLICT (tenant_id) DO NOTHING
            """))
        {
            AddPoint(create);
            _tenantsCreated = await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // Purged at the point, or purged now: its data was removed on purpose and stays removed.
        await using (var allowed = Command($"""
            INSERT INTO lb_import_allowed
            SELECT t.tenant_id, t.state = 'Purged' OR coalesce(s.state = 'Purged', false)
            FROM lifeboat.tenants t
            LEFT JOIN LATERAL (
                SELECT h.state FROM lifeboat.tenant_history h
                WHERE h.tenant_id = t.tenant_id AND {PointFilter("h.position", "h.stamp")}
                ORDER BY h.position DESC LIMIT 1) s ON true
            WHERE t.tenant_id IN (SELECT DISTINCT tenant_id FROM lb_import_versions UNION SELECT tenant_id FROM lb_import_tenants)
            """))
        {
            AddPoint(allowed);
            await allowed.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var purgedCmd = Command("SELECT tenant_id FROM lb_import_allowed WHERE purged ORDER BY tenant_id"))
        {
            await using var reader = await purgedCmd.ExecuteReaderAsync(cancellationToken);
            var purged = new List<TenantId>();
            while (await reader.ReadAsync(cancellationToken))
            {
                purged.Add(TenantId.Parse(reader.GetString(0)));
            }

            _purged = purged;
        }

        progress?.Report(new ImportProgress("Listing the blobs the versions refer to", 0, null));
        _referencedBlobs = await BlobsAsync(cancellationToken);
        _pin = await _context.BlobFiles.PinAsync(_referencedBlobs, cancellationToken);
        return await MissingBlobsAsync(cancellationToken);
    }

    /// <summary>Every blob the versions to import refer to (known once prepared; purged tenants' blobs are not among them).</summary>
    public IReadOnlyCollection<string> ReferencedBlobs => _referencedBlobs;

    /// <summary>
    /// Inserts the missing versions and table rows, inside the transaction (not yet committed). It may run
    /// while the blob files are still being put in place: <see cref="CommitAsync"/> checks they all are.
    /// </summary>
    public async Task InsertAsync(IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!_prepared)
        {
            await PrepareAsync(progress, cancellationToken);
        }

        if (_inserted)
        {
            return;
        }

        // Into an empty store, the versions' secondary indexes are dropped and built again once every version is in:
        // one sort per index instead of a tree insert per row. In the transaction: a stop or failure rolls the drop back.
        var deferred = _scope.Tenant is null;
        if (deferred)
        {
            await ExecAsync("""
                CREATE TEMP TABLE lb_import_deferred_indexes ON COMMIT DROP AS
                SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
                FROM pg_index i
                WHERE i.indrelid IN ('lifeboat.records'::regclass, 'lifeboat.record_history'::regclass) AND NOT i.indisunique;
                DO $$
                DECLARE i record;
                BEGIN
                    FOR i IN SELECT name FROM lb_import_deferred_indexes LOOP
                        EXECUTE 'DROP INDEX ' || i.name;
                    END LOOP;
                END $$;
                """, cancellationToken);
        }

        progress?.Report(new ImportProgress("Importing versions: history", 0, 2));
        await ExecAsync($"""
            CREATE TEMP TABLE lb_import_missing ON COMMIT DROP AS
            SELECT v.*, row_number() OVER (PARTITION BY v.tenant_id, v.collection, v.record_id ORDER BY v.position DESC) = 1 AS newest
            FROM lb_import_versions v
            JOIN lb_import_allowed a ON a.tenant_id = v.tenant_id AND NOT a.purged
            WHERE NOT EXISTS (SELECT 1 FROM lifeboat.records r
                              WHERE r.tenant_id = v.tenant_id AND r.collection = v.collection AND r.record_id = v.record_id AND r.position = v.position)
              AND NOT EXISTS (SELECT 1 FROM lifeboat.record_history h
                              WHERE h.tenant_id = v.tenant_id AND h.collection = v.collection AND h.record_id = v.record_id AND h.position = v.position);
            INSERT INTO lifeboat.record_history ({Columns}) SELECT {Columns} FROM lb_import_missing WHERE NOT newest;
            """, cancellationToken);

        // The newest missing version of each record goes through the versioning trigger: it becomes
        // current only when it is newer than the store's current version, which then moves to history.
        progress?.Report(new ImportProgress("Importing versions: current", 1, 2));
        await ExecAsync($"""
            INSERT INTO lifeboat.records AS r ({Columns})
            SELECT {Columns} FROM lb_import_missing WHERE newest
            ON CONFLICT (tenant_id, collection, record_id) DO UPDATE SET
                position = excluded.position, stamp = excluded.stamp, actor = excluded.actor, deleted = excluded.deleted, doc = excluded.doc,
                ix1 = excluded.ix1, ix2 = excluded.ix2, ix3 = excluded.ix3, blob_sha256 = excluded.blob_sha256, blob_size = excluded.blob_size
            """, cancellationToken);
        await using (var count = Command("SELECT count(*) FROM lb_import_missing"))
        {
            _versions = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (deferred)
        {
            progress?.Report(new ImportProgress("Building the versions' indexes", 0, null));
            await ExecAsync("""
                DO $$
                DECLARE i record;
                BEGIN
                    FOR i IN SELECT definition FROM lb_import_deferred_indexes LOOP
                        EXECUTE i.definition;
                    END LOOP;
                END $$;
                """, cancellationToken);
        }

        // Commit times travel with the versions, so "committed by time T" means the same after the import.
        progress?.Report(new ImportProgress("Importing versions: current", 2, 2));
        await ExecAsync("INSERT INTO lifeboat.commits (position, committed_at) SELECT position, committed_at FROM lb_import_commits ON CONFLICT DO NOTHING", cancellationToken);
        _tableRows = await InsertTablesAsync(progress, cancellationToken);
        _inserted = true;
    }

    /// <summary>Inserts what <see cref="InsertAsync"/> has not yet, checks every blob file is in place, moves the sequences forward, and commits.</summary>
    public async Task<ImportResult> CommitAsync(IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await InsertAsync(progress, cancellationToken);
        var missingBlobs = await MissingBlobsAsync(cancellationToken);
        if (missingBlobs.Count > 0)
        {
            throw new BlobIntegrityException(
                $"{missingBlobs.Count} blob file(s) the imported versions refer to are not in {_context.Options.BlobDirectory} (first: {_context.BlobFiles.PathOf(missingBlobs[0])}). Nothing was imported.");
        }

        progress?.Report(new ImportProgress("Setting sequences and committing", 0, null));
        var latest = await MoveSequencesAsync(cancellationToken);
        await _transaction.CommitAsync(cancellationToken);
        return new ImportResult(_tenantsCreated, _lifecycleChanges, _versions, _tableRows, _purged, latest);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
        _pin?.Dispose();
    }

    /// <summary>Refuses, before anything is staged, an import the store must not take.</summary>
    private async Task GuardAsync(CancellationToken ct)
    {
        if (_scope.Tenant is not { } tenant)
        {
            await using var count = Command("SELECT count(*) FROM lifeboat.tenants");
            var tenants = (long)(await count.ExecuteScalarAsync(ct))!;
            if (tenants > 0)
            {
                throw new StoreException($"this store is not empty ({tenants} tenant(s)): every tenant is imported only into an empty store. Import one tenant at a time into a live store.");
            }

            return;
        }

        // Exclusive on the tenant until commit: its writers wait, and none can slip in between.
        await using (var lockTenant = Command("SELECT pg_advisory_xact_lock(lifeboat.tenant_lock_key($1))"))
        {
            lockTenant.Parameters.Add(new() { Value = tenant.Value });
            await lockTenant.ExecuteNonQueryAsync(ct);
        }

        await using var check = Command("SELECT state, restore_id FROM lifeboat.tenants WHERE tenant_id = $1");
        check.Parameters.Add(new() { Value = tenant.Value });
        await using var reader = await check.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return;
        }

        if (reader.GetString(0) == "Purged")
        {
            throw new TenantStateException(tenant, TenantState.Purged,
                $"tenant {tenant} is Purged: its data was removed on purpose (an approved erasure, or deleted beyond the retention window), and a backup does not bring it back.");
        }

        if (!reader.IsDBNull(1))
        {
            var owner = reader.GetString(1);
            throw new RestoreInProgressException(tenant, owner, $"tenant {tenant} is being restored by {owner}; import from a backup after that restore completes.");
        }
    }

    /// <summary>Blobs the versions to import refer to whose file is not in the blob directory (a file the retention job set aside is brought back).</summary>
    private async Task<List<string>> MissingBlobsAsync(CancellationToken ct) =>
        [.. (await BlobsAsync(ct)).Where(sha => !_context.BlobFiles.IsInPlace(sha))];

    /// <summary>Every blob the versions to import refer to (purged tenants' blobs stay out).</summary>
    private async Task<List<string>> BlobsAsync(CancellationToken ct)
    {
        var blobs = new List<string>();
        await using var cmd = Command("""
            SELECT DISTINCT v.blob_sha256 FROM lb_import_versions v JOIN lb_import_allowed a ON a.tenant_id = v.tenant_id AND NOT a.purged
            WHERE v.blob_sha256 IS NOT NULL
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            blobs.Add(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0)));
        }

        return blobs;
    }

    private async Task<long> InsertTablesAsync(IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        // The collections' indexed fields are shared by every tenant: always put back the ones missing.
        var tables = (_scope.Tenant is null
            ? StoreBackups.StoreTables.Concat(_scope.Tables)
            : _scope.Tables.Where(t => t.TenantColumn is not null).Prepend(StoreBackups.Collections)).DistinctBy(t => t.Name).ToList();
        long rows = 0;
        for (var i = 0; i < tables.Count; i++)
        {
            var table = tables[i];
            progress?.Report(new ImportProgress($"Importing tables ({table.Name})", i, tables.Count));
            var filters = new List<string> { "l.line->>'table' = $1" };
            if (!table.IsAppendOnly)
            {
                // A table carried whole: the newest backup's copy is the one in force.
                filters.Add("l.ordinal = (SELECT max(ordinal) FROM lb_import_lines)");
            }

            if (table.TenantColumn is { } column)
            {
                // Rows of tenants the store does not hold were written after the backup's bound.
                filters.Add($"EXISTS (SELECT 1 FROM lifeboat.tenants t WHERE t.tenant_id = l.line->'row'->>'{column}')");
                if (_scope.Tenant is not null)
                {
                    filters.Add($"l.line->'row'->>'{column}' = $2");
                }
            }

            // The rows keep the IDs they had: an identity column generated "always" takes them only when told to.
            await using var cmd = Command($"""
                INSERT INTO {table.Name} OVERRIDING SYSTEM VALUE
                SELECT r.* FROM lb_import_lines l, LATERAL jsonb_populate_record(null::{table.Name}, l.line->'row') r
                WHERE {string.Join(" AND ", filters)}
                ON CONFLICT DO NOTHING
                """);
            cmd.Parameters.Add(new() { Value = table.Name });
            cmd.Parameters.Add(new() { Value = (object?)_scope.Tenant?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            rows += await cmd.ExecuteNonQueryAsync(ct);
        }

        return rows;
    }

    /// <summary>Moves sequences forward (never back), so the store's next position is above every imported one.</summary>
    private async Task<long> MoveSequencesAsync(CancellationToken ct)
    {
        var targets = new Dictionary<string, long>(_scope.Sequences, StringComparer.Ordinal);
        await using (var max = Command("SELECT greatest((SELECT max(position) FROM lb_import_missing), (SELECT max(position) FROM lifeboat.tenant_history h WHERE h.tenant_id IN (SELECT tenant_id FROM lb_import_allowed)), 0)"))
        {
            var imported = (long)(await max.ExecuteScalarAsync(ct))!;
            targets["lifeboat.commit_position"] = Math.Max(imported, targets.GetValueOrDefault("lifeboat.commit_position"));
        }

        foreach (var (sequence, value) in targets.Where(s => s.Value > 0))
        {
            await using var cmd = Command("SELECT setval($1::regclass, $2) WHERE $2 > coalesce(pg_sequence_last_value($1::regclass), 0)");
            cmd.Parameters.Add(new() { Value = sequence });
            cmd.Parameters.Add(new() { Value = value });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await using var latest = Command("SELECT coalesce(pg_sequence_last_value('lifeboat.commit_position'), 0)");
        return (long)(await latest.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The backups' commit times staged so far, so a time point selects the staged versions exactly as the source store would.</summary>
    private Task StageCommitTimesAsync(CancellationToken ct) => ExecAsync("""
        INSERT INTO lb_import_commits
        SELECT r.position, r.committed_at FROM lb_import_lines l, LATERAL jsonb_populate_record(null::lifeboat.commits, l.line->'row') r
        WHERE l.line->>'table' = 'lifeboat.commits'
        ON CONFLICT DO NOTHING
        """, ct);

    private string PointFilter(string position, string stamp) => PointSql.Committed(_scope.Point, position, stamp, "$1", "lifeboat.commits", "lb_import_commits");

    private void AddPoint(NpgsqlCommand cmd) => cmd.Parameters.Add(PointSql.Parameter(_scope.Point));

    private void AddTenant(NpgsqlCommand cmd) =>
        cmd.Parameters.Add(new() { Value = (object?)_scope.Tenant?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });

    private void RequireNotPrepared()
    {
        if (_prepared)
        {
            throw new InvalidOperationException("the import was already prepared: stage every file first.");
        }
    }

    /// <remarks>
    /// No command timeout: an import's statements grow with the backup (a whole environment's history is one INSERT),
    /// and the default 30 seconds would fail a large restore half-way; the caller's token stops it instead.
    /// </remarks>
    private NpgsqlCommand Command(string sql)
    {
        var command = _context.Command(sql, _connection, _transaction);
        command.CommandTimeout = 0;
        return command;
    }

    private async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = Command(sql);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
