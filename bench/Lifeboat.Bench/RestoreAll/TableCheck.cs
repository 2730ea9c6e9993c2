using Npgsql;

namespace Lifeboat.Bench.RestoreAll;

/// <summary>
/// Every table of the store's and the platform's schemas as a row count and a hash of its rows, so a
/// restored database can be checked against the source table by table. Columns that are the new
/// environment's own (when a migration ran, a tenant's fence, the source cluster's transaction IDs) are left out, and so are the audit rows
/// written after the check was taken (each backup writes one).
/// </summary>
internal static class TableCheck
{
    public static async Task<SortedDictionary<string, string>> ReadAsync(string adminConnection, long auditUpTo, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(adminConnection);
        await connection.OpenAsync(ct);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('lifeboat', 'platform') AND table_type = 'BASE TABLE' ORDER BY 1", connection))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables.Where(t => t != "lifeboat.settings"))
        {
            var row = table switch
            {
                "lifeboat.tenants" => "to_jsonb(t) - 'fence_position'",
                "lifeboat.schema_migrations" => "to_jsonb(t) - 'applied_at'",
                // A transaction ID names a transaction of the source's cluster only; the import leaves it out.
                "lifeboat.commits" => "to_jsonb(t) - 'xid'",
                _ => "to_jsonb(t)",
            };
            var where = table == "platform.audit_log" ? $"WHERE audit_id <= {auditUpTo}" : "";
            // The names come from the catalog of the benchmark's own database.
#pragma warning disable CA2100
            await using var cmd = new NpgsqlCommand(
                $"SELECT count(*) || ' rows, ' || coalesce(md5(string_agg(h, '' ORDER BY h)), '-') FROM (SELECT md5(({row})::text) AS h FROM {table} t {where}) x", connection);
#pragma warning restore CA2100
            cmd.CommandTimeout = 0;
            result[table] = (string)(await cmd.ExecuteScalarAsync(ct))!;
        }

        return result;
    }

    /// <summary>The tables whose rows differ, with both readings.</summary>
    public static List<string> Differences(IReadOnlyDictionary<string, string> source, IReadOnlyDictionary<string, string> restored) =>
        [.. source.Keys.Union(restored.Keys).Order(StringComparer.Ordinal)
            .Where(t => source.GetValueOrDefault(t) != restored.GetValueOrDefault(t))
            .Select(t => $"{t}: source {source.GetValueOrDefault(t) ?? "absent"}, restored {restored.GetValueOrDefault(t) ?? "absent"}")];
}
