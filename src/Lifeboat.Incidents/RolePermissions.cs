using Lifeboat.Platform;
using Lifeboat.Platform.Access;

namespace Lifeboat.Incidents;

/// <summary>
/// Who may be given an incident role: an enabled operator of this Lifeboat whose roles grant what the role
/// does. Driving and approving command the incident; the scribe, the leads and contributors act in it; the
/// informed read it. The hosts (server, CLI) open the desk with this check
/// (<see cref="IncidentDesk.WithRolePermissions"/>), so a role is not handed to someone who could not use it.
/// </summary>
internal sealed class RolePermissions(LifeboatPlatform platform)
{
    public static string Needed(IncidentRole role) => role switch
    {
        IncidentRole.Commander or IncidentRole.Approver => Permissions.IncidentsCommand,
        IncidentRole.Informed => Permissions.IncidentsRead,
        _ => Permissions.IncidentsDeclare,
    };

    public async Task RequireAsync(string person, IncidentRole role, string change, CancellationToken ct)
    {
        var who = person?.Trim() ?? "";
        var account = await platform.Operators.FindAsync(who, ct);
        var needed = Needed(role);
        if (account is null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{who} is not an operator of this Lifeboat, so cannot {change} {IncidentNames.Of(role)}: give the role to an operator (lifeboat operator list), or have an admin add them. Nothing was changed.");
        }

        if (account.DisabledAt is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{account.Login}'s account is disabled, so cannot {change} {IncidentNames.Of(role)}: choose someone else, or have an admin enable it. Nothing was changed.");
        }

        if (!Roles.PermissionsOf(account.Roles).Contains(needed))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{account.Login} cannot {change} {IncidentNames.Of(role)}: the role needs the permission {needed}, which their roles ({string.Join(", ", account.Roles)}) do not grant. " +
                $"Choose someone who has it, or have an admin grant a role with it. Nothing was changed.");
        }
    }
}
