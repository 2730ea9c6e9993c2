using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>A note about one affected site: the tracker shows the last one, the timeline keeps them all.</summary>
internal sealed class SiteNoteWriting(IncidentContext context)
{
    public async Task<TimelineEvent> WriteAsync(IncidentId id, SiteId site, string text, CancellationToken ct)
    {
        var written = text?.Trim();
        if (string.IsNullOrEmpty(written))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the note for site {site} is empty: write what was found or done. Nothing was added.");
        }

        if (written.Length > 2_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the note is {written.Length} characters long; a site note is at most 2,000. Nothing was added.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "write the note");
        var book = new SiteTrackingBook(context);
        await book.RequireTrackedAsync(tx, incident, site, ct);
        await book.UpdateAsync(tx, id, site,
            "UPDATE incidents.site_tracking SET last_note = $5, updated_at = $3, updated_by = $4 WHERE incident_id = $1 AND site_id = $2", ct, written);
        var eventId = await context.RecordAsync(tx, id, "site-note", $"site {site}: {written}", ct);
        await context.TouchAsync(tx, id, ct);
        await tx.CommitAsync(ct);
        return await new Timeline(context).GetAsync(id, eventId, ct);
    }
}
