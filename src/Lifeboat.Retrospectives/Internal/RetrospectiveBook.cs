using System.Text.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Internal;
using Lifeboat.Retrospectives.Drafting;

namespace Lifeboat.Retrospectives.Internal;

/// <summary>Reads a retrospective whole (newest draft, KPT with every revision, actions, kinds not needed, reminders fired) and locks one for a change.</summary>
internal sealed class RetrospectiveBook(RetroContext context)
{
    public static PlatformException NotOpened(IncidentId incident) => new(PlatformErrorKind.NotFound,
        $"incident {incident} has no retrospective yet: the product opens one when the incident is resolved; a drill's is opened by hand (lifeboat retro open {incident} --drill). Nothing was changed.");

    /// <summary>Locks the retrospective's row for the change of the transaction; refuses when there is none. Returns its state.</summary>
    public static async Task<RetrospectiveState> LockAsync(RetroTransaction tx, IncidentId incident, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT state FROM retro.retrospectives WHERE incident_id = $1 FOR NO KEY UPDATE");
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        return await cmd.ExecuteScalarAsync(ct) is string state
            ? state == "completed" ? RetrospectiveState.Completed : RetrospectiveState.Open
            : throw NotOpened(incident);
    }

    /// <summary>Which of <paramref name="incidents"/> have a retrospective (one read, on the table's key).</summary>
    public async Task<HashSet<IncidentId>> ExistingAsync(IReadOnlyList<IncidentId> incidents, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT incident_id FROM retro.retrospectives WHERE incident_id = ANY($1)");
        cmd.Parameters.Add(new() { Value = incidents.Select(i => i.Value).ToArray() });
        var found = new HashSet<IncidentId>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(IncidentId.FromValidated(reader.GetString(0)));
        }

        return found;
    }

    public async Task<Retrospective> GetAsync(Incident incident, CancellationToken ct)
    {
        var id = RetroContext.Text(incident.Id.Value);
        await using var batch = context.DataSource.CreateBatch();
        batch.BatchCommands.Add(new("SELECT drill, state, opened_at, opened_by, completed_at, completed_by FROM retro.retrospectives WHERE incident_id = $1") { Parameters = { id.Clone() } });
        batch.BatchCommands.Add(new("SELECT draft_number, written_at, written_by, content::text FROM retro.drafts WHERE incident_id = $1 ORDER BY draft_number DESC LIMIT 1") { Parameters = { id.Clone() } });
        batch.BatchCommands.Add(new("""
            SELECT e.entry_number, e.kind, e.author, e.written_at, r.revision, r.text, r.written_at, r.written_by
            FROM retro.entries e JOIN retro.entry_revisions r ON r.incident_id = e.incident_id AND r.entry_number = e.entry_number
            WHERE e.incident_id = $1 ORDER BY e.entry_number, r.revision
            """) { Parameters = { id.Clone() } });
        batch.BatchCommands.Add(new("""
            SELECT action_number, kind, title, owner, due, state, created_at, created_by, closed_at, closed_by, drop_reason, evidence_kind, evidence, drill_report::text
            FROM retro.actions WHERE incident_id = $1 ORDER BY action_number
            """) { Parameters = { id.Clone() } });
        batch.BatchCommands.Add(new("SELECT kind, reason, decided_at, decided_by FROM retro.kinds_not_needed WHERE incident_id = $1 ORDER BY decided_at") { Parameters = { id.Clone() } });
        batch.BatchCommands.Add(new("SELECT action_number, reminder, fired_at, text FROM retro.action_reminders WHERE incident_id = $1 ORDER BY fired_at, action_number") { Parameters = { id.Clone() } });
        await using var r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            throw NotOpened(incident.Id);
        }

        var (drill, state, openedAt, openedBy) = (r.GetBoolean(0), r.GetString(1) == "completed" ? RetrospectiveState.Completed : RetrospectiveState.Open, r.GetFieldValue<DateTimeOffset>(2), r.GetString(3));
        var (completedAt, completedBy) = (r.IsDBNull(4) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetString(5));

        await r.NextResultAsync(ct);
        RetrospectiveDraft? draft = null;
        if (await r.ReadAsync(ct))
        {
            var content = JsonSerializer.Deserialize<DraftContent>(r.GetString(3), PlatformJson.Options)!;
            draft = new RetrospectiveDraft(r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), content.Timeline, content.Figures, content.DataLoss, content.Roles, content.Handoffs);
        }

        await r.NextResultAsync(ct);
        var entries = new List<KptEntry>();
        while (await r.ReadAsync(ct))
        {
            var number = r.GetInt32(0);
            if (entries.Count == 0 || entries[^1].Number != number)
            {
                entries.Add(new KptEntry(number, RetrospectiveNames.ReadEntryKind(r.GetString(1)), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), []));
            }

            entries[^1] = entries[^1] with { Revisions = [.. entries[^1].Revisions, new EntryRevision(r.GetInt32(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6), r.GetString(7))] };
        }

        await r.NextResultAsync(ct);
        var actions = new List<RetrospectiveAction>();
        while (await r.ReadAsync(ct))
        {
            actions.Add(new RetrospectiveAction(r.GetInt32(0), RetrospectiveNames.ActionKindFromDatabase(r.GetString(1)), r.GetString(2), r.GetString(3),
                r.GetFieldValue<DateOnly>(4), Enum.Parse<ActionState>(r.GetString(5), ignoreCase: true), r.GetFieldValue<DateTimeOffset>(6), r.GetString(7),
                r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10),
                r.IsDBNull(11) ? null : Enum.Parse<EvidenceKind>(r.GetString(11), ignoreCase: true), r.IsDBNull(12) ? null : r.GetString(12),
                r.IsDBNull(13) ? null : JsonDocument.Parse(r.GetString(13)).RootElement.Clone()));
        }

        await r.NextResultAsync(ct);
        var notNeeded = new List<KindNotNeeded>();
        while (await r.ReadAsync(ct))
        {
            notNeeded.Add(new KindNotNeeded(RetrospectiveNames.ActionKindFromDatabase(r.GetString(0)), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3)));
        }

        await r.NextResultAsync(ct);
        var reminders = new List<ActionReminder>();
        while (await r.ReadAsync(ct))
        {
            reminders.Add(new ActionReminder(r.GetInt32(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3)));
        }

        return new Retrospective(incident.Id, incident.Title, drill, state, openedAt, openedBy, completedAt, completedBy, draft, entries, actions, notNeeded, reminders);
    }
}
