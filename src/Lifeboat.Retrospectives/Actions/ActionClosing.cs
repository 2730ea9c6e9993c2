using System.Text.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives.Drafting;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Actions;

/// <summary>
/// Closes an open action: done with the evidence that shows it (a text, or a URL), dropped with a reason, or done by a drill
/// report whose measured figure beats the incident's (the report is kept beside the action). A closed action stays closed.
/// </summary>
internal sealed class ActionClosing(RetroContext context)
{
    public Task DoneAsync(IncidentId incident, int action, string? evidence, CancellationToken ct)
    {
        var given = evidence?.Trim();
        if (string.IsNullOrEmpty(given) || given.Length > 4000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"an action is closed with the evidence that it was done (a text or a URL, at most 4,000 characters); this is {given?.Length ?? 0}: say what shows it, or link it. Nothing was changed.");
        }

        var kind = Uri.TryCreate(given, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? EvidenceKind.Url : EvidenceKind.Text;
        return CloseAsync(incident, action, "done", null, kind, given, null, null, ct);
    }

    public Task DropAsync(IncidentId incident, int action, string? reason, CancellationToken ct)
    {
        var why = reason?.Trim();
        return string.IsNullOrEmpty(why) || why.Length > 2000
            ? throw new PlatformException(PlatformErrorKind.Invalid, "dropping an action needs a reason (at most 2,000 characters): say why it will not be done. Nothing was changed.")
            : CloseAsync(incident, action, "dropped", why, null, null, null, null, ct);
    }

    public async Task DrillAsync(IncidentId incident, int action, string? reportJson, Func<CancellationToken, Task<GatheredFigures>> incidentFigures, CancellationToken ct)
    {
        var report = DrillComparison.Parse(reportJson);
        var existing = await ReadAsync(incident, action, ct);
        if (DrillComparison.FinishedAt(report) is { } finished && finished < existing.CreatedAt)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"the drill finished at {finished:u}, before action {action} was created ({existing.CreatedAt:u}), so it cannot show the action's effect: run the drill again. Nothing was changed.");
        }

        var outcome = DrillComparison.Compare(existing.Kind, report, await incidentFigures(ct));
        if (!outcome.Beats)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"the drill does not beat the incident, so action {action} ({RetrospectiveNames.Of(existing.Kind)}) stays open: {outcome.Words}. Nothing was changed.");
        }

        await CloseAsync(incident, action, "done", null, EvidenceKind.Drill, $"drill beat the incident: {outcome.Words}", JsonSerializer.Serialize(report), existing.Kind, ct);
    }

    private async Task<(ActionKind Kind, DateTimeOffset CreatedAt)> ReadAsync(IncidentId incident, int action, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT kind, created_at, state FROM retro.actions WHERE incident_id = $1 AND action_number = $2");
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(new() { Value = action });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (RetrospectiveNames.ActionKindFromDatabase(reader.GetString(0)), reader.GetFieldValue<DateTimeOffset>(1))
            : throw NoSuchAction(incident, action);
    }

    private async Task CloseAsync(IncidentId incident, int action, string state, string? dropReason, EvidenceKind? evidenceKind, string? evidence, string? drillReport,
        ActionKind? expectedKind, CancellationToken ct)
    {
        await new Writers(context).RequireAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await RetrospectiveBook.LockAsync(tx, incident, ct);
        await using (var read = tx.Command("SELECT state, kind FROM retro.actions WHERE incident_id = $1 AND action_number = $2 FOR UPDATE"))
        {
            read.Parameters.Add(RetroContext.Text(incident.Value));
            read.Parameters.Add(new() { Value = action });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw NoSuchAction(incident, action);
            }

            if (reader.GetString(0) != "open")
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"action {action} of incident {incident} is {reader.GetString(0)} already and stays so: add a new action if more is needed. Nothing was changed.");
            }

            if (expectedKind is { } k && RetrospectiveNames.Of(k) != reader.GetString(1))
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"action {action} of incident {incident} changed while the drill was compared: try again. Nothing was changed.");
            }
        }

        await using var cmd = tx.Command("""
            UPDATE retro.actions SET state = $3, closed_at = $4, closed_by = $5, drop_reason = $6, evidence_kind = $7, evidence = $8, drill_report = $9
            WHERE incident_id = $1 AND action_number = $2
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(new() { Value = action });
        cmd.Parameters.Add(RetroContext.Text(state));
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        cmd.Parameters.Add(RetroContext.Text(dropReason));
        cmd.Parameters.Add(RetroContext.Text(evidenceKind is { } e ? RetrospectiveNames.Of(e) : null));
        cmd.Parameters.Add(RetroContext.Text(evidence));
        cmd.Parameters.Add(RetroContext.Json(drillReport));
        await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static PlatformException NoSuchAction(IncidentId incident, int action) =>
        new(PlatformErrorKind.NotFound, $"the retrospective of incident {incident} has no action {action}: list the retrospective for the numbers. Nothing was changed.");
}
