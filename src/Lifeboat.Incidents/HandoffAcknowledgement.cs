using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>The receiver, and only the receiver, acknowledges a handoff: that is what ends it being pending.</summary>
internal sealed class HandoffAcknowledgement(IncidentContext context, HandoffBook handoffs)
{
    public async Task<Handoff> AcknowledgeAsync(IncidentId id, long handoffId, CancellationToken ct)
    {
        await using var tx = await context.BeginAsync(ct);
        await IncidentContext.RequireAsync(tx, id, "", ct);
        await using (var read = tx.Command("SELECT to_person, acknowledged_at FROM incidents.handoffs WHERE incident_id = $1 AND handoff_id = $2 FOR UPDATE"))
        {
            read.Parameters.Add(new() { Value = id.Value });
            read.Parameters.Add(new() { Value = handoffId });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new PlatformException(PlatformErrorKind.NotFound, $"incident {id} has no handoff {handoffId}: list its pending handoffs for the number. Nothing was changed.");
            }

            var receiver = reader.GetString(0);
            if (!reader.IsDBNull(1))
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"handoff {handoffId} of incident {id} was acknowledged by {receiver} at {reader.GetFieldValue<DateTimeOffset>(1):u} already. Nothing was changed.");
            }

            await reader.CloseAsync();
            if (!await RoleBook.SamePersonAsync(tx, receiver, context.Actor, ct))
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"handoff {handoffId} of incident {id} is to {receiver}, so only {receiver} can acknowledge it, not {context.Actor}: ask {receiver} to read the packet and acknowledge it. Nothing was changed.");
            }
        }

        await using (var cmd = tx.Command("UPDATE incidents.handoffs SET acknowledged_at = $3, acknowledged_by = $4 WHERE incident_id = $1 AND handoff_id = $2"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = handoffId });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await context.RecordAsync(tx, id, "handoff", $"{context.Actor} acknowledged handoff {handoffId}", ct);
        await tx.CommitAsync(ct);
        return await handoffs.GetAsync(id, handoffId, ct);
    }
}
