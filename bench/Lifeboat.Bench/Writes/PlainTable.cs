using Lifeboat.Bench.Harness;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Bench.Writes;

/// <summary>
/// The baseline: an unversioned table of the same shape as lifeboat.records (same columns, primary
/// key, partial indexes and fill factor) with no trigger and no gate, written with plain
/// INSERT … ON CONFLICT DO UPDATE, one row or one unnest of arrays per statement, like the store.
/// </summary>
internal sealed class PlainTable(NpgsqlDataSource dataSource)
{
    private const string UpsertSet = """
        ON CONFLICT (tenant_id, collection, record_id) DO UPDATE SET
            position = excluded.position, stamp = excluded.stamp, actor = excluded.actor, deleted = false, doc = excluded.doc,
            ix1 = excluded.ix1, ix2 = excluded.ix2, ix3 = excluded.ix3, blob_sha256 = excluded.blob_sha256, blob_size = excluded.blob_size
        """;

    private const string UpsertOne = $"""
        INSERT INTO bench.plain_records AS r
            (tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size)
        VALUES ($1, $2, $3, $4, now(), $5, false, $6, $7, $8, $9, $10, $11)
        {UpsertSet}
        """;

    private const string UpsertMany = $"""
        INSERT INTO bench.plain_records AS r
            (tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size)
        SELECT $1, $2, u.id, $3, now(), $4, false, u.doc, u.ix1, u.ix2, u.ix3, u.sha, u.size
        FROM unnest($5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::bytea[], $11::bigint[]) AS u(id, doc, ix1, ix2, ix3, sha, size)
        {UpsertSet}
        """;

    // Positions mean nothing here; they only have to change with every write, as the store's do.
    private long _position = 1L << 40;

    /// <summary>Creates the table as a copy of lifeboat.records: same rows, so both sides start equal.</summary>
    public static async Task CreateAsync(BenchServer server, CancellationToken ct)
    {
        await server.ExecAsync("""
            CREATE SCHEMA IF NOT EXISTS bench;
            CREATE TABLE bench.plain_records (LIKE lifeboat.records INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)
                WITH (fillfactor = 90);
            INSERT INTO bench.plain_records SELECT * FROM lifeboat.records;
            """, ct);
    }

    public async Task UpsertAsync(string tenant, string collection, Put put, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(UpsertOne);
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
        await using var cmd = dataSource.CreateCommand(UpsertMany);
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
