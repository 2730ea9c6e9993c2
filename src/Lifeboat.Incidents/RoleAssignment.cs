using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>
/// Gives a person a role. A single-holder role that someone holds is refused, naming the holder and
/// pointing to the handoff; the partial unique index <c>role_holdings_one_holder</c> makes that hold
/// for two people assigning at the same instant too, and its violation becomes the same message.
/// </summary>
internal sealed class RoleAssignment(IncidentContext context, RoleBook roles)
{
    public async Task<RoleHolding> AssignAsync(IncidentId id, IncidentRole role, string person, RoleSlot slot, CancellationToken ct)
    {
        RequireDefined(role, slot);
        var who = IncidentContext.RequirePerson(person, $"the person to make {Describe(role, slot)}");
        if (!IncidentNames.IsSingleHolder(role) && slot == RoleSlot.Backup)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{IncidentNames.Of(role)} is a role many people hold, so it has no backup: assign {who} as a {IncidentNames.Of(role)} instead. Nothing was changed.");
        }

        RoleHolding started;
        try
        {
            await using var tx = await context.BeginAsync(ct);
            // Shared: assignments proceed side by side (the index decides between them); a phase change or merge waits.
            var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
            IncidentContext.RequireOpen(incident, "assign the role on the survivor");
            if (IncidentNames.IsSingleHolder(role))
            {
                if (await RoleBook.HolderAsync(tx, id, role, slot, "", ct) is { } holder)
                {
                    throw Taken(id, holder, who);
                }

                var otherSlot = slot == RoleSlot.Holder ? RoleSlot.Backup : RoleSlot.Holder;
                if (await RoleBook.HolderAsync(tx, id, role, otherSlot, "", ct) is { } other && await RoleBook.SamePersonAsync(tx, other.Person, who, ct))
                {
                    throw new PlatformException(PlatformErrorKind.Conflict,
                        $"{other.Person} is already the {Describe(role, otherSlot)} of incident {id}; the {IncidentNames.Of(role)} and its backup must be two people: name someone else. Nothing was changed.");
                }
            }
            else if (await AlreadyHoldsAsync(tx, id, role, who, ct) is { } same)
            {
                throw AlreadyOne(id, role, same);
            }

            started = await roles.StartAsync(tx, id, role, slot, who, ct);
            await context.RecordAsync(tx, id, "role", $"{who} is now {Describe(role, slot)}", ct);
            await tx.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Someone else committed first, between our read and our insert: tell this caller who won.
            if (string.Equals(e.ConstraintName, "role_holdings_one_holder", StringComparison.Ordinal)
                && await roles.HolderAsync(id, role, slot, ct) is { } winner)
            {
                throw Taken(id, winner, who);
            }

            throw AlreadyOne(id, role, who);
        }

        return started;
    }

    private static async Task<string?> AlreadyHoldsAsync(IncidentTransaction tx, IncidentId id, IncidentRole role, string who, CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            SELECT person FROM incidents.role_holdings
            WHERE incident_id = $1 AND role = $2 AND held_until IS NULL AND lifeboat.principal_key(person) = lifeboat.principal_key($3)
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(role) });
        cmd.Parameters.Add(new() { Value = who });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    internal static PlatformException Taken(IncidentId id, RoleHolding holder, string wanted)
    {
        var what = Describe(holder.Role, holder.Slot);
        var instead = holder.Role == IncidentRole.Commander && holder.Slot == RoleSlot.Holder
            ? $"there is one commander at a time: hand the role over to {wanted} with a handoff, which {holder.Person} writes and {wanted} acknowledges"
            : $"hand it over to {wanted} with a handoff, or release {holder.Person} first";
        return new PlatformException(PlatformErrorKind.Conflict,
            $"{holder.Person} is the {what} of incident {id} (since {holder.From:u}, assigned by {holder.AssignedBy}); {instead}. Nothing was changed.");
    }

    private static PlatformException AlreadyOne(IncidentId id, IncidentRole role, string who) =>
        new(PlatformErrorKind.Conflict, $"{who} is already a{(role == IncidentRole.Informed ? "mong the" : "")} {IncidentNames.Of(role)} of incident {id}. Nothing was changed.");

    internal static string Describe(IncidentRole role, RoleSlot slot) =>
        slot == RoleSlot.Backup ? $"backup {IncidentNames.Of(role)}" : IncidentNames.Of(role);

    internal static void RequireDefined(IncidentRole role, RoleSlot slot)
    {
        if (!Enum.IsDefined(role))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"role {(int)role} does not exist: give commander, approver, contributor, informed, scribe, communications-lead or support-lead. Nothing was changed.");
        }

        if (!Enum.IsDefined(slot))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"slot {(int)slot} does not exist: give holder or backup. Nothing was changed.");
        }
    }
}
