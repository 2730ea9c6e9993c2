using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Names the support engineer who looks after one affected site; they must take part in the incident.</summary>
internal sealed class SiteEngineerAssignment(IncidentContext context)
{
    public async Task AssignAsync(IncidentId id, SiteId site, string engineer, CancellationToken ct)
    {
        var who = IncidentContext.RequirePerson(engineer, $"the support engineer for site {site}");
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "assign the engineer");
        var participant = await ParticipantBook.RequireAsync(tx, id, who, $"the support engineer for site {site}", ct);
        var book = new SiteTrackingBook(context);
        await book.RequireTrackedAsync(tx, incident, site, ct);
        await book.UpdateAsync(tx, id, site,
            "UPDATE incidents.site_tracking SET engineer = $5, updated_at = $3, updated_by = $4 WHERE incident_id = $1 AND site_id = $2", ct, participant.Person);
        await context.RecordAsync(tx, id, "site-engineer", $"site {site}: support engineer {participant.Person}", ct);
        await context.TouchAsync(tx, id, ct);
        await tx.CommitAsync(ct);
    }
}
