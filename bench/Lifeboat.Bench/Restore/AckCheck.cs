using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Bench.Restore;

/// <summary>What became of the acknowledged writes.</summary>
internal sealed record AckOutcome(int Acknowledged, long Lost, long NotCurrent);

/// <summary>
/// Checks every acknowledged write against the database: it must be there, with its position and
/// content, as the current version or in history; and the current version of every record written
/// must be its latest acknowledged write.
/// </summary>
internal static class AckCheck
{
    public static async Task<AckOutcome> RunAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<AckedWrite> acked, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE acked (tenant_id text, collection text, record_id text, position bigint, doc jsonb)", connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var importer = await connection.BeginBinaryImportAsync("COPY acked FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var a in acked)
            {
                await importer.StartRowAsync(ct);
                await importer.WriteAsync(a.Tenant, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(a.Collection, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(a.RecordId, NpgsqlDbType.Text, ct);
                await importer.WriteAsync(a.Position, NpgsqlDbType.Bigint, ct);
                await importer.WriteAsync(a.Doc, NpgsqlDbType.Jsonb, ct);
            }

            await importer.CompleteAsync(ct);
        }

        await using var check = new NpgsqlCommand("""
            SELECT
                (SELECT count(*) FROM acked a
                 WHERE NOT EXISTS (SELECT 1 FROM lifeboat.records r
                                   WHERE (r.tenant_id, r.collection, r.record_id, r.position) = (a.tenant_id, a.collection, a.record_id, a.position) AND r.doc = a.doc)
                   AND NOT EXISTS (SELECT 1 FROM lifeboat.record_history h
                                   WHERE (h.tenant_id, h.collection, h.record_id, h.position) = (a.tenant_id, a.collection, a.record_id, a.position) AND h.doc = a.doc)),
                (SELECT count(*) FROM (SELECT DISTINCT ON (tenant_id, collection, record_id) * FROM acked
                                       ORDER BY tenant_id, collection, record_id, position DESC) l
                 LEFT JOIN lifeboat.records r USING (tenant_id, collection, record_id)
                 WHERE r.position IS DISTINCT FROM l.position OR r.doc IS DISTINCT FROM l.doc)
            """, connection);
        await using var reader = await check.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new AckOutcome(acked.Count, reader.GetInt64(0), reader.GetInt64(1));
    }
}
