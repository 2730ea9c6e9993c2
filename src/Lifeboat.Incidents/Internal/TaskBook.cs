using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents.Internal;

/// <summary>Reads an incident's tasks.</summary>
internal sealed class TaskBook(IncidentContext context)
{
    public const string Columns =
        "incident_id, task_number, stream, owner, purpose, action, due_at, state, state_reason, created_at, created_by, state_changed_at, state_changed_by, checklist_item";

    public async Task<IReadOnlyList<IncidentTask>> ListAsync(IncidentId incident, string? stream, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.tasks WHERE incident_id = $1 AND ($2::text IS NULL OR stream = $2) ORDER BY task_number");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(IncidentContext.Text(stream?.Trim()));
        return await ReadAsync(cmd, ct);
    }

    public async Task<IncidentTask> GetAsync(IncidentId incident, int number, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.tasks WHERE incident_id = $1 AND task_number = $2");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = number });
        return (await ReadAsync(cmd, ct)).SingleOrDefault() ?? throw NotFound(incident, number);
    }

    /// <summary>The task read in <paramref name="tx"/>, locked when <paramref name="lockMode"/> says so.</summary>
    public static async Task<IncidentTask> RequireAsync(IncidentTransaction tx, IncidentId incident, int number, string lockMode, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {Columns} FROM incidents.tasks WHERE incident_id = $1 AND task_number = $2 {lockMode}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = number });
        return (await ReadAsync(cmd, ct)).SingleOrDefault() ?? throw NotFound(incident, number);
    }

    public static PlatformException NotFound(IncidentId incident, int number) =>
        new(PlatformErrorKind.NotFound, $"incident {incident} has no task #{number}: list its tasks for the number. Nothing was changed.");

    /// <summary>"done by erin at …" / "dropped by erin at …: reason": what a caller acting on a closed task is told.</summary>
    public static string Describe(IncidentTask task) =>
        task.State == IncidentTaskState.Dropped
            ? $"dropped by {task.StateChangedBy} at {task.StateChangedAt:u} ({task.StateReason})"
            : $"done by {task.StateChangedBy} at {task.StateChangedAt:u}";

    public static string Of(IncidentTaskState state) => state.ToString().ToLowerInvariant();

    public static async Task<IReadOnlyList<IncidentTask>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<IncidentTask>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new IncidentTask(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetInt32(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                Enum.Parse<IncidentTaskState>(reader.GetString(7), ignoreCase: true),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetFieldValue<DateTimeOffset>(9),
                reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13)));
        }

        return list;
    }
}
