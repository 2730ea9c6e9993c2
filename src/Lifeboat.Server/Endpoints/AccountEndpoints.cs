using System.Security.Claims;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// One's own account: signing in and out of the console (a session cookie), who am I, my password,
/// my API tokens. The bootstrap credential reaches only these (and only to replace itself).
/// </summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account");
        account.MapPost("/sign-in", SignIn).WithName("SignIn")
            .WithSummary("Sign in to the console with a local password (a form: login, password, returnUrl)")
            .WithDescription("""
                On success a session cookie is set and the answer is 303 to returnUrl (a local path; / otherwise). On failure,
                303 to /account/sign-in?failed=true&returnUrl=…: the console says the login or password is wrong without saying which.
                The form must carry the antiforgery token of the console's sign-in page (so no other site can sign a browser in
                to an account of its choosing); without it, 303 to /account/sign-in?expired=true. Rate-limited per client address
                (429 with Retry-After).
                """)
            // Checked in the handler, so a missing token sends the browser back to the form instead of a bare 400.
            .DisableAntiforgery()
            .AllowAnonymous()
            .RequireRateLimiting(RequestLimits.SignInPolicy);
        account.MapPost("/sign-out", SignOut).WithName("SignOut")
            .WithSummary("End the console session; 303 to /account/sign-in (the form carries the console's antiforgery token; without it nothing changes)")
            .DisableAntiforgery()
            .AllowAnonymous()
            .RequireRateLimiting(RequestLimits.AnonymousPolicy);

        var me = app.MapArea("/api/me", "Account");
        me.MapGet("/", Me).WithName("GetMe").WithSummary("Who the request acts as: login, roles, permissions, how authenticated")
            .RequirePermission(Permissions.AccountSelf);
        me.MapPut("/password", SetPassword).WithName("SetMyPassword")
            .WithSummary("Set your own password (local accounts); with the bootstrap credential, this replaces it")
            .WithDescription("currentPassword is required unless the request is made with the bootstrap credential.")
            .RequirePermission(Permissions.AccountSelf);
        me.MapGet("/tokens", MyTokens).WithName("ListMyTokens").WithSummary("Your API tokens (revoked ones with includeRevoked=true)")
            .RequirePermission(Permissions.AccountSelf);
        me.MapPost("/tokens", CreateMyToken).WithName("CreateMyToken")
            .WithSummary("Create an API token acting as you; its secret is in this answer only")
            .WithDescription($"roles: some of yours (all of them when left out). expiresInDays: 1 to {ApiTokens.MaxLifetime.TotalDays:0} ({ApiTokens.DefaultLifetime.TotalDays:0} when left out). With the bootstrap credential, this replaces it.")
            .RequirePermission(Permissions.AccountSelf);
        me.MapDelete("/tokens/{token}", RevokeMyToken).WithName("RevokeMyToken").WithSummary("Revoke one of your tokens")
            .RequirePermission(Permissions.AccountSelf);
        return app;
    }

    public static async Task<IResult> SignIn(HttpContext http, PlatformLifetime lifetime, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(cancellationToken) : null;
        var returnUrl = form?["returnUrl"].ToString() is { Length: > 0 } asked && IsLocal(asked) ? asked : "/";
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = $"/account/sign-in?expired=true&returnUrl={Uri.EscapeDataString(returnUrl)}";
            return Results.Empty;
        }

        var principal = form is null ? null : await lifetime.Platform.Operators.VerifyPasswordAsync(form["login"].ToString(), form["password"].ToString(), cancellationToken);
        if (principal is null)
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = $"/account/sign-in?failed=true&returnUrl={Uri.EscapeDataString(returnUrl)}";
            return Results.Empty;
        }

        var stamp = principal is { Method: AuthenticationMethod.Password, Operator: { } account }
            ? await lifetime.Platform.Operators.CredentialStampAsync(account, cancellationToken)
            : null;
        await http.SignInAsync(ServerSecurity.CookieScheme, new ClaimsPrincipal(LifeboatIdentity.ForSession(principal, ServerSecurity.CookieScheme, stamp)));
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = principal.MustReplaceCredential ? "/account/password" : returnUrl;
        return Results.Empty;
    }

    public static async Task SignOut(HttpContext http, IAntiforgery antiforgery)
    {
        if (await antiforgery.IsRequestValidAsync(http))
        {
            await http.SignOutAsync(ServerSecurity.CookieScheme);
        }

        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = "/account/sign-in";
    }

    public static Ok<MeResult> Me(HttpContext http) => TypedResults.Ok(MeResult.Of(Actors.PrincipalOf(http)!));

    public static async Task<NoContent> SetPassword(SetPasswordRequest request, HttpContext http, PlatformLifetime lifetime, LifeboatPlatform platform,
        CancellationToken cancellationToken)
    {
        var principal = Actors.PrincipalOf(http)!;
        var id = principal.Operator ?? throw new PlatformException(PlatformErrorKind.Invalid, $"{principal.Login} is a service, not an account with a password.");
        if (!principal.MustReplaceCredential
            && await lifetime.Platform.Operators.VerifyPasswordAsync(principal.Login, request.CurrentPassword ?? "", cancellationToken) is null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "currentPassword is missing or wrong: give your present password to set a new one (an admin can set it for you).");
        }

        await platform.Operators.SetPasswordAsync(id, request.Password, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<ApiToken>>> MyTokens(HttpContext http, LifeboatPlatform platform, CancellationToken cancellationToken,
        bool includeRevoked = false) =>
        TypedResults.Ok(Actors.PrincipalOf(http)!.Operator is { } id
            ? await platform.Tokens.ListAsync(id, includeRevoked, cancellationToken: cancellationToken)
            : (IReadOnlyList<ApiToken>)[]);

    public static async Task<Created<CreatedApiToken>> CreateMyToken(CreateTokenRequest request, HttpContext http, LifeboatPlatform platform,
        CancellationToken cancellationToken)
    {
        var principal = Actors.PrincipalOf(http)!;
        var id = principal.Operator ?? throw new PlatformException(PlatformErrorKind.Invalid, $"{principal.Login} is a service; an admin creates service tokens (POST /api/tokens/service).");
        var created = await platform.Tokens.CreatePersonalAsync(id, request.Name, request.Roles, Days(request.ExpiresInDays), cancellationToken);
        return TypedResults.Created($"/api/me/tokens/{created.Token.Id}", created);
    }

    public static async Task<Ok<ChangeResult>> RevokeMyToken(string token, HttpContext http, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = ApiTokenId.Parse(token);
        var found = await platform.Tokens.GetAsync(id, cancellationToken);
        if (found.Operator != Actors.PrincipalOf(http)!.Operator)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"API token {id} is not one of yours; an admin can revoke any token (DELETE /api/tokens/{id}).");
        }

        return TypedResults.Ok(new ChangeResult(await platform.Tokens.RevokeAsync(id, cancellationToken)));
    }

    internal static TimeSpan? Days(int? days) => days is { } d ? TimeSpan.FromDays(d) : null;

    /// <summary>Only a path of this server: a sign-in cannot be made to send the browser elsewhere.</summary>
    private static bool IsLocal(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}

public sealed record MeResult(string Login, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions, AuthenticationMethod AuthenticatedBy,
    OperatorId? Operator, ApiTokenId? Token, bool MustReplaceCredential, EmergencyAccessId? Emergency, DateTimeOffset? EmergencyUntil)
{
    public static MeResult Of(Principal p) => new(p.Login, p.DisplayName, p.Roles, p.Permissions.Order(StringComparer.Ordinal).ToList(), p.Method, p.Operator,
        p.Token, p.MustReplaceCredential, p.Emergency, p.EmergencyUntil);
}

public sealed record SetPasswordRequest(string Password, string? CurrentPassword = null);

public sealed record CreateTokenRequest(string Name, IReadOnlyList<string>? Roles = null, int? ExpiresInDays = null);
