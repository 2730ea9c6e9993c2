using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Lifeboat.Platform.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lifeboat.Server.Security;

/// <summary>
/// <c>Authorization: Bearer lbt_…</c>: the API token's principal, from <see cref="TokenCache"/>
/// (no database round trip while the answer is fresh). A refused token fails authentication with
/// the reason, which the 401 repeats; each use is noted for the token's "last used" time.
/// </summary>
public sealed class TokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    TokenCache cache, PlatformLifetime lifetime)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>Where a refusal's reason waits for the 401 (HttpContext.Items).</summary>
    public const string RefusalItem = "Lifeboat.AuthenticationRefusal";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse("the Authorization header must be 'Bearer ' and an API token (lbt_…).");
        }

        var check = await cache.CheckTokenAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (check.Principal is not { } principal)
        {
            return Refuse(check.Refusal ?? "the token was refused.");
        }

        if (principal.Token is { } token)
        {
            lifetime.Platform.Tokens.NoteUsed(token);
        }

        return AuthenticateResult.Success(Tickets.GetValue(principal, p => new AuthenticationTicket(new ClaimsPrincipal(new LifeboatIdentity(p, SchemeName)), SchemeName)));
    }

    /// <summary>
    /// One ticket per cached principal, built on its first request: <see cref="TokenCache"/> hands out the same
    /// principal while its answer is fresh, so its claims are not built again on every request. Nothing writes to
    /// a request's user or ticket, and a ticket goes when its principal leaves the cache.
    /// </summary>
    private static readonly ConditionalWeakTable<Principal, AuthenticationTicket> Tickets = new();

    private AuthenticateResult Refuse(string why)
    {
        Context.Items[RefusalItem] = why;
        return AuthenticateResult.Fail(why);
    }
}
