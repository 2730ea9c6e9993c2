using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// The desk's actor takes an unowned open task. The update is conditional on the task having no owner, so
/// of two people claiming at once one wins and the other is told who has it. Claiming makes the claimer a
/// participant, the way reacting to a TODO in the channel puts you on it.
/// </summary>
internal sealed class TaskClaim(IncidentContext context, TaskBook tasks, ParticipantBook participants)
{
    public async Task<IncidentTask> ClaimAsync(IncidentId id, int number, CancellationToken ct)
    {
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "claim the task on the survivor");
        var task = await TaskBook.RequireAsync(tx, id, number, "", ct);
        RequireClaimable(id, task);
        var claimer = await participants.EnsureAsync(tx, id, context.Actor, ct);
        if (!await ClaimRowAsync(tx, id, number, claimer.Person, ct))
        {
            // Someone else's claim committed while ours waited on the row: a statement of its own sees it.
            RequireClaimable(id, await TaskBook.RequireAsync(tx, id, number, "", ct));
            throw new PlatformException(PlatformErrorKind.Conflict, $"task #{number} of incident {id} changed while it was being claimed: list the tasks and try again. Nothing was changed.");
        }

        await context.RecordAsync(tx, id, "task", $"{claimer.Person} claimed task #{number}: {task.Action}", ct);
        await tx.CommitAsync(ct);
        return await tasks.GetAsync(id, number, ct);
    }

    private static async Task<bool> ClaimRowAsync(IncidentTransaction tx, IncidentId id, int number, string owner, CancellationToken ct)
    {
        await using var cmd = tx.Command("UPDATE incidents.tasks SET owner = $3 WHERE incident_id = $1 AND task_number = $2 AND owner IS NULL AND state = 'open'");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = number });
        cmd.Parameters.Add(new() { Value = owner });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private static void RequireClaimable(IncidentId id, IncidentTask task)
    {
        if (task.State != IncidentTaskState.Open)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"task #{task.Number} of incident {id} was {TaskBook.Describe(task)}: there is nothing to claim. Nothing was changed.");
        }

        if (task.Owner is { } owner)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"task #{task.Number} of incident {id} is {owner}'s already: ask {owner}, or the commander to reassign it. Nothing was changed.");
        }
    }
}
