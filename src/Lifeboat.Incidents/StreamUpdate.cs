using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// A note that is a stream's own update: on the incident's timeline like any note (so it counts as the
/// incident's internal update too), and linked to the stream, whose cadence clock it restarts.
/// </summary>
internal sealed class StreamUpdate(IncidentContext context, Timeline timeline)
{
    public async Task<TimelineEvent> PostAsync(IncidentId id, string stream, string text, CancellationToken ct)
    {
        var slug = stream?.Trim() ?? "";
        var written = text?.Trim();
        if (string.IsNullOrEmpty(written))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the update for stream {slug} is empty: write where the stream stands. Nothing was added.");
        }

        if (written.Length > 10_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the update is {written.Length} characters long; a timeline note is at most 10,000. Nothing was added.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "post the update on the survivor");
        await StreamBook.RequireOpenAsync(tx, id, slug, ct);
        var eventId = await context.RecordAsync(tx, id, "note", $"[{slug}] {written}", ct);
        await using (var cmd = tx.Command("INSERT INTO incidents.stream_updates (incident_id, stream, event_id) VALUES ($1, $2, $3)"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = slug });
            cmd.Parameters.Add(new() { Value = eventId });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return await timeline.GetAsync(id, eventId, ct);
    }
}
