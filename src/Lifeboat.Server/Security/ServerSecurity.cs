using System.Security.Claims;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lifeboat.Server.Security;

/// <summary>
/// Who may call the server: API tokens (Bearer), the console's session cookie (signed in with a
/// local password, or through OpenID Connect when <c>Lifeboat:Oidc:Authority</c> is set), one
/// authorization policy per permission with a fallback that requires an authenticated principal,
/// and the limits of a server facing a network.
/// </summary>
public static class ServerSecurity
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CookieName = "lifeboat.session";

    public static IServiceCollection AddLifeboatSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TokenCache>();
        services.AddSingleton<OidcSignIn>();
        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = TokenAuthenticationHandler.SchemeName;
                o.DefaultChallengeScheme = TokenAuthenticationHandler.SchemeName;
            })
            // The token handler is the default and hands a request without an Authorization header to the session
            // cookie, rather than a policy scheme choosing between them: one handler per request, not two, on the
            // path every API call takes (the token-check benchmark, docs/benchmarks.md §10).
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, o =>
                o.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0 ? null : CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                // Strict: no other site can make a browser send the session (the console's forms need no antiforgery token for that).
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = "/account/sign-in";
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
                o.Events.OnRedirectToLogin = c => Status(c, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Status(c, StatusCodes.Status403Forbidden);
            });

        if (configuration[OidcSignIn.AuthorityKey] is { Length: > 0 } authority)
        {
            authentication.AddOpenIdConnect(OidcSignIn.Scheme, o =>
            {
                o.Authority = authority;
                o.ClientId = configuration["Lifeboat:Oidc:ClientId"];
                o.ClientSecret = configuration["Lifeboat:Oidc:ClientSecret"];
                o.ResponseType = "code";
                o.SignInScheme = CookieScheme;
                o.CallbackPath = "/account/oidc/callback";
                o.MapInboundClaims = false;
                o.Scope.Add("email");
                o.Events.OnTokenValidated = async context =>
                {
                    var platform = context.HttpContext.RequestServices.GetRequiredService<PlatformLifetime>().Platform;
                    try
                    {
                        var principal = await context.HttpContext.RequestServices.GetRequiredService<OidcSignIn>()
                            .SignInAsync(context.Principal!, platform, context.HttpContext.RequestAborted);
                        context.Principal = new ClaimsPrincipal(new LifeboatIdentity(principal, CookieScheme));
                    }
                    catch (PlatformException e)
                    {
                        context.Fail(e.Message);
                    }
                };
            });
        }

        services.AddAuthorization(PermissionPolicies.Configure);
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuthorizationProblems>();
        services.AddLifeboatRateLimits(configuration);
        services.AddHostedService<TokenUsageFlusher>();
        return services;
    }

    public static WebApplication UseLifeboatSecurity(this WebApplication app)
    {
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseBodyLimits();
        return app;
    }

    /// <summary>A session is only an account's ID: its principal is resolved afresh (cached briefly), so a disabled account or a role taken away ends it within seconds.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var claims = context.Principal;
        if (claims?.FindFirst(LifeboatIdentity.OperatorClaim)?.Value is not { } id
            || !Enum.TryParse<AuthenticationMethod>(claims.FindFirst(LifeboatIdentity.MethodClaim)?.Value, out var method)
            || !TypedId.TryParse<OperatorId>(id, out var account, out _))
        {
            context.RejectPrincipal();
            return;
        }

        var stamp = claims.FindFirst(LifeboatIdentity.CredentialClaim)?.Value;
        var check = await context.HttpContext.RequestServices.GetRequiredService<TokenCache>().CheckOperatorAsync(account, method, stamp, context.HttpContext.RequestAborted);
        if (check.Principal is not { } principal)
        {
            context.HttpContext.Items[TokenAuthenticationHandler.RefusalItem] = check.Refusal;
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
            return;
        }

        // The fingerprint stays in the principal, which a sliding renewal writes back into the cookie.
        context.ReplacePrincipal(new ClaimsPrincipal(LifeboatIdentity.ForSession(principal, CookieScheme, stamp)));
    }

    private static Task Status(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
