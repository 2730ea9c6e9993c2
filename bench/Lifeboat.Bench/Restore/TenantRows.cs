using System.Diagnostics;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Bench.Restore;

/// <summary>One row of lifeboat.records, every column, as COPY writes it.</summary>
internal sealed record RecordRow(
    string TenantId,
    string Collection,
    string RecordId,
    long Position,
    DateTimeOffset Stamp,
    string Actor,
    bool Deleted,
    string? Doc,
    string? Ix1,
    string? Ix2,
    string? Ix3,
    byte[]? BlobSha256,
    long? BlobSize);

/// <summary>Reads a tenant's current rows, compares two sets of rows, and bulk-loads rows with binary COPY.</summary>
internal static class TenantRows
{
    private const string Columns = "tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size";

    public static async Task<List<RecordRow>> ReadCurrentAsync(NpgsqlDataSource dataSource, TenantId tenant, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT tenant_id, collection, record_id, position, stamp, actor, deleted, doc::text, ix1, ix2, ix3, blob_sha256, blob_size " +
            "FROM lifeboat.records WHERE tenant_id = $1 ORDER BY collection, record_id");
        cmd.Parameters.Add(new() { Value = tenant.Value });
        var rows = new List<RecordRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RecordRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5), reader.GetBoolean(6), Text(reader, 7), Text(reader, 8), Text(reader, 9), Text(reader, 10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<byte[]>(11), reader.IsDBNull(12) ? null : reader.GetInt64(12)));
        }

        return rows;
    }

    /// <summary>Records whose content differs between the two sets (positions, stamps and actors may differ: a restore writes new versions).</summary>
    public static int CountDifferences(IReadOnlyList<RecordRow> expected, IReadOnlyList<RecordRow> actual)
    {
        var byKey = actual.ToDictionary(r => (r.Collection, r.RecordId));
        var differing = expected.Count(e => !byKey.Remove((e.Collection, e.RecordId), out var a) || !SameContent(e, a));
        return differing + byKey.Count;
    }

    /// <summary>Loads the rows with one binary COPY in one durable transaction; returns the seconds it took.</summary>
    public static async Task<double> CopyAsync(NpgsqlDataSource dataSource, string table, IReadOnlyList<RecordRow> rows, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var start = Stopwatch.GetTimestamp();
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({Columns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct);
                await importer.WriteAsync(row.TenantId, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(row.Collection, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(row.RecordId, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(row.Position, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(row.Stamp, NpgsqlDbType.TimestampTz, ct);
                await importer.WriteAsync(row.Actor, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(row.Deleted, NpgsqlDbType.Boolean, ct);
                await WriteNullable(importer, row.Doc, NpgsqlDbType.Jsonb, ct);
                await WriteNullable(importer, row.Ix1, NpgsqlDbType.Text, ct);
                await WriteNullable(importer, row.Ix2, NpgsqlDbType.Text, ct);
                await WriteNullable(importer, row.Ix3, NpgsqlDbType.Text, ct);
                await WriteNullable(importer, row.BlobSha256, NpgsqlDbType.Bytea, ct);
                await WriteNullable(importer, row.BlobSize, NpgsqlDbType.Bigint, ct);
            }

            await importer.CompleteAsync(ct);
        }

        await tx.CommitAsync(ct);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static bool SameContent(RecordRow a, RecordRow b) =>
        a.Deleted == b.Deleted && a.Doc == b.Doc && a.Ix1 == b.Ix1 && a.Ix2 == b.Ix2 && a.Ix3 == b.Ix3 && a.BlobSize == b.BlobSize &&
        (a.BlobSha256 ?? []).AsSpan().SequenceEqual(b.BlobSha256 ?? []);

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static async Task WriteNullable<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await importer.WriteNullAsync(ct);
        }
        else
        {
            await importer.WriteAsync(value, type, ct);
        }
    }
}
