using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Ends a person's holding of a role; the history keeps it, with when it ended and who ended it.</summary>
internal sealed class RoleRelease(IncidentContext context, RoleBook roles)
{
    public async Task ReleaseAsync(IncidentId id, IncidentRole role, string person, RoleSlot slot, CancellationToken ct)
    {
        RoleAssignment.RequireDefined(role, slot);
        var who = IncidentContext.RequirePerson(person, "the person to release");
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "change roles on the survivor");
        await using var cmd = tx.Command("""
            SELECT incident_id, holding_id, role, slot, person, held_from, assigned_by, held_until, ended_by FROM incidents.role_holdings
            WHERE incident_id = $1 AND role = $2 AND slot = $3 AND held_until IS NULL AND lifeboat.principal_key(person) = lifeboat.principal_key($4)
            FOR UPDATE
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(role) });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(slot) });
        cmd.Parameters.Add(new() { Value = who });
        var found = await RoleBook.ReadAsync(cmd, ct);
        var holding = found.Count > 0 ? found[0] : throw new PlatformException(PlatformErrorKind.NotFound,
                $"{who} is not the {RoleAssignment.Describe(role, slot)} of incident {id}: list the roles to see who holds what. Nothing was changed.");
        await roles.EndAsync(tx, holding, ct);
        await context.RecordAsync(tx, id, "role", $"{holding.Person} is no longer {RoleAssignment.Describe(role, slot)}", ct);
        await tx.CommitAsync(ct);
    }
}
