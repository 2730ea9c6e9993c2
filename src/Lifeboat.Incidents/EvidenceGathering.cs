using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Incidents;

/// <summary>What Lifeboat sees of an incident's repair: the checklist's evidence, and how far the restore has come.</summary>
public sealed record IncidentEvidence(Evidence Facts, RestoreProgress? Progress);

/// <summary>
/// Reads the facts checklist items tick themselves from, out of what the platform holds: the newest restore job
/// of each affected site (one query for all of them), the incident's freeze, and the customer updates recorded
/// on its timeline. An incident without sites has no restore progress. A restore job of its sites seen for the first
/// time gets its per-region streams (<see cref="RestoreStreamStart.OpenAutomaticallyAsync"/>).
/// </summary>
internal sealed class EvidenceGathering(IncidentContext context, LifeboatPlatform platform)
{
    public async Task<IncidentEvidence> GatherAsync(IncidentId id, CancellationToken ct)
    {
        var incident = await context.RequireAsync(id, ct);
        var restores = incident.Sites.Count == 0 ? [] : await platform.Restores.LatestForSitesAsync(incident.Sites, ct);
        // A job that has started restoring the incident's sites gets its streams, once (a job awaiting approval or
        // cancelled restores nothing yet).
        foreach (var job in restores.Where(s => s.JobState is RestoreJobState.Running or RestoreJobState.Completed or RestoreJobState.CompletedWithFailures)
                     .Select(s => s.Job!.Value).Distinct())
        {
            await new RestoreStreamStart(context, platform).OpenAutomaticallyAsync(incident, job, ct);
        }

        var validated = restores.Count(s => s.State == SiteRestoreState.Restored && s.ValidationPassed == true);
        await using var updates = context.Command("SELECT count(*)::int FROM incidents.timeline WHERE incident_id = $1 AND kind = 'customer-update'");
        updates.Parameters.Add(new() { Value = id.Value });
        var published = (int)(await updates.ExecuteScalarAsync(ct))!;
        var frozen = (await platform.Freezes.ActiveAsync(ct)).Any(f => f.Incident == id.Value);
        var facts = new Evidence
        {
            // A job awaiting its second approver, or cancelled before it began, has not started anything.
            RestoreJobStarted = restores.Any(s => s.JobState is RestoreJobState.Running or RestoreJobState.Completed or RestoreJobState.CompletedWithFailures),
            PublicUpdatesPublished = published,
            SitesValidated = validated,
            SitesAffected = incident.Sites.Count,
            FreezeOn = frozen,
        };
        return new IncidentEvidence(facts, incident.Sites.Count == 0 ? null : new RestoreProgress(validated, incident.Sites.Count));
    }
}
