using System.Collections.Frozen;

namespace Lifeboat.Platform.Access;

/// <summary>
/// The roles an operator or a token can hold, and the one map from each role to its permissions.
/// Later areas (incidents, communications, support) add their permissions to <see cref="Map"/>'s
/// entries: a role is only a name for a set of permissions, so nothing else needs to change.
/// </summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Approver = "approver";
    public const string Restorer = "restorer";
    public const string IncidentCommander = "incident-commander";
    public const string Communications = "communications";
    public const string Support = "support";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Approver, Restorer, IncidentCommander, Communications, Support, Admin];

    private static readonly string[] Reading =
    [
        Permissions.AccountSelf, Permissions.SitesRead, Permissions.EventsRead, Permissions.PlansRead, Permissions.AlertsRead,
        Permissions.AuditRead, Permissions.PolicyRead, Permissions.RestoresRead, Permissions.BreakerRead, Permissions.StoreRead,
        Permissions.BackupsRead, Permissions.IncidentsRead,
    ];

    /// <summary>Role → permissions. The admin holds every permission there is.</summary>
    public static IReadOnlyDictionary<string, FrozenSet<string>> Map { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Viewer] = Reading,
        [Operator] =
        [
            .. Reading, Permissions.SitesWrite, Permissions.ContactsRead, Permissions.ContactsWrite, Permissions.EventsConsume,
            Permissions.PlansSubmit, Permissions.PlansRun, Permissions.HealthSignal, Permissions.AlertsAcknowledge,
            Permissions.PolicyPropose, Permissions.RestoresStart, Permissions.StoreWrite, Permissions.BackupsWrite,
            Permissions.EmergencyRequest, Permissions.IncidentsDeclare,
        ],
        // The second person: approvals only, so approving never comes with the power to do the thing approved.
        [Approver] = [.. Reading, Permissions.PlansApprove, Permissions.RestoresApprove, Permissions.PolicyApprove, Permissions.ErasuresApprove],
        [Restorer] = [.. Reading, Permissions.RestoresStart, Permissions.StoreWrite, Permissions.BackupsWrite, Permissions.HealthSignal, Permissions.IncidentsDeclare],
        [IncidentCommander] =
        [
            .. Reading, Permissions.PlansRun, Permissions.AlertsAcknowledge, Permissions.BreakerManage, Permissions.RestoresStart,
            Permissions.ContactsRead, Permissions.ContactsExport, Permissions.HealthSignal, Permissions.EmergencyRequest,
            Permissions.IncidentsDeclare, Permissions.IncidentsCommand,
        ],
        [Communications] = [.. Reading, Permissions.ContactsRead, Permissions.ContactsExport, Permissions.IncidentsDeclare],
        [Support] =
        [
            .. Reading, Permissions.ContactsRead, Permissions.ContactsWrite, Permissions.HealthSignal, Permissions.IncidentsDeclare,
            Permissions.SupportRead, Permissions.SupportWrite,
        ],
        [Admin] = [.. Permissions.All],
    }.ToDictionary(e => e.Key, e => e.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The permissions of <paramref name="roles"/> together.</summary>
    public static FrozenSet<string> PermissionsOf(IEnumerable<string> roles) =>
        roles.SelectMany(r => Map.TryGetValue(r, out var p) ? p : []).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The roles that hold <paramref name="permission"/>, for messages that say whom to ask.</summary>
    public static IReadOnlyList<string> Holding(string permission) => All.Where(r => Map[r].Contains(permission)).ToList();

    /// <summary>Refuses a name that is not a role, listing the roles there are; returns the roles in a stable order, without repeats.</summary>
    public static IReadOnlyList<string> Require(IEnumerable<string> roles)
    {
        var given = roles.Select(r => r.Trim()).ToList();
        var unknown = given.Where(r => !Map.ContainsKey(r)).ToList();
        if (unknown.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{string.Join(", ", unknown.Select(u => $"'{u}'"))} {(unknown.Count == 1 ? "is not a role" : "are not roles")}; the roles are: {string.Join(", ", All)}.");
        }

        return All.Where(given.Contains).ToList();
    }
}
