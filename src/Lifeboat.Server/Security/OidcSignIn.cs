using System.Security.Claims;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Security;

/// <summary>
/// The company's OpenID Connect provider, configured from <c>Lifeboat:Oidc:*</c> (Authority, ClientId,
/// ClientSecret, RoleClaim). The provider's role claim (RoleClaim, default "roles") carries the
/// person's groups; each value maps to Lifeboat roles through <c>Lifeboat:Oidc:RoleMap:&lt;value&gt;</c>
/// ("operator,approver"), and a value that is itself a Lifeboat role maps to that role. Someone with no
/// mapped role is refused. The account (issuer|sub) is created on first sign-in and its roles follow
/// the provider's at every sign-in.
/// </summary>
public sealed class OidcSignIn(IConfiguration configuration)
{
    public const string Scheme = "oidc";
    public const string AuthorityKey = "Lifeboat:Oidc:Authority";

    public string RoleClaim => configuration["Lifeboat:Oidc:RoleClaim"] is { Length: > 0 } claim ? claim : "roles";

    /// <summary>The Lifeboat roles the provider's claims give.</summary>
    public IReadOnlyList<string> RolesOf(ClaimsPrincipal fromProvider)
    {
        var roles = new List<string>();
        foreach (var value in fromProvider.FindAll(RoleClaim).Select(c => c.Value))
        {
            if (configuration[$"Lifeboat:Oidc:RoleMap:{value}"] is { Length: > 0 } mapped)
            {
                roles.AddRange(mapped.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            else if (Roles.Map.ContainsKey(value))
            {
                roles.Add(value);
            }
        }

        return Roles.Require(roles);
    }

    /// <summary>The Lifeboat principal of a person the provider vouched for; refused (AccessDeniedException) when no claim maps to a role.</summary>
    public async Task<Principal> SignInAsync(ClaimsPrincipal fromProvider, LifeboatPlatform platform, CancellationToken ct)
    {
        var subject = fromProvider.FindFirst("sub")?.Value ?? fromProvider.FindFirst(ClaimTypes.NameIdentifier)?.Value
            ?? throw new AccessDeniedException(Permissions.AccountSelf, "the identity provider sent no subject (sub) claim; Lifeboat cannot tell who this is.");
        var issuer = fromProvider.FindFirst("iss")?.Issuer ?? fromProvider.FindFirst("sub")?.Issuer ?? "oidc";
        var roles = RolesOf(fromProvider);
        var login = fromProvider.FindFirst("preferred_username")?.Value ?? fromProvider.FindFirst("email")?.Value ?? subject;
        if (roles.Count == 0)
        {
            throw new AccessDeniedException(Permissions.AccountSelf,
                $"{login} signed in, but none of their '{RoleClaim}' claims maps to a Lifeboat role; an admin maps them with Lifeboat:Oidc:RoleMap:<claim value>.");
        }

        var name = fromProvider.FindFirst("name")?.Value ?? login;
        return await platform.WithActor("oidc").Operators.SignInExternalAsync(OperatorOrigin.OpenIdConnect, $"{issuer}|{subject}", login, name, roles, ct);
    }
}
