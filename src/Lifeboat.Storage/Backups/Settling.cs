using System.Diagnostics;
using Npgsql;

namespace Lifeboat.Storage.Backups;

/// <summary>
/// Finds the bound of an export and waits until everything at or below it has settled.
/// A transaction takes its position (or an append-only key) before it commits, so a lower position
/// can become visible after a higher one. The bound is read from the sequences first; any
/// transaction holding a value at or below it took that value before the read, so it began before
/// the read. Once no transaction of this database that began before the read is still open, every
/// value at or below the bound is committed or aborted, and a snapshot taken then sees all of it.
/// Nothing is locked: writers never wait for a backup.
/// </summary>
internal static class Settling
{
    public static async Task<(long UpTo, DateTimeOffset CoveredUntil, IReadOnlyDictionary<string, long> Bounds)> MarkAsync(
        NpgsqlConnection connection, ExportRequest request, CancellationToken ct)
    {
        var coveredUntil = await ClockAsync(connection, ct);

        var appendTables = request.Tables.Where(t => t.IsAppendOnly).ToList();
        long upTo;
        var bounds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var sequences = appendTables.Select(t => t.Sequence ?? throw new StoreConfigurationException($"append-only table {t.Name} needs the sequence its key is drawn from.")).ToArray();
        await using (var read = new NpgsqlCommand(
            "SELECT coalesce(pg_sequence_last_value('lifeboat.commit_position'), 0), array(SELECT coalesce(pg_sequence_last_value(s::regclass), 0) FROM unnest($1::text[]) WITH ORDINALITY u(s, n) ORDER BY n)",
            connection))
        {
            read.Parameters.Add(new() { Value = sequences });
            await using var reader = await read.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            upTo = reader.GetInt64(0);
            var values = reader.GetFieldValue<long[]>(1);
            for (var i = 0; i < appendTables.Count; i++)
            {
                bounds[appendTables[i].Name] = values[i];
            }
        }

        var readAt = await ClockAsync(connection, ct);
        await WaitForOlderTransactionsAsync(connection, readAt, request.SettleTimeout, ct);
        return (upTo, coveredUntil, bounds);
    }

    private static async Task<DateTimeOffset> ClockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var clock = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        await using var reader = await clock.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetFieldValue<DateTimeOffset>(0);
    }

    private static async Task WaitForOlderTransactionsAsync(NpgsqlConnection connection, DateTimeOffset readAt, TimeSpan timeout, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var open = new List<string>();
            await using (var cmd = new NpgsqlCommand("""
                SELECT pid, coalesce(application_name, ''), coalesce(state, ''), xact_start
                FROM pg_stat_activity
                WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start < $1
                ORDER BY xact_start
                """, connection))
            {
                cmd.Parameters.Add(new() { Value = readAt });
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    open.Add($"pid {reader.GetInt32(0)} ('{reader.GetString(1)}', {reader.GetString(2)}, in a transaction since {reader.GetFieldValue<DateTimeOffset>(3):yyyy-MM-dd'T'HH:mm:ss'Z'})");
                }
            }

            if (open.Count == 0)
            {
                return;
            }

            if (waited.Elapsed > timeout)
            {
                throw new StoreException(
                    $"the backup waited {timeout.TotalSeconds:0} s for {open.Count} transaction(s) that began before it to finish, so that it misses no commit: {string.Join("; ", open.Take(3))}. " +
                    "Nothing was written. End or commit those transactions (an 'idle in transaction' session is usually a forgotten one), then run the backup again.");
            }

            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }
    }
}
