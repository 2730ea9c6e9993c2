using System.Security.Claims;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Security;

/// <summary>
/// The ASP.NET Core identity of a request, carrying the Lifeboat <see cref="Principal"/> it was
/// resolved to (roles, permissions, emergency access): authorization reads the principal, never claims
/// a client could have shaped.
/// </summary>
public sealed class LifeboatIdentity : ClaimsIdentity
{
    /// <summary>The operator account a session belongs to (a cookie keeps it, and the principal is resolved afresh from it).</summary>
    public const string OperatorClaim = "lifeboat:operator";

    /// <summary>How the session's principal was authenticated (password, OIDC, bootstrap).</summary>
    public const string MethodClaim = "lifeboat:method";

    /// <summary>The password's fingerprint when a password session began (<c>Operators.CredentialStampAsync</c>): a changed password ends the session.</summary>
    public const string CredentialClaim = "lifeboat:credential";

    /// <summary>A session's identity: the principal, and the password fingerprint the session began with, if any.</summary>
    public static LifeboatIdentity ForSession(Principal principal, string scheme, string? credentialStamp)
    {
        var identity = new LifeboatIdentity(principal, scheme);
        if (credentialStamp is not null)
        {
            identity.AddClaim(new Claim(CredentialClaim, credentialStamp));
        }

        return identity;
    }

    public LifeboatIdentity(Principal principal, string scheme)
        : base([new Claim(ClaimTypes.Name, principal.Login), new Claim(MethodClaim, principal.Method.ToString())], scheme)
    {
        Principal = principal;
        if (principal.Operator is { } id)
        {
            AddClaim(new Claim(OperatorClaim, id.Value));
        }

        foreach (var role in principal.Roles)
        {
            AddClaim(new Claim(ClaimTypes.Role, role));
        }
    }

    public Principal Principal { get; }
}
