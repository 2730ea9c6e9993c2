using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Moves an incident between phases: forward one step at a time (so no step is forgotten), back to any
/// earlier phase while it is not closed (a fix that did not hold), and never out of Closed.
/// </summary>
internal sealed class PhaseChange(IncidentContext context)
{
    public async Task<Incident> MoveAsync(IncidentId id, IncidentPhase to, string? note, CancellationToken ct)
    {
        if (!Enum.IsDefined(to))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"phase {(int)to} does not exist: give investigating, identified, restoring, monitoring, resolved or closed. Nothing was changed.");
        }

        await using var tx = await context.BeginAsync(ct);
        // Locked: two people moving the phase at once each decide on what the other left.
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR UPDATE", ct);
        IncidentContext.RequireOpen(incident, "move the survivor's phase");
        var from = incident.Phase;
        if (to == from)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {id} is already {IncidentNames.Of(from)}. Nothing was changed.");
        }

        if (to > from + 1)
        {
            var skipped = string.Join(", ", Enumerable.Range((int)from + 1, (int)to - (int)from - 1).Select(p => IncidentNames.Of((IncidentPhase)p)));
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"incident {id} cannot move from {IncidentNames.Of(from)} to {IncidentNames.Of(to)}: that skips {skipped}. " +
                $"Move to {IncidentNames.Of(from + 1)} first; phases go forward one step at a time. Nothing was changed.");
        }

        await using (var cmd = tx.Command("UPDATE incidents.incidents SET phase = $2, changed_at = $3, changed_by = $4 WHERE incident_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = IncidentNames.Of(to) });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var direction = to < from ? "back " : "";
        var because = string.IsNullOrWhiteSpace(note) ? "" : $": {note.Trim()}";
        await context.RecordAsync(tx, id, "phase", $"phase {IncidentNames.Of(from)} → {direction}{IncidentNames.Of(to)}{because}", ct);
        await tx.CommitAsync(ct);
        return await context.RequireAsync(id, ct);
    }
}
