using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Ticks the checklist items whose evidence holds, as the actor <c>lifeboat</c> with the source
/// <c>evidence</c>, on the timeline. The host passes what it sees (<see cref="Evidence"/>); whether a
/// commander is named the desk reads from the roles. A double-check item ticked this way still needs a
/// person to check it.
/// </summary>
internal sealed class ChecklistEvidence(IncidentContext context)
{
    public const string Actor = "lifeboat";
    public const string Source = "evidence";

    public async Task<IReadOnlyList<ChecklistItem>> EvaluateAsync(IncidentId id, Evidence facts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.PublicUpdatesPublished < 0 || facts.SitesValidated < 0 || facts.SitesAffected < 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the evidence has a negative count (public updates {facts.PublicUpdatesPublished}, sites validated {facts.SitesValidated}, affected {facts.SitesAffected}): give counts of 0 or more. Nothing was ticked.");
        }

        if (facts.SitesValidated > facts.SitesAffected)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the evidence says {facts.SitesValidated} sites were validated of {facts.SitesAffected} affected: validated sites are among the affected ones, so check the counts. Nothing was ticked.");
        }

        var lifeboat = context.WithActor(Actor).WithSource(Source);
        var book = new ChecklistBook(lifeboat);
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "evaluate the survivor's checklist");
        var commanderNamed = await RoleBook.HolderAsync(tx, id, IncidentRole.Commander, RoleSlot.Holder, "", ct) is not null;
        var ticked = new List<string>();
        foreach (var item in await ChecklistBook.OpenItemsAsync(tx, id, ct))
        {
            if (item.Evidence is { } check && Holds(check, facts, commanderNamed))
            {
                await book.TickAsync(tx, item, ct);
                ticked.Add(item.Id);
            }
        }

        await tx.CommitAsync(ct);
        var now = await book.ListAsync(id, ct);
        return [.. now.Where(i => ticked.Contains(i.Id, StringComparer.Ordinal))];
    }

    private static bool Holds(EvidenceCheck check, Evidence facts, bool commanderNamed) => check switch
    {
        EvidenceCheck.RestoreJobStarted => facts.RestoreJobStarted,
        EvidenceCheck.FirstPublicUpdatePublished => facts.PublicUpdatesPublished > 0,
        EvidenceCheck.EveryAffectedSiteValidated => facts.SitesAffected > 0 && facts.SitesValidated == facts.SitesAffected,
        EvidenceCheck.CommanderNamed => commanderNamed,
        EvidenceCheck.FreezeOn => facts.FreezeOn,
        _ => false,
    };
}
