using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Detection;

/// <summary>
/// The platform's side of the store's breaker: a trip is an alert (raised by the detector), and a
/// person closes both with one word: resetting the trip acknowledges its alert, acknowledging the
/// alert resets the trip, and resuming a plan the breaker halted (acknowledging "trip:N") does both.
/// </summary>
public sealed class BreakerTrips
{
    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    internal BreakerTrips(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    public Task<IReadOnlyList<BreakerTrip>> ListAsync(bool openOnly = false, CancellationToken cancellationToken = default) =>
        _context.Store.Breaker.TripsAsync(openOnly, cancellationToken);

    public Task<IReadOnlyList<BreakerLimit>> LimitsAsync(CancellationToken cancellationToken = default) =>
        _context.Store.Breaker.LimitsAsync(cancellationToken);

    public async Task<BreakerTrip> GetAsync(long tripId, CancellationToken cancellationToken = default) =>
        await FindAsync(tripId, cancellationToken)
        ?? throw new PlatformException(PlatformErrorKind.NotFound, $"breaker trip {tripId} does not exist. List the trips with lifeboat breaker list.");

    /// <summary>Resets an open trip (a trip already reset is left as it is) and acknowledges the alert raised for it.</summary>
    public async Task<BreakerTrip> ResetAsync(long tripId, string reason, CancellationToken cancellationToken = default)
    {
        var trip = await GetAsync(tripId, cancellationToken);
        if (trip.IsOpen)
        {
            trip = await _context.Store.Breaker.ResetAsync(tripId, reason, cancellationToken);
        }

        await using var ack = _context.Command("UPDATE platform.alerts SET acknowledged_by = $2, acknowledged_at = $3 WHERE trip_id = $1 AND acknowledged_by IS NULL RETURNING alert_id");
        ack.Parameters.Add(new() { Value = tripId });
        ack.Parameters.Add(new() { Value = _context.Actor });
        ack.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        var alerts = new List<string>();
        await using (var reader = await ack.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                alerts.Add(reader.GetString(0));
            }
        }

        foreach (var alert in alerts)
        {
            await _audit.WriteAsync(alert, "acknowledged", null, [], new { trip = trip.Code, reason }, cancellationToken);
        }

        return trip;
    }

    private async Task<BreakerTrip?> FindAsync(long tripId, CancellationToken ct)
    {
        try
        {
            return await _context.Store.Breaker.GetTripAsync(tripId, ct);
        }
        catch (BreakerException)
        {
            return null;
        }
    }
}
