using System.Text.Json;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Events;

/// <summary>One lifecycle change, as consumers see it.</summary>
public sealed record LifecycleEvent(long Position, string Type, SiteId? Site, string? Subject, JsonElement Payload, string Actor, DateTimeOffset At);

/// <summary>
/// The outbox of lifecycle events. Each consumer reads in order from its own cursor, and each
/// event reaches it once: <see cref="ConsumeAsync"/> advances the cursor in the same transaction as
/// the consumer's work.
/// </summary>
public sealed class LifecycleEvents
{
    private readonly PlatformContext _context;

    internal LifecycleEvents(PlatformContext context) => _context = context;

    /// <summary>Events after the consumer's cursor (without moving it).</summary>
    public async Task<IReadOnlyList<LifecycleEvent>> PeekAsync(string consumer, int max = 100, CancellationToken cancellationToken = default)
    {
        RequireConsumer(consumer);
        await using var cmd = _context.Command("""
            SELECT o.position, o.event_type, o.site_id, o.subject, o.payload::text, o.actor, o.at
            FROM platform.outbox o
            WHERE o.position > coalesce((SELECT position FROM platform.outbox_cursors WHERE consumer = $1), 0)
            ORDER BY o.position LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = consumer });
        cmd.Parameters.Add(new() { Value = max });
        return await ReadAsync(cmd, cancellationToken);
    }

    /// <summary>
    /// Hands the next events to <paramref name="handle"/> and moves the cursor past them when it returns;
    /// when it throws, the cursor stays and the same events come again. Returns how many were handled.
    /// </summary>
    public async Task<int> ConsumeAsync(string consumer, Func<IReadOnlyList<LifecycleEvent>, Task> handle, int max = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        RequireConsumer(consumer);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var claim = tx.Command("""
            INSERT INTO platform.outbox_cursors (consumer, position, updated_at) VALUES ($1, 0, $2) ON CONFLICT (consumer) DO NOTHING;
            """))
        {
            claim.Parameters.Add(new() { Value = consumer });
            claim.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }

        // One consumer instance at a time: a second one waits here, then reads after the first's events.
        await using var read = tx.Command("""
            WITH c AS (SELECT position FROM platform.outbox_cursors WHERE consumer = $1 FOR UPDATE)
            SELECT o.position, o.event_type, o.site_id, o.subject, o.payload::text, o.actor, o.at
            FROM platform.outbox o, c WHERE o.position > c.position ORDER BY o.position LIMIT $2
            """);
        read.Parameters.Add(new() { Value = consumer });
        read.Parameters.Add(new() { Value = max });
        var events = await ReadAsync(read, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }

        await handle(events);
        await using (var advance = tx.Command("UPDATE platform.outbox_cursors SET position = $2, updated_at = $3 WHERE consumer = $1"))
        {
            advance.Parameters.Add(new() { Value = consumer });
            advance.Parameters.Add(new() { Value = events[^1].Position });
            advance.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await advance.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return events.Count;
    }

    /// <summary>Every event of one site, oldest first (its lifecycle as an audit trail).</summary>
    public async Task<IReadOnlyList<LifecycleEvent>> OfSiteAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT position, event_type, site_id, subject, payload::text, actor, at FROM platform.outbox WHERE site_id = $1 ORDER BY position
            """);
        cmd.Parameters.Add(new() { Value = site.Value });
        return await ReadAsync(cmd, cancellationToken);
    }

    private static async Task<IReadOnlyList<LifecycleEvent>> ReadAsync(Npgsql.NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<LifecycleEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            using var payload = JsonDocument.Parse(reader.GetString(4));
            list.Add(new LifecycleEvent(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : SiteId.Parse(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3), payload.RootElement.Clone(), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return list;
    }

    private static void RequireConsumer(string consumer)
    {
        if (string.IsNullOrWhiteSpace(consumer) || consumer.Length > 100)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a consumer name (1 to 100 characters) is required; each consumer has its own cursor.");
        }
    }
}
