using System.Text.Json;
using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>Whose writes a limit counts: one actor's, one operation's (a plan), or everyone's.</summary>
public enum BreakerScope
{
    Actor,
    Operation,
    Environment,
}

/// <summary>
/// At most <see cref="MaxCount"/> destructive writes of <see cref="Action"/> ("tenant.delete",
/// "record.delete" or "record.delete:&lt;collection&gt;") per <see cref="WindowSeconds"/>, in a scope.
/// </summary>
public sealed record BreakerLimit(BreakerScope Scope, string Action, int MaxCount, int WindowSeconds);

/// <summary>A refusal by the breaker, open until a person resets it.</summary>
public sealed record BreakerTrip(
    long TripId,
    BreakerScope Scope,
    string ScopeKey,
    string Action,
    int MaxCount,
    int WindowSeconds,
    int RefusedCount,
    TenantId Tenant,
    string Actor,
    string? Operation,
    DateTimeOffset TrippedAt,
    string? ResetBy,
    DateTimeOffset? ResetAt,
    string? ResetReason)
{
    public bool IsOpen => ResetAt is null;

    /// <summary>What a halted plan or an alert names, to be acknowledged: "trip:42".</summary>
    public string Code => $"trip:{TripId}";

    public string Describe() =>
        $"{RefusedCount} {Action} writes by {Scope switch { BreakerScope.Environment => "the whole environment", _ => $"{Scope.ToString().ToLowerInvariant()} {ScopeKey}" }} " +
        $"within {WindowSeconds} s, over the limit of {MaxCount}";
}

/// <summary>
/// The limit on the rate of destruction, checked by the database in the transaction of every
/// destructive write (see the migration 0005_breaker.sql): the write that would pass a limit is
/// refused before it commits, whatever wrote it and however fast, and the refusal is recorded as a
/// trip that keeps the scope closed to destructive writes until a person resets it.
/// </summary>
public sealed class Breaker
{
    private const string TripColumns =
        "trip_id, scope, scope_key, action, max_count, window_seconds, refused_count, tenant_id, actor, operation, tripped_at, reset_by, reset_at, reset_reason";

    private readonly StoreContext _context;

    internal Breaker(StoreContext context) => _context = context;

    public async Task<IReadOnlyList<BreakerLimit>> LimitsAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT scope, action, max_count, window_seconds FROM lifeboat.breaker_limits ORDER BY scope, action");
        var list = new List<BreakerLimit>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new BreakerLimit(ParseScope(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        return list;
    }

    /// <summary>Replaces every limit (an empty list turns the breaker off), and writes the change to the audit log.</summary>
    public async Task SetLimitsAsync(IReadOnlyCollection<BreakerLimit> limits, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var problems = limits.Where(l => l.MaxCount < 1 || l.WindowSeconds is < 1 or > 86400 || !IsAction(l.Action))
            .Select(l => $"{l.Scope} {l.Action}: {l.MaxCount} per {l.WindowSeconds} s").ToList();
        problems.AddRange(limits.GroupBy(l => (l.Scope, l.Action)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Scope} {g.Key.Action} is given twice"));
        if (problems.Count > 0)
        {
            throw new StoreConfigurationException(
                $"breaker limits not valid: {string.Join("; ", problems)}. A limit is tenant.delete, record.delete or record.delete:<collection>, at least 1 write, per 1 to 86400 seconds.");
        }

        var before = await LimitsAsync(cancellationToken);
        if (before.OrderBy(l => l.Scope).ThenBy(l => l.Action, StringComparer.Ordinal)
            .SequenceEqual(limits.OrderBy(l => l.Scope).ThenBy(l => l.Action, StringComparer.Ordinal)))
        {
            return;
        }

        await using var cmd = _context.Command("SELECT lifeboat.set_breaker_limits($1, $2, $3)");
        cmd.Parameters.Add(new()
        {
            Value = JsonSerializer.Serialize(limits.Select(l => new { scope = ScopeName(l.Scope), action = l.Action, max_count = l.MaxCount, window_seconds = l.WindowSeconds })),
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb,
        });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = reason });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<BreakerTrip>> TripsAsync(bool openOnly = false, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {TripColumns} FROM lifeboat.breaker_trips WHERE NOT $1 OR reset_at IS NULL ORDER BY trip_id DESC LIMIT 500");
        cmd.Parameters.Add(new() { Value = openOnly });
        var list = new List<BreakerTrip>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadTrip(reader));
        }

        return list;
    }

    /// <summary>Trips recorded after <paramref name="afterTripId"/>, oldest first (what a watcher has not seen yet).</summary>
    public async Task<IReadOnlyList<BreakerTrip>> TripsAfterAsync(long afterTripId, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {TripColumns} FROM lifeboat.breaker_trips WHERE trip_id > $1 ORDER BY trip_id LIMIT 500");
        cmd.Parameters.Add(new() { Value = afterTripId });
        var list = new List<BreakerTrip>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadTrip(reader));
        }

        return list;
    }

    public async Task<BreakerTrip> GetTripAsync(long tripId, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {TripColumns} FROM lifeboat.breaker_trips WHERE trip_id = $1");
        cmd.Parameters.Add(new() { Value = tripId });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? ReadTrip(reader)
            : throw new BreakerException($"breaker trip {tripId} does not exist. List the trips with lifeboat breaker list.");
    }

    /// <summary>Closes a trip, so destructive writes in its scope are counted against the limit again.</summary>
    public async Task<BreakerTrip> ResetAsync(long tripId, string reason, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new BreakerException($"resetting breaker trip {tripId} needs a reason: what destroyed data, and why it is safe to go on.");
        }

        var trip = await GetTripAsync(tripId, cancellationToken);
        if (!trip.IsOpen)
        {
            throw new BreakerException($"breaker trip {tripId} was already reset by {trip.ResetBy} at {trip.ResetAt:u} ({trip.ResetReason}).");
        }

        // Every scope the refused write counted in starts afresh; the database writes the audit log.
        await using var cmd = _context.Command("SELECT lifeboat.reset_breaker_trip($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = tripId });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = reason.Trim() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return await GetTripAsync(tripId, cancellationToken);
    }

    /// <summary>
    /// Records the refusal the database just made (in a transaction of its own: the refused one
    /// rolls back), or finds the open trip that refused it, and returns the error for the caller.
    /// </summary>
    internal async Task<BreakerTrippedException> RecordAsync(PostgresException refusal, TenantId tenant)
    {
        using var detail = JsonDocument.Parse(refusal.Detail ?? "{}");
        var d = detail.RootElement;
        var scope = d.GetProperty("scope").GetString()!;
        var scopeKey = d.GetProperty("scopeKey").GetString() ?? "";
        var action = d.GetProperty("action").GetString()!;
        await using var connection = await _context.DataSource.OpenConnectionAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync(CancellationToken.None);
        BreakerTrip trip;
        await using (var cmd = new NpgsqlCommand($"""
            WITH ins AS (
                INSERT INTO lifeboat.breaker_trips (scope, scope_key, action, max_count, window_seconds, refused_count, tenant_id, actor, operation)
                VALUES ($1, $2, $3, $4, $5, $9, $6, $7, $8)
                ON CONFLICT (scope, scope_key, action) WHERE reset_at IS NULL DO NOTHING
                RETURNING {TripColumns})
            SELECT {TripColumns}, true FROM ins
            UNION ALL
            SELECT {TripColumns}, false FROM lifeboat.breaker_trips WHERE reset_at IS NULL AND scope = $1 AND scope_key = $2 AND action = $3
            LIMIT 1
            """, connection, tx))
        {
            cmd.Parameters.Add(new() { Value = scope });
            cmd.Parameters.Add(new() { Value = scopeKey });
            cmd.Parameters.Add(new() { Value = action });
            cmd.Parameters.Add(new() { Value = d.GetProperty("maxCount").GetInt32() });
            cmd.Parameters.Add(new() { Value = d.GetProperty("windowSeconds").GetInt32() });
            cmd.Parameters.Add(new() { Value = d.TryGetProperty("tenant", out var t) ? t.GetString() ?? tenant.Value : tenant.Value });
            cmd.Parameters.Add(new() { Value = d.TryGetProperty("actor", out var a) ? a.GetString() ?? _context.Actor : _context.Actor });
            cmd.Parameters.Add(new() { Value = d.TryGetProperty("operation", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()! : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = d.TryGetProperty("count", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : d.GetProperty("maxCount").GetInt32() + 1 });
            // When another refusal records the same trip at the same moment, ON CONFLICT waits for it and
            // inserts nothing, yet the statement's snapshot predates that row: the next statement sees it.
            var (found, created) = await ReadRecordedAsync(cmd) ?? await ReadRecordedAsync(cmd)
                ?? throw new InvalidOperationException($"breaker trip for {scope} {scopeKey} {action} was neither recorded nor found.");
            trip = found;
            if (created)
            {
                await AuditAsync(connection, tx, "breaker.tripped", tenant, new { trip = trip.TripId, scope, scopeKey, action, refusal.MessageText }, CancellationToken.None);
            }
        }

        await tx.CommitAsync(CancellationToken.None);
        var message = $"{refusal.MessageText}. Nothing of this write was committed, and destructive writes in its scope are refused until breaker trip {trip.TripId} is reset. " +
                      $"Find what is destroying data; once the cause is understood, reset it: lifeboat breaker reset {trip.TripId} --reason \"…\" (or POST /api/breaker/trips/{trip.TripId}/reset). " +
                      "To allow such a rate, change the breaker's limits in the policy.";
        return new BreakerTrippedException(trip, message);
    }

    private static async Task<(BreakerTrip Trip, bool Created)?> ReadRecordedAsync(NpgsqlCommand cmd)
    {
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        return await reader.ReadAsync(CancellationToken.None) ? (ReadTrip(reader), reader.GetBoolean(14)) : null;
    }

    internal static bool IsAction(string action) =>
        action is "tenant.delete" or "record.delete" ||
        (action.StartsWith("record.delete:", StringComparison.Ordinal) && action.Length > "record.delete:".Length);

    private async Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string action, TenantId? tenant, object details, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details) VALUES ($1, $2, $3, $4, $5)", connection, tx);
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = action });
        cmd.Parameters.Add(new() { Value = (object?)tenant?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(details, Json.Web), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static BreakerTrip ReadTrip(NpgsqlDataReader r) => new(
        r.GetInt64(0), ParseScope(r.GetString(1)), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), TenantId.Parse(r.GetString(7)), r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9), r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11),
        r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12), r.IsDBNull(13) ? null : r.GetString(13));

    private static BreakerScope ParseScope(string scope) => scope switch
    {
        "actor" => BreakerScope.Actor,
        "operation" => BreakerScope.Operation,
        _ => BreakerScope.Environment,
    };

    private static string ScopeName(BreakerScope scope) => scope.ToString().ToLowerInvariant();
}
