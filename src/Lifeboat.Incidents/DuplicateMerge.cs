using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Merges an incident into another as its duplicate: the duplicate points to the survivor and is
/// closed; its timeline, roles and handoffs stay where they are. Both timelines say so.
/// </summary>
internal sealed class DuplicateMerge(IncidentContext context)
{
    public async Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct)
    {
        if (duplicate == survivor)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"incident {duplicate} cannot be a duplicate of itself: name the incident that survives. Nothing was changed.");
        }

        await using var tx = await context.BeginAsync(ct);
        // Both locked, in ID order, so two merges of the same pair cannot deadlock or cross.
        var first = string.CompareOrdinal(duplicate.Value, survivor.Value) < 0 ? duplicate : survivor;
        var second = first == duplicate ? survivor : duplicate;
        var a = await IncidentContext.RequireAsync(tx, first, "FOR UPDATE", ct);
        var b = await IncidentContext.RequireAsync(tx, second, "FOR UPDATE", ct);
        var dup = a.Id == duplicate ? a : b;
        var keep = a.Id == survivor ? a : b;
        if (dup.Phase == IncidentPhase.Closed)
        {
            var why = dup.DuplicateOf is { } already ? $"already merged into {already}" : "closed";
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {duplicate} is {why}; only an open incident is merged as a duplicate. Nothing was changed.");
        }

        if (keep.Phase == IncidentPhase.Closed)
        {
            var instead = keep.DuplicateOf is { } root ? $"merge into {root}, which it duplicates" : "merge into an open incident";
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {survivor} is closed, so it cannot take a duplicate: {instead}. Nothing was changed.");
        }

        await using (var cmd = tx.Command("UPDATE incidents.incidents SET duplicate_of = $2, phase = 'closed', changed_at = $3, changed_by = $4 WHERE incident_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = duplicate.Value });
            cmd.Parameters.Add(new() { Value = survivor.Value });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await context.RecordAsync(tx, duplicate, "merged", $"merged as a duplicate of {survivor} ({keep.Title}); phase {IncidentNames.Of(dup.Phase)} → closed", ct);
        await context.RecordAsync(tx, survivor, "merged", $"{duplicate} ({dup.Title}) merged into this incident as a duplicate", ct);
        await context.TouchAsync(tx, survivor, ct);
        await tx.CommitAsync(ct);
        return await context.RequireAsync(duplicate, ct);
    }
}
