using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Records that an update went to customers (what was said), as a <c>customer-update</c> event: it restarts the customer-facing cadence.</summary>
internal sealed class CustomerUpdateRecording(IncidentContext context, Timeline timeline)
{
    public async Task<TimelineEvent> RecordAsync(IncidentId id, string text, CancellationToken ct)
    {
        var written = text?.Trim();
        if (string.IsNullOrEmpty(written))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the customer update for incident {id} is empty: give what customers were told. Nothing was recorded.");
        }

        if (written.Length > 10_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the customer update is {written.Length} characters long; a timeline event is at most 10,000. Nothing was recorded.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "record the update on the survivor");
        var eventId = await context.RecordAsync(tx, id, "customer-update", written, ct);
        await tx.CommitAsync(ct);
        return await timeline.GetAsync(id, eventId, ct);
    }
}
