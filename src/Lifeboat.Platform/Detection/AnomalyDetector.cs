using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using NpgsqlTypes;

namespace Lifeboat.Platform.Detection;

public sealed record Alert(
    AlertId Id,
    string Actor,
    string Action,
    int Count,
    double Baseline,
    int WindowSeconds,
    long FirstPosition,
    DateTimeOffset FirstStamp,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset DetectedAt,
    IReadOnlyList<PlanId> HaltedPlans,
    string Message,
    string? AcknowledgedBy,
    long? TripId = null);

/// <summary>
/// Watches the rate of destructive writes (every path: plans, apps, scripts that bypass plans) per
/// actor and per action against a baseline. Above it, it raises an alert, records it in the outbox
/// for the incident side, and halts every running plan. Checked every few seconds, it sees an
/// unusual burst within one window of its first write.
/// </summary>
public sealed class AnomalyDetector
{
    private const string Cursor = "destructive-writes";
    private const string TripCursor = "breaker-trips";

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;
    private readonly List<(DateTimeOffset SeenAt, DestructiveWrite Write)> _seen = [];

    /// <summary>Per actor and action, the last write an alert covered: acknowledging it must not raise the same burst again.</summary>
    private readonly Dictionary<(string Actor, string Key), long> _alertedUpTo = [];
    private readonly DestructiveWriteFeed _feed;
    private long? _cursor;
    private long? _tripCursor;

    private readonly PolicyStore _policies;

    internal AnomalyDetector(PlatformContext context, AuditLog audit, PolicyStore policies)
    {
        _context = context;
        _audit = audit;
        _feed = context.Store.DestructiveWrites.Feed();
        _policies = policies;
    }

    /// <summary>The detector's part of the policy in force, as read at the start of the current check.</summary>
    private PlanPolicy.DetectorPolicy Policy { get; set; } = PlanPolicy.Default.Detector;

    /// <summary>Reads the destructive writes since the last check and raises an alert for each unusual rate.</summary>
    public async Task<IReadOnlyList<Alert>> CheckAsync(CancellationToken cancellationToken = default)
    {
        Policy = (await _policies.CurrentAsync(cancellationToken)).Policy.Detector;
        var now = _context.Time.GetUtcNow();
        _cursor ??= await LoadCursorAsync(cancellationToken);
        // Only up to the IDs that have settled: a write whose ID is below one already read may still commit.
        var (writes, cursor) = await _feed.ReadAsync(_cursor.Value, cancellationToken: cancellationToken);
        _seen.AddRange(writes.Select(w => (now, w)));
        if (cursor != _cursor)
        {
            _cursor = cursor;
            await SaveCursorAsync(cursor, cancellationToken);
        }

        _seen.RemoveAll(s => s.SeenAt < now - TimeSpan.FromHours(1));
        var window = TimeSpan.FromSeconds(Policy.WindowSeconds);
        var raised = new List<Alert>();
        raised.AddRange(await AlertTripsAsync(now, cancellationToken));
        var unalerted = _seen.Where(s => s.SeenAt > now - window && s.Write.EventId > _alertedUpTo.GetValueOrDefault((s.Write.Actor, s.Write.Key)));
        foreach (var burst in unalerted.GroupBy(s => (s.Write.Actor, s.Write.Key)))
        {
            var count = burst.Sum(b => b.Write.Count);
            var baseline = Baseline(burst.Key.Key, now, window);
            if (count > baseline && !await IsOpenAsync(burst.Key.Actor, burst.Key.Key, cancellationToken))
            {
                var first = burst.MinBy(b => b.Write.EventId);
                raised.Add(await RaiseAsync(burst.Key.Actor, burst.Key.Key, count, baseline, first.Write, first.SeenAt, now, cancellationToken));
                _alertedUpTo[burst.Key] = burst.Max(b => b.Write.EventId);
            }
        }

        return raised;
    }

    /// <summary>Checks every <paramref name="interval"/> until cancelled.</summary>
    public async Task WatchAsync(TimeSpan interval, Action<Alert>? onAlert = null, CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                foreach (var alert in await CheckAsync(cancellationToken))
                {
                    onAlert?.Invoke(alert);
                }

                await Task.Delay(interval, _context.Time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped, in a check or between two: the cursor holds what was read.
                return;
            }
        }
    }

    public async Task<IReadOnlyList<Alert>> AlertsAsync(bool openOnly = false, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT alert_id, actor, action, count, baseline, window_seconds, first_position, first_stamp, first_seen_at, detected_at, halted_plans, message, acknowledged_by, trip_id
            FROM platform.alerts WHERE NOT $1 OR acknowledged_by IS NULL ORDER BY detected_at DESC LIMIT 200
            """);
        cmd.Parameters.Add(new() { Value = openOnly });
        var list = new List<Alert>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new Alert(AlertId.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetInt32(3), (double)r.GetDecimal(4), r.GetInt32(5), r.GetInt64(6),
                r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8), r.GetFieldValue<DateTimeOffset>(9),
                r.GetFieldValue<string[]>(10).Select(PlanId.Parse).ToList(), r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetInt64(13)));
        }

        return list;
    }

    public async Task AcknowledgeAsync(AlertId alert, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("UPDATE platform.alerts SET acknowledged_by = $2, acknowledged_at = $3 WHERE alert_id = $1 AND acknowledged_by IS NULL RETURNING trip_id");
        cmd.Parameters.Add(new() { Value = alert.Value });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        var acknowledged = await cmd.ExecuteScalarAsync(cancellationToken);
        if (acknowledged is null)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"alert {alert} does not exist or was already acknowledged.");
        }

        await _audit.WriteAsync(alert.Value, "acknowledged", null, [], new { }, cancellationToken);
        if (acknowledged is long trip)
        {
            await new BreakerTrips(_context, _audit).ResetAsync(trip, $"alert {alert} acknowledged", cancellationToken);
        }
    }

    /// <summary>The breaker trip a halt code or an acknowledgement names ("trip:42"), if any.</summary>
    public static long? TripOf(string? code) =>
        code is not null && code.StartsWith("trip:", StringComparison.Ordinal)
        && long.TryParse(code.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var trip) ? trip : null;

    /// <summary>Every trip the breaker recorded since the last check is an alert, which halts the running plans like any other.</summary>
    private async Task<List<Alert>> AlertTripsAsync(DateTimeOffset now, CancellationToken ct)
    {
        // From the first trip: one still open, however old, is a problem now.
        _tripCursor ??= await LoadCursorAsync(TripCursor, () => Task.FromResult(0L), ct);
        var alerts = new List<Alert>();
        foreach (var trip in await _context.Store.Breaker.TripsAfterAsync(_tripCursor.Value, ct))
        {
            if (trip.IsOpen)
            {
                var first = new DestructiveWrite(0, 0, trip.TrippedAt, trip.Tenant, trip.Actor, trip.Action, null, trip.RefusedCount);
                var message = $"the breaker refused a destructive write on {trip.Tenant}: {trip.Describe()} ({trip.Code}); the write was not committed. " +
                              $"Reset it once the cause is understood: lifeboat breaker reset {trip.TripId} --reason \"…\"";
                alerts.Add(await RaiseAsync(trip.Actor, trip.Action, trip.RefusedCount, trip.MaxCount, first, now, now, ct, message, trip.TripId));
            }

            _tripCursor = trip.TripId;
            await SaveCursorAsync(TripCursor, trip.TripId, ct);
        }

        return alerts;
    }

    /// <summary>max(floor, factor × the trailing hour's average count per window, this window excluded).</summary>
    private double Baseline(string key, DateTimeOffset now, TimeSpan window)
    {
        var history = _seen.Where(s => s.Write.Key == key && s.SeenAt <= now - window).Sum(s => s.Write.Count);
        var windowsPerHour = TimeSpan.FromHours(1) / window;
        return Math.Max(Policy.FloorOf(key), Policy.Factor * history / windowsPerHour);
    }

    private async Task<Alert> RaiseAsync(string actor, string key, int count, double baseline, DestructiveWrite first, DateTimeOffset firstSeenAt, DateTimeOffset now, CancellationToken ct,
        string? message = null, long? trip = null)
    {
        var id = TypedId.New<AlertId>(_context.Time);
        message ??= $"{actor} made {count} {key} writes within {Policy.WindowSeconds} s (baseline {baseline:0.#}); the first at position {first.Position} on {first.Tenant}.";
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
        var halted = new List<PlanId>();
        await using (var halt = tx.Command("""
            UPDATE platform.plans SET state = 'Halted', halt_code = $1, state_reason = $2, updated_at = $3 WHERE state = 'Running' AND $4 RETURNING plan_id
            """))
        {
            halt.Parameters.Add(new() { Value = id.Value });
            halt.Parameters.Add(new() { Value = $"anomaly {id}: {message}" });
            halt.Parameters.Add(new() { Value = now });
            halt.Parameters.Add(new() { Value = Policy.HaltRunningPlans });
            await using var reader = await halt.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                halted.Add(PlanId.Parse(reader.GetString(0)));
            }
        }

        await using (var insert = tx.Command("""
            INSERT INTO platform.alerts (alert_id, actor, action, count, baseline, window_seconds, first_position, first_stamp, first_seen_at, detected_at, halted_plans, message, trip_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """))
        {
            insert.Parameters.Add(new() { Value = id.Value });
            insert.Parameters.Add(new() { Value = actor });
            insert.Parameters.Add(new() { Value = key });
            insert.Parameters.Add(new() { Value = count });
            insert.Parameters.Add(new() { Value = (decimal)baseline, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new() { Value = Policy.WindowSeconds });
            insert.Parameters.Add(new() { Value = first.Position });
            insert.Parameters.Add(new() { Value = first.Stamp });
            insert.Parameters.Add(new() { Value = firstSeenAt });
            insert.Parameters.Add(new() { Value = now });
            insert.Parameters.Add(new() { Value = halted.Select(h => h.Value).ToArray() });
            insert.Parameters.Add(new() { Value = message });
            insert.Parameters.Add(new() { Value = (object?)trip ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await _context.AppendAsync(tx, _context.Event("alert.raised", null, id.Value, new { actor, action = key, count, baseline, halted, message }), ct);
        foreach (var plan in halted)
        {
            await _audit.WriteAsync(plan.Value, "halted", null, [], new { alert = id.Value, message }, ct, tx);
        }

        await _audit.WriteAsync(id.Value, "alert-raised", null, [first.Tenant.Value], new { actor, key, count, baseline, halted }, ct, tx);
        await tx.CommitAsync(ct);
        return new Alert(id, actor, key, count, baseline, Policy.WindowSeconds, first.Position, first.Stamp, firstSeenAt, now, halted, message, null, trip);
    }

    private async Task<bool> IsOpenAsync(string actor, string key, CancellationToken ct)
    {
        await using var cmd = _context.Command("SELECT 1 FROM platform.alerts WHERE actor = $1 AND action = $2 AND acknowledged_by IS NULL LIMIT 1");
        cmd.Parameters.Add(new() { Value = actor });
        cmd.Parameters.Add(new() { Value = key });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>A new detector starts at the latest write: history before it started is not an anomaly it can act on.</summary>
    private Task<long> LoadCursorAsync(CancellationToken ct) => LoadCursorAsync(Cursor, () => _context.Store.DestructiveWrites.LatestAsync(ct), ct);

    private async Task<long> LoadCursorAsync(string name, Func<Task<long>> start, CancellationToken ct)
    {
        await using var cmd = _context.Command("SELECT last_event_id FROM platform.detector_cursor WHERE name = $1");
        cmd.Parameters.Add(new() { Value = name });
        return await cmd.ExecuteScalarAsync(ct) is long saved ? saved : await start();
    }

    private Task SaveCursorAsync(long eventId, CancellationToken ct) => SaveCursorAsync(Cursor, eventId, ct);

    private async Task SaveCursorAsync(string name, long eventId, CancellationToken ct)
    {
        await using var cmd = _context.Command("""
            INSERT INTO platform.detector_cursor (name, last_event_id) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id
            """);
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = eventId });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
