using System.Text.Json;
using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Internal;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Drafting;

/// <summary>
/// Opens an incident's retrospective and writes its draft from the recorded facts: by the product once the incident is
/// resolved (idempotent: a second pass finds it opened), or by a person for a drill's incident in any phase. Writing the
/// draft again appends a new one; the earlier drafts stay.
/// </summary>
internal sealed class DraftWriting(RetroContext context, LifeboatPlatform platform, IncidentDesk incidents, CommunicationDesk comms, RetrospectiveOptions options)
{
    /// <summary>Opens the retrospective with its first draft; false when it was open already (nothing is written then).</summary>
    public async Task<bool> OpenAsync(Incident incident, bool drill, CancellationToken ct)
    {
        var draft = await ComposeAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await using (var insert = tx.Command("""
            INSERT INTO retro.retrospectives (incident_id, drill, opened_at, opened_by, state) VALUES ($1, $2, $3, $4, 'open')
            ON CONFLICT (incident_id) DO NOTHING
            """))
        {
            insert.Parameters.Add(RetroContext.Text(incident.Id.Value));
            insert.Parameters.Add(new() { Value = drill });
            insert.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            insert.Parameters.Add(RetroContext.Text(context.Actor));
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }

        await AppendAsync(tx, incident.Id, draft, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Writes the draft again from the facts of now (mail sent since, a site validated since); the earlier drafts stay.</summary>
    public async Task RedraftAsync(Incident incident, CancellationToken ct)
    {
        var draft = await ComposeAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await RetrospectiveBook.LockAsync(tx, incident.Id, ct);
        await AppendAsync(tx, incident.Id, draft, ct);
        await tx.CommitAsync(ct);
    }

    private async Task AppendAsync(RetroTransaction tx, IncidentId incident, DraftContent draft, CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            INSERT INTO retro.drafts (incident_id, draft_number, written_at, written_by, content)
            SELECT $1, coalesce(max(draft_number), 0) + 1, $2, $3, $4 FROM retro.drafts WHERE incident_id = $1
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        cmd.Parameters.Add(RetroContext.Json(JsonSerializer.Serialize(draft, PlatformJson.Options)));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<DraftContent> ComposeAsync(Incident incident, CancellationToken ct)
    {
        var timeline = await RetrospectiveTimeline.ReadAsync(incidents, incident.Id, ct);
        var gathered = await new FigureGathering(context, platform, comms, options).GatherAsync(incident, ct);
        var roles = (await incidents.RoleHistoryAsync(incident.Id, ct))
            .OrderBy(r => r.From).ThenBy(r => r.Id)
            .Select(r => new RetrospectiveRole(IncidentNames.Of(r.Role), r.Slot.ToString().ToLowerInvariant(), r.Person, r.From, r.Until)).ToList();
        return new DraftContent(timeline, gathered.Figures, gathered.Loss, roles, await HandoffsAsync(incident.Id, ct));
    }

    /// <summary>Every handoff of the incident, acknowledged or not (the incident desk lists only the pending ones), read from its table.</summary>
    private async Task<IReadOnlyList<RetrospectiveHandoff>> HandoffsAsync(IncidentId incident, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT handoff_id, role, slot, from_person, to_person, handed_at, acknowledged_at, acknowledged_by
            FROM incidents.handoffs WHERE incident_id = $1 ORDER BY handed_at, handoff_id
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        var list = new List<RetrospectiveHandoff>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new RetrospectiveHandoff(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return list;
    }
}

/// <summary>What a draft holds, as stored (its number, time and writer are the row's).</summary>
internal sealed record DraftContent(
    IReadOnlyList<RetrospectiveEvent> Timeline,
    IReadOnlyList<RetrospectiveFigure> Figures,
    IReadOnlyList<CustomerDataLoss> DataLoss,
    IReadOnlyList<RetrospectiveRole> Roles,
    IReadOnlyList<RetrospectiveHandoff> Handoffs);
