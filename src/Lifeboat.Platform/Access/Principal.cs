using System.Collections.Frozen;

namespace Lifeboat.Platform.Access;

/// <summary>How a principal proved who it is.</summary>
public enum AuthenticationMethod
{
    /// <summary>A local operator's password.</summary>
    Password,

    /// <summary>An API token (personal or service).</summary>
    Token,

    /// <summary>The company's OpenID Connect provider.</summary>
    OpenIdConnect,

    /// <summary>The OS user running the CLI on the embedded database (local mode).</summary>
    OsUser,

    /// <summary>The one-time bootstrap credential: good only for replacing itself.</summary>
    Bootstrap,
}

/// <summary>
/// Who acts: a login (an operator's, or "service:NAME" for a service token), its roles, the
/// permissions they give, and how it was authenticated. It is the actor of every audit row, event
/// and approval (<see cref="LifeboatPlatform.As"/>); two-person rules compare logins as principals.
/// </summary>
public sealed class Principal
{
    public Principal(string login, string displayName, IEnumerable<string> roles, AuthenticationMethod method,
        OperatorId? @operator = null, ApiTokenId? token = null, EmergencyAccessId? emergency = null, DateTimeOffset? emergencyUntil = null)
    {
        Login = login;
        DisplayName = displayName;
        Roles = roles.Order(StringComparer.Ordinal).ToList();
        Method = method;
        Operator = @operator;
        Token = token;
        Emergency = emergency;
        EmergencyUntil = emergencyUntil;
        Permissions = method == AuthenticationMethod.Bootstrap
            ? new[] { Access.Permissions.AccountSelf }.ToFrozenSet(StringComparer.Ordinal)
            : emergency is not null
                ? Access.Roles.PermissionsOf([Access.Roles.Admin])
                : Access.Roles.PermissionsOf(Roles);
    }

    public string Login { get; }

    public string DisplayName { get; }

    public IReadOnlyList<string> Roles { get; }

    public FrozenSet<string> Permissions { get; }

    public AuthenticationMethod Method { get; }

    /// <summary>The operator account, unless this is a service token.</summary>
    public OperatorId? Operator { get; }

    /// <summary>The token the request carried, when it carried one.</summary>
    public ApiTokenId? Token { get; }

    /// <summary>Emergency access in force for this principal (every permission until <see cref="EmergencyUntil"/>); every use is audited.</summary>
    public EmergencyAccessId? Emergency { get; }

    public DateTimeOffset? EmergencyUntil { get; }

    /// <summary>Signed in with the bootstrap credential: it may only set a password or create a token.</summary>
    public bool MustReplaceCredential => Method == AuthenticationMethod.Bootstrap;

    public bool Has(string permission) => Permissions.Contains(permission);

    /// <summary>Whether the permission comes only from emergency access (such a use is audited).</summary>
    public bool HasOnlyByEmergency(string permission) =>
        Emergency is not null && !Access.Roles.PermissionsOf(Roles).Contains(permission);

    /// <summary>Refuses, saying what is missing and whom to ask, unless this principal holds <paramref name="permission"/>.</summary>
    public void Require(string permission)
    {
        if (!Has(permission))
        {
            throw new AccessDeniedException(permission, Denial(permission));
        }
    }

    /// <summary>Why this principal may not do what needs <paramref name="permission"/>, and what to do about it.</summary>
    public string Denial(string permission) => MustReplaceCredential
        ? $"{Login} signed in with the one-time bootstrap credential, which can only set a password or create a token; do that, then use the new credential."
        : $"{Login} lacks the permission {permission} (roles: {(Roles.Count == 0 ? "none" : string.Join(", ", Roles))}); " +
          $"it comes with the role{(Access.Roles.Holding(permission).Count == 1 ? "" : "s")} {string.Join(", ", Access.Roles.Holding(permission))}: ask an admin to grant one.";

    public override string ToString() => Login;
}

/// <summary>A principal tried something it may not do (HTTP 403). The message says which permission is missing and how to get it.</summary>
public sealed class AccessDeniedException(string permission, string message) : PlatformException(PlatformErrorKind.Invalid, message)
{
    public string Permission { get; } = permission;
}
