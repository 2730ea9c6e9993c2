using Lifeboat.Bench.Harness;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Bench.Writes;

/// <summary>
/// A table of the same shape as lifeboat.records (same columns, primary key, partial indexes and fill
/// factor) with no gate, written with plain INSERT … ON CONFLICT DO UPDATE, one row or one unnest of
/// arrays per statement, like the store. Two of them are the store's peers: <see cref="CreatePlainAsync"/>
/// keeps no history at all; <see cref="CreateSystemVersionedAsync"/> keeps it the SQL:2011 way, with the
/// periods extension's row-level triggers.
/// </summary>
internal sealed class UpsertTable
{
    private const string Columns = "tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size";

    private const string UpsertSet = """
        ON CONFLICT (tenant_id, collection, record_id) DO UPDATE SET
            position = excluded.position, stamp = excluded.stamp, actor = excluded.actor, deleted = false, doc = excluded.doc,
            ix1 = excluded.ix1, ix2 = excluded.ix2, ix3 = excluded.ix3, blob_sha256 = excluded.blob_sha256, blob_size = excluded.blob_size
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _upsertOne;
    private readonly string _upsertMany;

    // Positions mean nothing here; they only have to change with every write, as the store's do.
    private long _position = 1L << 40;

    private UpsertTable(NpgsqlDataSource dataSource, string table)
    {
        _dataSource = dataSource;
        Table = table;
        _upsertOne = $"""
            INSERT INTO {table} AS r ({Columns})
            VALUES ($1, $2, $3, $4, now(), $5, false, $6, $7, $8, $9, $10, $11)
            {UpsertSet}
            """;
        _upsertMany = $"""
            INSERT INTO {table} AS r ({Columns})
            SELECT $1, $2, u.id, $3, now(), $4, false, u.doc, u.ix1, u.ix2, u.ix3, u.sha, u.size
            FROM unnest($5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::bytea[], $11::bigint[]) AS u(id, doc, ix1, ix2, ix3, sha, size)
            {UpsertSet}
            """;
    }

    /// <summary>The table's name, schema-qualified.</summary>
    public string Table { get; }

    /// <summary>An unversioned copy of lifeboat.records: same rows, so every side starts equal.</summary>
    public static async Task<UpsertTable> CreatePlainAsync(BenchServer server, CancellationToken ct)
    {
        const string table = "bench.plain_records";
        await CopyOfRecordsAsync(server, table, ct);
        return new UpsertTable(server.DataSource, table);
    }

    /// <summary>
    /// A copy of lifeboat.records made system-versioned by the periods extension (SQL:2011 SYSTEM_TIME):
    /// a BEFORE row trigger stamps each version's start, an AFTER row trigger copies the superseded row
    /// into the history table. The history table is indexed on the record and its start, as the
    /// extension asks its users to ("be sure to index it properly") and as record_history is on its key.
    /// </summary>
    public static async Task<UpsertTable> CreateSystemVersionedAsync(BenchServer server, CancellationToken ct)
    {
        const string table = "bench.periods_records";
        await server.ExecAsync("CREATE EXTENSION IF NOT EXISTS periods CASCADE", ct);
        await CopyOfRecordsAsync(server, table, ct);
        await server.ExecAsync($"""
            SELECT periods.add_system_time_period('{table}');
            SELECT periods.add_system_versioning('{table}');
            CREATE INDEX periods_records_history_key ON {table}_history (tenant_id, collection, record_id, system_time_start);
            """, ct);
        return new UpsertTable(server.DataSource, table);
    }

    private static async Task CopyOfRecordsAsync(BenchServer server, string table, CancellationToken ct) =>
        await server.ExecAsync($"""
            CREATE SCHEMA IF NOT EXISTS bench;
            CREATE TABLE {table} (LIKE lifeboat.records INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)
                WITH (fillfactor = 90);
            INSERT INTO {table} SELECT * FROM lifeboat.records;
            """, ct);

    public async Task UpsertAsync(string tenant, string collection, Put put, CancellationToken ct)
    {
        await using var cmd = _dataSource.CreateCommand(_upsertOne);
        cmd.Parameters.Add(new() { Value = tenant });
        cmd.Parameters.Add(new() { Value = collection });
        cmd.Parameters.Add(new() { Value = put.Id });
        cmd.Parameters.Add(new() { Value = Interlocked.Increment(ref _position) });
        cmd.Parameters.Add(new() { Value = "bench" });
        cmd.Parameters.Add(new() { Value = put.Doc.Json, NpgsqlDbType = NpgsqlDbType.Jsonb });
        for (var slot = 0; slot < 3; slot++)
        {
            cmd.Parameters.Add(new() { Value = (object?)put.Doc.Keys[slot] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }

        cmd.Parameters.Add(new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task UpsertManyAsync(string tenant, string collection, IReadOnlyList<Put> puts, CancellationToken ct)
    {
        await using var cmd = _dataSource.CreateCommand(_upsertMany);
        cmd.Parameters.Add(new() { Value = tenant });
        cmd.Parameters.Add(new() { Value = collection });
        cmd.Parameters.Add(new() { Value = Interlocked.Increment(ref _position) });
        cmd.Parameters.Add(new() { Value = "bench" });
        cmd.Parameters.Add(new() { Value = puts.Select(p => p.Id).ToArray() });
        cmd.Parameters.Add(new() { Value = puts.Select(p => p.Doc.Json).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        for (var slot = 0; slot < 3; slot++)
        {
            var s = slot;
            cmd.Parameters.Add(new() { Value = puts.Select(p => p.Doc.Keys[s]).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }

        cmd.Parameters.Add(new() { Value = new byte[]?[puts.Count], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = new long?[puts.Count], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
