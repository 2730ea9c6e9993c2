using System.Text.RegularExpressions;
using Npgsql;

namespace Lifeboat.Testing;

/// <summary>
/// The plan PostgreSQL uses for a prepared statement once it switches to a generic plan (after five executions),
/// which knows the parameters' types but not their values. A per-tenant statement whose generic plan scans a
/// whole table costs what every tenant's rows cost, however small the tenant.
/// </summary>
public static partial class GenericPlans
{
    /// <summary>
    /// PREPAREs <paramref name="sql"/> with the given parameter types on a connection of its own (so the session
    /// setting goes with it), under plan_cache_mode = force_generic_plan, and returns EXPLAIN EXECUTE's text.
    /// </summary>
    public static async Task<string> ExplainAsync(string connectionString, string sql, params string[] parameterTypes)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using (var set = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection))
        {
            await set.ExecuteNonQueryAsync();
        }

#pragma warning disable CA2100 // the product's own SQL, prepared as it is
        var types = parameterTypes.Length == 0 ? "" : $"({string.Join(", ", parameterTypes)})";
        await using (var prepare = new NpgsqlCommand($"PREPARE checked{types} AS {sql}", connection))
        {
            await prepare.ExecuteNonQueryAsync();
        }

        var nulls = parameterTypes.Length == 0 ? "" : $"({string.Join(", ", parameterTypes.Select(t => $"NULL::{t}"))})";
        await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE checked{nulls}", connection);
#pragma warning restore CA2100
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    /// <summary>The tables of <paramref name="tables"/> the plan reads with a sequential scan.</summary>
    public static IReadOnlyList<string> SeqScans(string plan, params string[] tables) =>
        SeqScan().Matches(plan).Select(m => m.Groups[1].Value).Where(t => tables.Contains(t, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"Seq Scan on (?:\w+\.)?(\w+)")]
    private static partial Regex SeqScan();
}
