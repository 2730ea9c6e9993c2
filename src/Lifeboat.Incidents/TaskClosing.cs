using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Marks an open task done, or drops it with a reason; a task that is done or dropped stays so (nothing is deleted).</summary>
internal sealed class TaskClosing(IncidentContext context, TaskBook tasks)
{
    public const int MaxReason = 500;

    public async Task<IncidentTask> CompleteAsync(IncidentId id, int number, CancellationToken ct) =>
        await CloseAsync(id, number, IncidentTaskState.Done, reason: null, ct);

    public async Task<IncidentTask> DropAsync(IncidentId id, int number, string reason, CancellationToken ct)
    {
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"dropping task #{number} needs a reason: say why it is no longer needed (\"superseded by task #4\"). Nothing was changed.");
        }

        if (why.Length > MaxReason)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the reason is {why.Length} characters long; keep it to {MaxReason}. Nothing was changed.");
        }

        return await CloseAsync(id, number, IncidentTaskState.Dropped, why, ct);
    }

    private async Task<IncidentTask> CloseAsync(IncidentId id, int number, IncidentTaskState to, string? reason, CancellationToken ct)
    {
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "track the work on the survivor");
        // Locked: of two people closing one task at once, the second is told what the first did.
        var task = await TaskBook.RequireAsync(tx, id, number, "FOR UPDATE", ct);
        if (task.State != IncidentTaskState.Open)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"task #{number} of incident {id} was {TaskBook.Describe(task)} already. Nothing was changed.");
        }

        await using (var cmd = tx.Command("""
            UPDATE incidents.tasks SET state = $3, state_reason = $4, state_changed_at = $5, state_changed_by = $6
            WHERE incident_id = $1 AND task_number = $2 AND state = 'open'
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = number });
            cmd.Parameters.Add(new() { Value = TaskBook.Of(to) });
            cmd.Parameters.Add(IncidentContext.Text(reason));
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var text = to == IncidentTaskState.Done
            ? $"task #{number} done: {task.Action}"
            : $"task #{number} dropped: {task.Action} (because: {reason})";
        await context.RecordAsync(tx, id, "task", text, ct);
        await tx.CommitAsync(ct);
        return await tasks.GetAsync(id, number, ct);
    }
}
