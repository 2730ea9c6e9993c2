using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Claims a checklist item the way a reaction claims a TODO in the incident channel: the claimer gets a
/// task for it (purpose: the runbook's step; action: its text), linked to the item, so the commander's
/// view shows who is on it. Ticking the item completes the task.
/// </summary>
internal sealed class ChecklistClaim(IncidentContext context, ChecklistBook checklist, ParticipantBook participants)
{
    public async Task<ChecklistItem> ClaimAsync(IncidentId id, string itemId, CancellationToken ct)
    {
        var wanted = itemId?.Trim() ?? "";
        await using var tx = await context.BeginAsync(ct);
        // The incident first (task numbering locks it too), then the item: of two claiming at once, the second waits and is told who won.
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR NO KEY UPDATE", ct);
        IncidentContext.RequireOpen(incident, "claim the item on the survivor");
        var item = await ChecklistBook.RequireAsync(tx, id, wanted, "FOR UPDATE", ct);
        if (item.TickedAt is { } at)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"checklist item '{item.Id}' of incident {id} was ticked by {item.TickedBy} at {at:u}: there is nothing to claim. Nothing was changed.");
        }

        if (item.Task is { } existing)
        {
            var task = await TaskBook.RequireAsync(tx, id, existing, "", ct);
            if (task.State == IncidentTaskState.Open && task.Owner is { } owner)
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"checklist item '{item.Id}' of incident {id} is claimed by {owner} (task #{existing}): ask {owner}, or have the commander drop the task to free it. Nothing was changed.");
            }
        }

        var claimer = await participants.EnsureAsync(tx, id, context.Actor, ct);
        var number = await new TaskAssigning(context, new TaskBook(context)).InsertAsync(
            tx, id, claimer.Person, $"checklist item '{item.Id}' of the {incident.Type} runbook", item.Text, due: null, stream: null, item.Id, ct);
        await using (var cmd = tx.Command("UPDATE incidents.checklist_items SET task_number = $3 WHERE incident_id = $1 AND item_id = $2"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = item.Id });
            cmd.Parameters.Add(new() { Value = number });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await context.RecordAsync(tx, id, "checklist", $"{claimer.Person} claimed checklist item '{item.Id}' as task #{number}: {item.Text}", ct);
        await tx.CommitAsync(ct);
        return await checklist.GetAsync(id, item.Id, ct);
    }
}
