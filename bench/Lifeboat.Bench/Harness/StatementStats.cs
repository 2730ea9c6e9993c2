using System.Text.RegularExpressions;
using Npgsql;

namespace Lifeboat.Bench.Harness;

/// <summary>
/// The database's own account of where its time went, from pg_stat_statements (loaded at server start:
/// see <see cref="IBenchmark.SharedPreloadLibraries"/>): reset before a measured step, read after it.
/// Execution time of top-level statements, so a PL/pgSQL function's inner statements count in the call
/// that ran them; planning time is not included (track_planning is off), and time waiting for a lock
/// or a WAL flush inside a statement is.
/// </summary>
internal static partial class StatementStats
{
    public const string Extension = "pg_stat_statements";

    /// <summary>Forgets this database's statements, so the next reading covers only what runs after it.</summary>
    public static async Task ResetAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)
            """);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>This database's statements since the last reset: the total, and the <paramref name="top"/> statements by total time.</summary>
    public static async Task<DatabaseTime> ReadAsync(NpgsqlDataSource dataSource, int top, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT query, calls, total_exec_time, rows FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_exec_time DESC
            """);
        var all = new List<StatementTime>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                all.Add(new StatementTime(OneLine(reader.GetString(0)), reader.GetInt64(1), reader.GetDouble(2), 0, 0, reader.GetInt64(3)));
            }
        }

        var totalMs = all.Sum(s => s.TotalMs);
        var calls = all.Sum(s => s.Calls);
        var statements = all.Take(top).Select(s => s with
        {
            TotalMs = Stats.Round(s.TotalMs, 1),
            MeanMs = Stats.Round(s.TotalMs / Math.Max(1, s.Calls)),
            Share = Stats.Round(totalMs > 0 ? s.TotalMs / totalMs : 0),
        }).ToList();
        return new DatabaseTime(Stats.Round(totalMs / 1000, 2), calls, all.Count, statements);
    }

    /// <summary>A statement's text on one line, shortened: enough to recognise it in a table.</summary>
    public static string Short(string query, int max) => query.Length <= max ? query : query[..(max - 1)] + "…";

    private static string OneLine(string query)
    {
        var line = Whitespace().Replace(query, " ").Trim();
        return line.Length <= 500 ? line : line[..499] + "…";
    }

    [GeneratedRegex("\\s+")]
    private static partial Regex Whitespace();
}

/// <summary>Database time of a measured step: execution time of every statement, how many calls, and the statements that took most.</summary>
internal sealed record DatabaseTime(double Seconds, long Calls, int DistinctStatements, IReadOnlyList<StatementTime> Top);

/// <summary>One statement: its text (parameters as $n), calls, total and mean execution time, and its share of the step's database time.</summary>
internal sealed record StatementTime(string Query, long Calls, double TotalMs, double MeanMs, double Share, long Rows);
