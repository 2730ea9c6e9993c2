using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Records what the customer said about their restored site: confirmed (a note optional), or still broken
/// (a note saying how is required: it is what the next person acts on).
/// </summary>
internal sealed class SiteConfirmationRecording(IncidentContext context)
{
    public async Task RecordAsync(IncidentId id, SiteId site, bool confirmed, string? note, CancellationToken ct)
    {
        var written = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (!confirmed && written is null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"site {site} is reported still broken with no note: say what the customer sees (\"invoices from May missing\"). Nothing was changed.");
        }

        if (written?.Length > 2_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the note is {written.Length} characters long; a confirmation note is at most 2,000. Nothing was changed.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "record the confirmation");
        var book = new SiteTrackingBook(context);
        await book.RequireTrackedAsync(tx, incident, site, ct);
        await book.UpdateAsync(tx, id, site, """
            UPDATE incidents.site_tracking SET confirmation = $5, confirmed_by = $4, confirmed_at = $3, confirmation_note = $6, updated_at = $3, updated_by = $4
            WHERE incident_id = $1 AND site_id = $2
            """, ct, confirmed ? "confirmed" : "still-broken", written);
        var text = confirmed
            ? $"site {site}: the customer confirmed it restored{(written is null ? "" : $" ({written})")}"
            : $"site {site}: the customer reports it still broken: {written}";
        await context.RecordAsync(tx, id, "site-confirmation", text, ct);
        await context.TouchAsync(tx, id, ct);
        await tx.CommitAsync(ct);
    }
}
