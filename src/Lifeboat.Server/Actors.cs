using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;

namespace Lifeboat.Server;

/// <summary>Who acts on a request: the authenticated principal, recorded with every change it makes.</summary>
public static class Actors
{
    /// <summary>What the server's own work (not a request's) is recorded as.</summary>
    public const string Default = "api";

    /// <summary>The principal a request authenticated as; null for an anonymous request.</summary>
    public static Principal? PrincipalOf(HttpContext? http) => http?.User.Identity is LifeboatIdentity identity ? identity.Principal : null;

    /// <summary>The login of the request's principal; "anonymous" for the endpoints that allow anonymous callers.</summary>
    public static string Of(HttpContext? http) => PrincipalOf(http)?.Login ?? "anonymous";
}
