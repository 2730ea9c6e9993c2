using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Assigns work the way Mackerel's commanders learned to: to a named participant (or to no one yet, for
/// someone to claim), saying what it is for and what to do. Tasks are numbered per incident.
/// </summary>
internal sealed class TaskAssigning(IncidentContext context, TaskBook tasks)
{
    public const int MaxText = 500;

    public async Task<IncidentTask> AssignAsync(IncidentId id, TaskAssignment assignment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var purpose = assignment.Purpose?.Trim();
        if (string.IsNullOrEmpty(purpose))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                "the task has no purpose: say what the task is for (\"so support can tell customers when their site is back\"), not only what to do. Nothing was assigned.");
        }

        var action = assignment.Action?.Trim();
        if (string.IsNullOrEmpty(action))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the task has no action: say what to do (\"validate the restored sites of wave 1\"). Nothing was assigned.");
        }

        RequireLength(purpose, "purpose");
        RequireLength(action, "action");
        var owner = assignment.Owner is null ? null : IncidentContext.RequirePerson(assignment.Owner, "the task's owner");
        var stream = assignment.Stream?.Trim();
        if (assignment.Due is { } due && due <= context.Time.GetUtcNow())
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the task is due at {due:u}, which has passed: give a time still to come, or none. Nothing was assigned.");
        }

        await using var tx = await context.BeginAsync(ct);
        var number = await InsertAsync(tx, id, owner, purpose, action, assignment.Due, stream, checklistItem: null, ct);
        await tx.CommitAsync(ct);
        return await tasks.GetAsync(id, number, ct);
    }

    /// <summary>Checks the incident, the owner and the stream, then adds the task and its timeline event in <paramref name="tx"/>; returns its number.</summary>
    internal async Task<int> InsertAsync(IncidentTransaction tx, IncidentId id, string? owner, string purpose, string action, DateTimeOffset? due, string? stream, string? checklistItem, CancellationToken ct)
    {
        // Numbering takes the incident's row lock: two tasks added at once get the next two numbers.
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR NO KEY UPDATE", ct);
        IncidentContext.RequireOpen(incident, "assign the task on the survivor");
        var ownerName = owner is null ? null : (await ParticipantBook.RequireAsync(tx, id, owner, "given a task", ct)).Person;
        if (stream is not null)
        {
            await StreamBook.RequireOpenAsync(tx, id, stream, ct);
        }

        int number;
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.tasks (incident_id, task_number, stream, owner, purpose, action, due_at, state, created_at, created_by, checklist_item)
            SELECT $1, coalesce(max(task_number), 0) + 1, $2, $3, $4, $5, $6, 'open', $7, $8, $9 FROM incidents.tasks WHERE incident_id = $1
            RETURNING task_number
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(IncidentContext.Text(stream));
            cmd.Parameters.Add(IncidentContext.Text(ownerName));
            cmd.Parameters.Add(new() { Value = purpose });
            cmd.Parameters.Add(new() { Value = action });
            cmd.Parameters.Add(new() { Value = (object?)due ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            cmd.Parameters.Add(IncidentContext.Text(checklistItem));
            number = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }

        var to = ownerName is null ? "open to claim" : $"assigned to {ownerName}";
        var where = stream is null ? "" : $" in stream {stream}";
        var when = due is { } d ? $", due {d:u}" : "";
        await context.RecordAsync(tx, id, "task", $"task #{number}{where} {to}{when}: {action} (for: {purpose})", ct);
        return number;
    }

    private static void RequireLength(string text, string what)
    {
        if (text.Length > MaxText)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the task's {what} is {text.Length} characters long; keep it to {MaxText} and put the detail in a note. Nothing was assigned.");
        }
    }
}
