using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>What a feed read: the writes, and the cursor to read after next time.</summary>
public sealed record SettledWrites(IReadOnlyList<DestructiveWrite> Writes, long Cursor);

/// <summary>
/// Reads the destructive-write log after a cursor without ever skipping a write. Event IDs come from
/// a sequence before commit, so ID 7 may commit after ID 8: a reader that moved its cursor to 8
/// would never see 7. The feed therefore reads only up to a settled bound. Each read marks the
/// sequence's latest value, then the database clock: a transaction holding an event ID at or below
/// that value drew it before the value was read, so it began before the mark, and it had written
/// (the log is written by triggers after the write that makes it destructive). Once no transaction
/// of this database that has written and began before the mark is still open, every ID at or below
/// the value is committed or rolled back. Nothing waits: a bound that has not settled is read on a
/// later call. Keep one feed per reader; its marks live in memory. Like backups, it sees the
/// transactions that pg_stat_activity shows to its role, so every writer should use the store's role.
/// </summary>
public sealed class DestructiveWriteFeed
{
    private readonly StoreContext _context;
    private readonly DestructiveWrites _writes;
    private readonly Queue<(long Bound, DateTimeOffset MarkedAt)> _marks = new();

    internal DestructiveWriteFeed(StoreContext context, DestructiveWrites writes)
    {
        _context = context;
        _writes = writes;
    }

    /// <summary>The writes after <paramref name="afterEventId"/> up to the settled bound, and the cursor to keep.</summary>
    public async Task<SettledWrites> ReadAsync(long afterEventId, int max = 10_000, CancellationToken cancellationToken = default)
    {
        var horizon = await SettledBoundAsync(cancellationToken);
        if (horizon <= afterEventId)
        {
            return new SettledWrites([], afterEventId);
        }

        var writes = await _writes.ReadRangeAsync(afterEventId, horizon, max, cancellationToken);
        // A full page stops at its last write; otherwise everything up to the bound has been read.
        return new SettledWrites(writes, writes.Count == max ? writes[^1].EventId : horizon);
    }

    private async Task<long> SettledBoundAsync(CancellationToken ct)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
        // Separate statements, in this order: the value, then the clock, then the open transactions.
        var bound = await ScalarAsync<long>(connection, "SELECT coalesce(pg_sequence_last_value('lifeboat.destructive_events_event_id_seq'), 0)", ct);
        var markedAt = await ScalarAsync<DateTimeOffset>(connection, "SELECT clock_timestamp()", ct);
        _marks.Enqueue((bound, markedAt));
        var oldestWriter = await ScalarAsync<DateTimeOffset?>(connection, """
            SELECT min(xact_start) FROM pg_stat_activity
            WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
            """, ct);
        var settled = 0L;
        while (_marks.TryPeek(out var mark) && (oldestWriter is null || oldestWriter >= mark.MarkedAt))
        {
            settled = mark.Bound;
            _marks.Dequeue();
        }

        return settled;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
#pragma warning disable CA2100 // constant SQL of this class
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull or null ? default! : value is DateTime at ? (T)(object)new DateTimeOffset(at, TimeSpan.Zero) : (T)value;
    }
}
