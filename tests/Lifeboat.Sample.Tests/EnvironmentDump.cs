using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Lifeboat.Sample.Tests;

/// <summary>
/// Everything an environment's database holds, as sorted lines per table, so two environments seeded
/// from one plan by different paths can be compared. Only what must differ is left out: commit
/// positions and the database's commit stamps. Every ID is replaced by a name that does not depend on
/// its random part: a site by its name, and every other ID by the collection and content of the record
/// it identifies (with the IDs in that content already replaced), so an ID that points at the wrong
/// record, or a record that is missing or different, changes the lines.
/// </summary>
internal static partial class EnvironmentDump
{
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> OfAsync(NpgsqlDataSource db)
    {
        var records = await RowsAsync(db, "SELECT tenant_id, collection, record_id, deleted, doc::text, ix1, ix2, ix3, encode(blob_sha256, 'hex'), blob_size, actor FROM lifeboat.records");
        var history = await RowsAsync(db, "SELECT tenant_id, collection, record_id, deleted, doc::text, ix1, ix2, ix3, encode(blob_sha256, 'hex'), blob_size, actor FROM lifeboat.record_history");
        var names = await NamesAsync(db, records.Concat(history).ToList());
        string N(string? text) => text is null ? "null" : TypedIdShape().Replace(text, m => names.TryGetValue(m.Value, out var name)
            ? name
            : throw new InvalidOperationException($"{m.Value} (in {text}) names no record of this environment"));

        var dump = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["row counts"] = await CountsAsync(db),
            ["lifeboat.tenants"] = Sorted((await RowsAsync(db, "SELECT tenant_id, state, restore_id FROM lifeboat.tenants")).Select(r => string.Join(" | ", r.Select(N)))),
            ["lifeboat.tenant_history"] = await PerTenantInOrderAsync(db, "SELECT tenant_id, state, actor, reason FROM lifeboat.tenant_history ORDER BY position", N),
            ["lifeboat.records"] = Sorted(records.Select(r => string.Join(" | ", r.Select(N)))),
            ["lifeboat.record_history"] = Sorted(history.Select(r => string.Join(" | ", r.Select(N)))),
            ["lifeboat.collections"] = Sorted((await RowsAsync(db, "SELECT name, array_to_string(indexed_fields, ',') FROM lifeboat.collections")).Select(r => string.Join(" | ", r))),
            ["lifeboat.destructive_events"] = Sorted((await RowsAsync(db, "SELECT tenant_id, actor, action, collection, count::text FROM lifeboat.destructive_events")).Select(r => string.Join(" | ", r.Select(N)))),
            ["platform.site_directory"] = Sorted((await RowsAsync(db, "SELECT site_id, name, region, internal::text, created_at::text FROM platform.site_directory")).Select(r => string.Join(" | ", r.Select(N)))),
            ["platform.id_directory"] = Sorted((await RowsAsync(db, "SELECT id, kind, site_id, created_at::text FROM platform.id_directory")).Select(r => string.Join(" | ", r.Select(N)))),
            // Sites are seeded side by side, so events of different sites interleave differently; each site's own come in order.
            ["platform.outbox"] = await PerTenantInOrderAsync(db,
                "SELECT coalesce(site_id, '-'), event_type, subject, payload::text, actor, at::text FROM platform.outbox ORDER BY position", N),
            ["platform.products"] = Sorted((await RowsAsync(db, "SELECT product_id, name FROM platform.products")).Select(r => string.Join(" | ", r))),
            ["platform.apps"] = Sorted((await RowsAsync(db, "SELECT app_id, name, vendor FROM platform.apps")).Select(r => string.Join(" | ", r))),
            // Accounts by their names (unique in a seeding run), contacts by their content.
            ["platform.accounts"] = Sorted((await RowsAsync(db, "SELECT name, support_tier, region, created_at::text, created_by FROM platform.accounts")).Select(r => string.Join(" | ", r))),
            ["platform.account_sites"] = Sorted((await RowsAsync(db, """
                SELECT a.name, s.site_id, s.linked_at::text, s.linked_by, s.unlinked_at::text, s.unlinked_by
                FROM platform.account_sites s JOIN platform.accounts a USING (account_id)
                """)).Select(r => string.Join(" | ", r.Select(N)))),
            ["platform.account_contacts"] = Sorted((await RowsAsync(db, """
                SELECT a.name, c.role, c.name, c.email, c.phone, c.added_at::text, c.added_by, c.removed_at::text
                FROM platform.account_contacts c JOIN platform.accounts a USING (account_id)
                """)).Select(r => string.Join(" | ", r.Select(N)))),
            ["platform.audit_log"] = Sorted((await RowsAsync(db, """
                SELECT coalesce(a.name, l.subject), l.step, l.actor, l.at::text, l.details::text
                FROM platform.audit_log l LEFT JOIN platform.accounts a ON a.account_id = l.subject
                """)).Select(r => string.Join(" | ", r.Select(Accountless)))),
        };
        return dump;

        // Account and contact IDs in audit details are named by the account's name in the line already.
        string Accountless(string? text) => text is null ? "null" : TypedIdShape().Replace(text, m => m.Value.StartsWith("acct_", StringComparison.Ordinal) || m.Value.StartsWith("cnt_", StringComparison.Ordinal)
            ? m.Value[..m.Value.IndexOf('_', StringComparison.Ordinal)]
            : N(m.Value));
    }

    /// <summary>
    /// Names every ID: sites by their name; then, round by round, every record whose ID is a typed ID
    /// and whose content refers only to IDs named already, by its collection and the hash of its content.
    /// </summary>
    private static async Task<Dictionary<string, string>> NamesAsync(NpgsqlDataSource db, List<string?[]> records)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var site in await RowsAsync(db, "SELECT site_id, name FROM platform.site_directory"))
        {
            names[site[0]!] = $"site<{site[1]}>";
        }

        var pending = records.Where(r => WholeTypedId().IsMatch(r[2]!)).ToList();
        while (pending.Count > 0)
        {
            var named = pending.Where(r => TypedIdShape().Matches(r[4] ?? "").All(m => m.Value == r[2] || names.ContainsKey(m.Value))).ToList();
            if (named.Count == 0)
            {
                throw new InvalidOperationException($"{pending.Count} records refer to IDs no record names, for example {pending[0][1]} {pending[0][2]}: {pending[0][4]}");
            }

            foreach (var r in named)
            {
                var content = TypedIdShape().Replace((r[4] ?? "").Replace(r[2]!, "self", StringComparison.Ordinal), m => names[m.Value]);
                names[r[2]!] = $"{r[1]}#{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..12]}";
            }

            pending.RemoveAll(named.Contains);
        }

        return names;
    }

    /// <summary>
    /// How many rows every table of the store and the platform holds, but the commit log: it has a row per
    /// transaction, and one import is one transaction where the ordinary calls are many.
    /// </summary>
    private static async Task<IReadOnlyList<string>> CountsAsync(NpgsqlDataSource db)
    {
        var tables = await RowsAsync(db, "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('lifeboat', 'platform') AND table_type = 'BASE TABLE' AND table_name <> 'commits'");
        var counts = new List<string>();
        foreach (var table in tables.Select(t => t[0]!))
        {
            await using var cmd = db.CreateCommand($"SELECT count(*) FROM {table}");
            counts.Add($"{table} {await cmd.ExecuteScalarAsync()}");
        }

        return Sorted(counts);
    }

    /// <summary>Rows grouped by their first column (a tenant or site), each group in the order the query returns it.</summary>
    private static async Task<IReadOnlyList<string>> PerTenantInOrderAsync(NpgsqlDataSource db, string sql, Func<string?, string> name) =>
        Sorted((await RowsAsync(db, sql)).Select((r, i) => (Key: name(r[0]), Order: i, Line: string.Join(" | ", r.Select(name))))
            .GroupBy(r => r.Key, StringComparer.Ordinal)
            .SelectMany(g => g.OrderBy(r => r.Order).Select((r, n) => $"{n:D4} {r.Line}")));

    private static async Task<List<string?[]>> RowsAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static List<string> Sorted(IEnumerable<string> lines) => [.. lines.Order(StringComparer.Ordinal)];

    [GeneratedRegex("\\b[a-z]+_[0-9a-z]{26}\\b")]
    private static partial Regex TypedIdShape();

    [GeneratedRegex("^[a-z]+_[0-9a-z]{26}$")]
    private static partial Regex WholeTypedId();
}
