using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Closes a sub-stream whose work is finished; one with open tasks is refused, naming them.</summary>
internal sealed class StreamClosing(IncidentContext context, StreamBook streams)
{
    public async Task<IncidentStream> CloseAsync(IncidentId id, string stream, CancellationToken ct)
    {
        var slug = stream?.Trim() ?? "";
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "close the stream on the survivor");
        // Locked: a task being added to the stream waits, and then sees it closed.
        var found = await StreamBook.RequireAsync(tx, id, slug, "FOR UPDATE", ct);
        if (found.ClosedAt is { } at)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"stream {slug} of incident {id} was closed by {found.ClosedBy} at {at:u} already. Nothing was changed.");
        }

        await using (var open = tx.Command("SELECT array_agg(task_number ORDER BY task_number) FROM incidents.tasks WHERE incident_id = $1 AND stream = $2 AND state = 'open'"))
        {
            open.Parameters.Add(new() { Value = id.Value });
            open.Parameters.Add(new() { Value = slug });
            if (await open.ExecuteScalarAsync(ct) is int[] { Length: > 0 } numbers)
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"stream {slug} of incident {id} still has open tasks ({string.Join(", ", numbers.Select(n => $"#{n}"))}): complete or drop them first. Nothing was changed.");
            }
        }

        await using (var cmd = tx.Command("UPDATE incidents.streams SET closed_at = $3, closed_by = $4 WHERE incident_id = $1 AND stream = $2 AND closed_at IS NULL"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = slug });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await context.RecordAsync(tx, id, "stream", $"stream {slug} closed", ct);
        await tx.CommitAsync(ct);
        return await streams.GetAsync(id, slug, ct);
    }
}
