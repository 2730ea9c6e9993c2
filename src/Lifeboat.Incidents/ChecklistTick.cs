using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Ticks a checklist item as the desk's actor. A double-check item needs a second tick by someone other
/// than the first (compared as the platform compares principals); the database's CHECK holds that too.
/// </summary>
internal sealed class ChecklistTick(IncidentContext context, ChecklistBook checklist)
{
    public async Task<ChecklistItem> TickAsync(IncidentId id, string itemId, CancellationToken ct)
    {
        var wanted = itemId?.Trim() ?? "";
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "tick the item on the survivor");
        // Locked: of two ticks at once, the second sees the first and becomes the check (or is refused).
        var item = await ChecklistBook.RequireAsync(tx, id, wanted, "FOR UPDATE", ct);
        if (item.TickedAt is null)
        {
            await checklist.TickAsync(tx, item, ct);
        }
        else if (item.DoubleCheck && item.CheckedAt is null)
        {
            if (await RoleBook.SamePersonAsync(tx, item.TickedBy!, context.Actor, ct))
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"checklist item '{item.Id}' of incident {id} was ticked by {item.TickedBy} at {item.TickedAt:u}, and it is on the double-check list: a second person must check it, not {context.Actor}. Nothing was changed.");
            }

            await using (var cmd = tx.Command("UPDATE incidents.checklist_items SET checked_at = $3, checked_by = $4 WHERE incident_id = $1 AND item_id = $2 AND checked_at IS NULL"))
            {
                cmd.Parameters.Add(new() { Value = id.Value });
                cmd.Parameters.Add(new() { Value = item.Id });
                cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
                cmd.Parameters.Add(new() { Value = context.Actor });
                await cmd.ExecuteNonQueryAsync(ct);
            }

            await context.RecordAsync(tx, id, "checklist", $"{context.Actor} checked '{item.Id}' (ticked by {item.TickedBy}): {item.Text}", ct);
        }
        else
        {
            var checkedToo = item.CheckedAt is { } c ? $" and checked by {item.CheckedBy} at {c:u}" : "";
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"checklist item '{item.Id}' of incident {id} was ticked by {item.TickedBy} at {item.TickedAt:u}{checkedToo} already. Nothing was changed.");
        }

        await tx.CommitAsync(ct);
        return await checklist.GetAsync(id, item.Id, ct);
    }
}
