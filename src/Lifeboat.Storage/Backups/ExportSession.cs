using System.Data;
using Lifeboat.Storage.Internal;
using NpgsqlTypes;

namespace Lifeboat.Storage.Backups;

/// <summary>What an export should cover: versions after a position, and the append-only tables it will write.</summary>
public sealed record ExportRequest
{
    /// <summary>The previous backup's position (0 for a full backup): versions at or before it are not exported again.</summary>
    public long AfterPosition { get; init; }

    /// <summary>Tables outside tenant data the export will write (their append keys are bounded like positions).</summary>
    public IReadOnlyList<TableSpec> Tables { get; init; } = [];

    /// <summary>How long to wait for transactions that began before the export to finish.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>How many versions an export wrote, and which blobs they refer to.</summary>
public sealed record VersionExport(long Versions, long Tenants, IReadOnlyCollection<string> BlobSha256s);

/// <summary>
/// One consistent read of the store for a backup: every version with a position in
/// (<see cref="AfterPosition"/>, <see cref="UpToPosition"/>] and nothing else, read in one
/// repeatable-read snapshot that the caller can share (<see cref="Transaction"/>) for its own tables.
/// Positions are taken before commit, so a transaction can commit after a later position is visible;
/// the bound is therefore read first, and the snapshot taken only once every transaction that began
/// before the bound was read has finished. Every position at or below the bound is then committed
/// (and visible) or aborted, so the next backup, starting above the bound, misses nothing.
/// </summary>
public sealed class ExportSession : IAsyncDisposable
{
    private const string VersionColumns = "tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size";

    private readonly StoreTransaction _transaction;

    private ExportSession(StoreTransaction transaction, long after, long upTo, DateTimeOffset coveredUntil, DateTimeOffset databaseNow,
        IReadOnlyDictionary<string, long> bounds, IReadOnlyDictionary<string, long> sequences)
    {
        _transaction = transaction;
        AfterPosition = after;
        UpToPosition = upTo;
        CoveredUntil = coveredUntil;
        DatabaseNow = databaseNow;
        Bounds = bounds;
        Sequences = sequences;
    }

    public long AfterPosition { get; }

    public long UpToPosition { get; }

    /// <summary>Database time read before the bound: every version stamped at or before it has a position at or below the bound.</summary>
    public DateTimeOffset CoveredUntil { get; }

    /// <summary>The database clock when the snapshot was taken.</summary>
    public DateTimeOffset DatabaseNow { get; }

    /// <summary>For each append-only table: the highest key this export covers.</summary>
    public IReadOnlyDictionary<string, long> Bounds { get; }

    /// <summary>Every sequence of the exported schemas, as the snapshot saw it (a restore of everything sets them back).</summary>
    public IReadOnlyDictionary<string, long> Sequences { get; }

    /// <summary>The snapshot, read-only, for the caller's own reads.</summary>
    public StoreTransaction Transaction => _transaction;

    internal static async Task<ExportSession> BeginAsync(StoreContext context, ExportRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = await context.DataSource.OpenConnectionAsync(ct);
        try
        {
            var (upTo, coveredUntil, bounds) = await Settling.MarkAsync(connection, request, ct);
            if (upTo < request.AfterPosition)
            {
                throw new StoreException($"the store's latest position {upTo} is below {request.AfterPosition}, where the previous backup ended: this is not the database that backup was taken from.");
            }

            var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var session = new StoreTransaction(connection, tx);
            try
            {
                await using (var ro = session.Command("SET TRANSACTION READ ONLY"))
                {
                    await ro.ExecuteNonQueryAsync(ct);
                }

                var schemas = request.Tables.Select(t => t.Name.Split('.')[0]).Append("lifeboat").Distinct(StringComparer.Ordinal).ToArray();
                var sequences = new SortedDictionary<string, long>(StringComparer.Ordinal);
                DateTimeOffset now;
                await using (var cmd = session.Command("SELECT schemaname || '.' || sequencename, coalesce(last_value, 0), clock_timestamp() FROM pg_sequences WHERE schemaname = ANY($1)"))
                {
                    cmd.Parameters.Add(new() { Value = schemas });
                    await using var reader = await cmd.ExecuteReaderAsync(ct);
                    now = default;
                    while (await reader.ReadAsync(ct))
                    {
                        sequences[reader.GetString(0)] = reader.GetInt64(1);
                        now = reader.GetFieldValue<DateTimeOffset>(2);
                    }
                }

                return new ExportSession(session, request.AfterPosition, upTo, coveredUntil, now, bounds, sequences);
            }
            catch
            {
                await session.DisposeAsync();
                throw;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Writes the versions (current and superseded) in the range, of one tenant or of all, one
    /// row_to_json line each, and returns the blobs they refer to.
    /// </summary>
    public async Task<VersionExport> WriteVersionsAsync(Stream destination, TenantId? tenant, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        // Two shapes, so the one-tenant export walks that tenant's primary-key range only.
        var where = tenant is null ? "position > $1 AND position <= $2" : "tenant_id = $3 AND position > $1 AND position <= $2";
        await using var cmd = _transaction.Command($"""
            SELECT row_to_json(v)::text, v.blob_sha256, v.tenant_id FROM (
                SELECT {VersionColumns} FROM lifeboat.records WHERE {where}
                UNION ALL
                SELECT {VersionColumns} FROM lifeboat.record_history WHERE {where}) v
            """);
        cmd.Parameters.Add(new() { Value = AfterPosition });
        cmd.Parameters.Add(new() { Value = UpToPosition });
        if (tenant is { } t)
        {
            cmd.Parameters.Add(new() { Value = t.Value });
        }

        var blobs = new HashSet<string>(StringComparer.Ordinal);
        var tenants = new HashSet<string>(StringComparer.Ordinal);
        long count = 0;
        await using var writer = Ndjson.Writer(destination);
        await using (var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                await writer.WriteLineAsync(reader.GetString(0).AsMemory(), cancellationToken);
                if (!await reader.IsDBNullAsync(1, cancellationToken))
                {
                    blobs.Add(Convert.ToHexStringLower(await reader.GetFieldValueAsync<byte[]>(1, cancellationToken)));
                }

                tenants.Add(reader.GetString(2));
                if (++count % 10_000 == 0)
                {
                    progress?.Report(count);
                }
            }
        }

        progress?.Report(count);
        await writer.FlushAsync(cancellationToken);
        return new VersionExport(count, tenants.Count, blobs);
    }

    /// <summary>
    /// Writes the store's own rows: the tenants created in the range and their lifecycle history in
    /// the range (of one tenant or all), the collections, and, for an environment backup
    /// (<paramref name="tenant"/> null), the store's tables outside tenant data.
    /// </summary>
    public async Task<long> WriteStoreAsync(Stream destination, TenantId? tenant, IReadOnlyDictionary<string, long>? previousBounds = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var scoped = tenant is null ? "" : " AND tenant_id = $3";
        await using var writer = Ndjson.Writer(destination);
        long rows = 0;
        rows += await WriteRowsAsync(writer, "lifeboat.tenants", $"created_position > $1 AND created_position <= $2{scoped}", tenant, cancellationToken);
        rows += await WriteRowsAsync(writer, "lifeboat.tenant_history", $"position > $1 AND position <= $2{scoped}", tenant, cancellationToken);
        // When each transaction in the range committed: a restore to a time needs it (a site backup carries every tenant's, a few bytes each).
        rows += await WriteRowsAsync(writer, "lifeboat.commits", "position > $1 AND position <= $2", null, cancellationToken);
        rows += await WriteRowsAsync(writer, "lifeboat.collections", "true", null, cancellationToken);
        await writer.FlushAsync(cancellationToken);
        if (tenant is null)
        {
            rows += await WriteTablesAsync(destination, StoreBackups.StoreTables, previousBounds, null, cancellationToken);
        }

        return rows;
    }

    /// <summary>
    /// Writes whole tables, or for append-only tables the rows after the previous backup's bound;
    /// with <paramref name="tenant"/>, only the rows of tables tied to tenants, of that tenant.
    /// </summary>
    public async Task<long> WriteTablesAsync(Stream destination, IEnumerable<TableSpec> tables, IReadOnlyDictionary<string, long>? previousBounds, TenantId? tenant,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tables);
        await using var writer = Ndjson.Writer(destination);
        long rows = 0;
        foreach (var table in tables)
        {
            if (tenant is not null && table.TenantColumn is null)
            {
                continue;
            }

            var filters = new List<string>();
            if (table.AppendKey is { } key)
            {
                var bound = Bounds.TryGetValue(table.Name, out var b) ? b
                    : throw new StoreConfigurationException($"append-only table {table.Name} was not named when the export began, so it has no bound.");
                var after = previousBounds is not null && previousBounds.TryGetValue(table.Name, out var a) ? a : 0;
                filters.Add($"{key} > {after} AND {key} <= {bound}");
            }

            if (tenant is not null)
            {
                filters.Add($"{table.TenantColumn} = $3");
            }

            rows += await WriteRowsAsync(writer, table.Name, filters.Count == 0 ? "true" : string.Join(" AND ", filters), tenant, cancellationToken);
        }

        await writer.FlushAsync(cancellationToken);
        return rows;
    }

    public ValueTask DisposeAsync() => _transaction.DisposeAsync();

    private async Task<long> WriteRowsAsync(StreamWriter writer, string table, string where, TenantId? tenant, CancellationToken ct)
    {
        await using var cmd = _transaction.Command($"SELECT json_build_object('table', $4::text, 'row', row_to_json(t))::text FROM {table} t WHERE {where}");
        cmd.Parameters.Add(new() { Value = AfterPosition });
        cmd.Parameters.Add(new() { Value = UpToPosition });
        cmd.Parameters.Add(new() { Value = (object?)tenant?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = table });
        long rows = 0;
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            await writer.WriteLineAsync(reader.GetString(0).AsMemory(), ct);
            rows++;
        }

        return rows;
    }
}
