using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>One destructive write transaction of one tenant: tombstones written, a tenant deleted, purged or erased.</summary>
public sealed record DestructiveWrite(long EventId, long Position, DateTimeOffset Stamp, TenantId Tenant, string Actor, string Action, string? Collection, int Count,
    string? Operation = null)
{
    /// <summary>"tenant.delete", or "record.delete:&lt;collection&gt;" for tombstones.</summary>
    public string Key => Collection is null ? Action : $"{Action}:{Collection}";
}

/// <summary>
/// The log of every destructive write, whatever path it took (a plan, an app, a script), so
/// detectors can watch their rate without reading tenant data.
/// </summary>
public sealed class DestructiveWrites
{
    private readonly StoreContext _context;

    private const string Select = "SELECT event_id, position, stamp, tenant_id, actor, action, collection, count, operation FROM lifeboat.destructive_events";

    internal DestructiveWrites(StoreContext context) => _context = context;

    /// <summary>
    /// Destructive writes after <paramref name="afterEventId"/> that have committed, in ID order. Beware: an
    /// event ID is drawn before its transaction commits, so a lower ID can commit after a higher one; a
    /// reader that moves its cursor past what it saw skips it. Readers that keep a cursor use a
    /// <see cref="DestructiveWriteFeed"/>, which reads only up to the IDs that have settled.
    /// </summary>
    public async Task<IReadOnlyList<DestructiveWrite>> ReadAsync(long afterEventId, int max = 10_000, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"{Select} WHERE event_id > $1 ORDER BY event_id LIMIT $2");
        cmd.Parameters.Add(new() { Value = afterEventId });
        cmd.Parameters.Add(new() { Value = max });
        return await ReadListAsync(cmd, cancellationToken);
    }

    /// <summary>Destructive writes committed at or after a position, oldest first (what an alert's burst touched).</summary>
    public async Task<IReadOnlyList<DestructiveWrite>> SinceAsync(long position, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"{Select} WHERE position >= $1 ORDER BY event_id");
        cmd.Parameters.Add(new() { Value = position });
        return await ReadListAsync(cmd, cancellationToken);
    }

    /// <summary>A reader that never skips a write: see <see cref="DestructiveWriteFeed"/>.</summary>
    public DestructiveWriteFeed Feed() => new(_context, this);

    /// <summary>The ID of the latest destructive write (0 when there is none): where a new watcher starts.</summary>
    public async Task<long> LatestAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT coalesce(max(event_id), 0) FROM lifeboat.destructive_events");
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    internal async Task<IReadOnlyList<DestructiveWrite>> ReadRangeAsync(long afterEventId, long upToEventId, int max, CancellationToken ct)
    {
        await using var cmd = _context.Command($"{Select} WHERE event_id > $1 AND event_id <= $2 ORDER BY event_id LIMIT $3");
        cmd.Parameters.Add(new() { Value = afterEventId });
        cmd.Parameters.Add(new() { Value = upToEventId });
        cmd.Parameters.Add(new() { Value = max });
        return await ReadListAsync(cmd, ct);
    }

    private static async Task<IReadOnlyList<DestructiveWrite>> ReadListAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<DestructiveWrite>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new DestructiveWrite(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2), TenantId.Parse(reader.GetString(3)),
                reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return list;
    }
}
