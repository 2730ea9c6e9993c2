using System.Globalization;
using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>What a feed read: the writes, and the cursor to read after next time.</summary>
public sealed record SettledWrites(IReadOnlyList<DestructiveWrite> Writes, long Cursor);

/// <summary>
/// Reads the destructive-write log after a cursor without ever skipping a write. Event IDs come from
/// a sequence before commit, so ID 7 may commit after ID 8: a reader that moved its cursor to 8
/// would never see 7. The feed therefore reads only up to a settled bound. Each read marks the
/// sequence's latest value and then the ID of the next transaction to start; every transaction
/// holding an event ID at or below that value had its transaction ID before (the log is written by
/// triggers after the write that makes it destructive), so once the oldest running transaction is
/// newer than the mark, every ID at or below the value is committed or rolled back. Nothing waits:
/// a bound that has not settled is simply read on a later call. Keep one feed per reader; its marks
/// live in memory (a new feed's first read may return nothing).
/// </summary>
public sealed class DestructiveWriteFeed
{
    private readonly StoreContext _context;
    private readonly DestructiveWrites _writes;
    private readonly Queue<(long Bound, ulong NextTransaction)> _marks = new();

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
        // Three statements, in this order: the value, then (later) the next transaction ID, then
        // (later still) the oldest running one. A statement's snapshot is taken when it starts, so
        // reading the value and the transaction ID in one statement would not order them.
        var bound = await ScalarAsync<long>(connection, "SELECT coalesce(pg_sequence_last_value('lifeboat.destructive_events_event_id_seq'), 0)", ct);
        var next = ulong.Parse(await ScalarAsync<string>(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text", ct), CultureInfo.InvariantCulture);
        _marks.Enqueue((bound, next));
        var oldestRunning = ulong.Parse(await ScalarAsync<string>(connection, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", ct), CultureInfo.InvariantCulture);
        var settled = 0L;
        while (_marks.TryPeek(out var mark) && oldestRunning >= mark.NextTransaction)
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
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
