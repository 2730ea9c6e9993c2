using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>A person sets the severity (the suggestion only informs them); every change is on the timeline.</summary>
internal sealed class SeverityChange(IncidentContext context)
{
    public async Task<Incident> SetAsync(IncidentId id, IncidentSeverity severity, string? reason, CancellationToken ct)
    {
        if (!Enum.IsDefined(severity))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"severity {(int)severity} does not exist: give SEV1 (worst) to SEV4. Nothing was changed.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR UPDATE", ct);
        IncidentContext.RequireOpen(incident, "set the survivor's severity");
        if (incident.Severity == severity)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {id} is already {IncidentNames.Of(severity)}. Nothing was changed.");
        }

        await using (var cmd = tx.Command("UPDATE incidents.incidents SET severity = $2, changed_at = $3, changed_by = $4 WHERE incident_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = (short)severity });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var because = string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}";
        await context.RecordAsync(tx, id, "severity", $"severity {IncidentNames.Of(incident.Severity)} → {IncidentNames.Of(severity)}{because}", ct);
        await tx.CommitAsync(ct);
        return await context.RequireAsync(id, ct);
    }
}
