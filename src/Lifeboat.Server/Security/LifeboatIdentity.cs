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
