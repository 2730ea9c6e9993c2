using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Incidents.Internal;

/// <summary>Reads an incident's checklist, posts a runbook as one, and writes a first tick (by a person or by evidence).</summary>
internal sealed class ChecklistBook(IncidentContext context)
{
    public const string Columns =
        "incident_id, item_id, position, text, evidence, double_check, task_number, ticked_at, ticked_by, tick_source, checked_at, checked_by";

    public async Task<IReadOnlyList<ChecklistItem>> ListAsync(IncidentId incident, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.checklist_items WHERE incident_id = $1 ORDER BY position");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    public async Task<ChecklistItem> GetAsync(IncidentId incident, string item, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.checklist_items WHERE incident_id = $1 AND item_id = $2");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = item });
        return (await ReadAsync(cmd, ct)).SingleOrDefault() ?? throw NotFound(incident, item);
    }

    /// <summary>The item read in <paramref name="tx"/>, locked when <paramref name="lockMode"/> says so.</summary>
    public static async Task<ChecklistItem> RequireAsync(IncidentTransaction tx, IncidentId incident, string item, string lockMode, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {Columns} FROM incidents.checklist_items WHERE incident_id = $1 AND item_id = $2 {lockMode}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = item });
        return (await ReadAsync(cmd, ct)).SingleOrDefault() ?? throw NotFound(incident, item);
    }

    public static async Task<IReadOnlyList<ChecklistItem>> OpenItemsAsync(IncidentTransaction tx, IncidentId incident, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {Columns} FROM incidents.checklist_items WHERE incident_id = $1 AND ticked_at IS NULL ORDER BY position FOR UPDATE");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    public static Lifeboat.Platform.PlatformException NotFound(IncidentId incident, string item) =>
        new(Lifeboat.Platform.PlatformErrorKind.NotFound, $"incident {incident} has no checklist item '{item}': list its checklist for the item IDs. Nothing was changed.");

    /// <summary>Posts <paramref name="runbook"/> as the incident's checklist, in the declaring transaction.</summary>
    public async Task PostAsync(IncidentTransaction tx, IncidentId incident, Runbook runbook, CancellationToken ct)
    {
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.checklist_items (incident_id, item_id, position, runbook, text, evidence, double_check)
            SELECT $1, i.id, i.n, $2, i.text, i.evidence, i.double_check
            FROM unnest($3::text[], $4::text[], $5::text[], $6::boolean[]) WITH ORDINALITY AS i(id, text, evidence, double_check, n)
            """))
        {
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = runbook.Source });
            cmd.Parameters.Add(new() { Value = runbook.Items.Select(i => i.Id).ToArray() });
            cmd.Parameters.Add(new() { Value = runbook.Items.Select(i => i.Text).ToArray() });
            cmd.Parameters.Add(new() { Value = runbook.Items.Select(i => i.Evidence is { } e ? EvidenceChecks.Of(e) : null).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = runbook.Items.Select(i => i.DoubleCheck).ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var twice = runbook.Items.Count(i => i.DoubleCheck);
        await context.RecordAsync(tx, incident, "checklist",
            $"runbook {runbook.Source} posted as the checklist: {runbook.Items.Count} items{(twice > 0 ? $", {twice} to be checked by a second person" : "")}", ct);
    }

    /// <summary>The first tick of an item, by this context's actor and source; completes the item's open task with it.</summary>
    public async Task TickAsync(IncidentTransaction tx, ChecklistItem item, CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        await using (var cmd = tx.Command("""
            UPDATE incidents.checklist_items SET ticked_at = $3, ticked_by = $4, tick_source = $5
            WHERE incident_id = $1 AND item_id = $2 AND ticked_at IS NULL
            """))
        {
            cmd.Parameters.Add(new() { Value = item.Incident.Value });
            cmd.Parameters.Add(new() { Value = item.Id });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = context.Actor });
            cmd.Parameters.Add(new() { Value = context.Source });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        if (item.Task is { } task)
        {
            await using var done = tx.Command("""
                UPDATE incidents.tasks SET state = 'done', state_changed_at = $3, state_changed_by = $4
                WHERE incident_id = $1 AND task_number = $2 AND state = 'open'
                """);
            done.Parameters.Add(new() { Value = item.Incident.Value });
            done.Parameters.Add(new() { Value = task });
            done.Parameters.Add(new() { Value = now });
            done.Parameters.Add(new() { Value = context.Actor });
            await done.ExecuteNonQueryAsync(ct);
        }

        var by = string.Equals(context.Source, ChecklistEvidence.Source, StringComparison.Ordinal) && item.Evidence is { } e
            ? $" from evidence ({EvidenceChecks.Of(e)})"
            : "";
        var then = item.DoubleCheck ? "; a second person must check it" : "";
        var andTask = item.Task is { } t ? $" (task #{t} done)" : "";
        await context.RecordAsync(tx, item.Incident, "checklist", $"{context.Actor} ticked '{item.Id}'{by}{andTask}: {item.Text}{then}", ct);
    }

    public static async Task<IReadOnlyList<ChecklistItem>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<ChecklistItem>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ChecklistItem(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : EvidenceChecks.Parse(reader.GetString(4)),
                reader.GetBoolean(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return list;
    }
}
