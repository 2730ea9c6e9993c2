using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Incidents;

/// <summary>
/// An incident's code freeze: while it is on, the platform refuses every change plan not tagged to the
/// incident, naming the incident and its commander. Anyone the host lets command may begin it; only the
/// incident's commander may lift it, with a reason. Both are on the timeline and in the platform's audit.
/// </summary>
internal sealed class CodeFreeze(IncidentContext context, RoleBook roles, LifeboatPlatform platform)
{
    public async Task<ChangeFreeze> BeginAsync(IncidentId id, string reason, CancellationToken ct)
    {
        var incident = await context.RequireAsync(id, ct);
        IncidentContext.RequireOpen(incident, "freeze changes");
        var commander = Commander(await roles.CurrentAsync(id, ct));
        var freeze = await platform.WithActor(context.Actor).Freezes.BeginAsync(id.Value, Reason(reason, "the freeze"), commander ?? $"no commander named yet (declared by {incident.DeclaredBy})", ct);
        await using var tx = await context.BeginAsync(ct);
        await context.RecordAsync(tx, id, "freeze-on", $"code freeze on: {freeze.Reason}. Change plans not tagged to {id} are refused.", ct);
        await tx.CommitAsync(ct);
        return freeze;
    }

    public async Task LiftAsync(IncidentId id, string reason, CancellationToken ct)
    {
        var why = Reason(reason, "lifting the freeze");
        await context.RequireAsync(id, ct);
        if ((await platform.Freezes.ActiveAsync(ct)).All(f => f.Incident != id.Value))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {id} has no code freeze on. Nothing was changed.");
        }

        await using var tx = await context.BeginAsync(ct);
        var commander = await RoleBook.HolderAsync(tx, id, IncidentRole.Commander, RoleSlot.Holder, "FOR UPDATE", ct);
        if (commander is null)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"only incident {id}'s commander can lift its code freeze, and no one holds the role: assign a commander first. Nothing was changed.");
        }

        if (!await RoleBook.SamePersonAsync(tx, commander.Person, context.Actor, ct))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"only incident {id}'s commander, {commander.Person}, can lift its code freeze, not {context.Actor}: ask {commander.Person}, or take the role by a handoff. Nothing was changed.");
        }

        await platform.WithActor(context.Actor).Freezes.LiftAsync(id.Value, why, ct);
        await context.RecordAsync(tx, id, "freeze-lifted", $"code freeze lifted: {why}", ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Keeps the name a refused plan is told to ask current, after the commander role changed hands.</summary>
    public async Task CommanderChangedAsync(IncidentId id, CancellationToken ct)
    {
        var commander = Commander(await roles.CurrentAsync(id, ct));
        await platform.Freezes.SetContactAsync(id.Value, commander ?? "no commander named", ct);
    }

    private static string? Commander(IReadOnlyList<RoleHolding> holdings) =>
        holdings.FirstOrDefault(h => h.Role == IncidentRole.Commander && h.Slot == RoleSlot.Holder)?.Person;

    private static string Reason(string? reason, string what) =>
        string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"say why for {what} (1 to 500 characters). Nothing was changed.")
            : reason.Trim();
}
