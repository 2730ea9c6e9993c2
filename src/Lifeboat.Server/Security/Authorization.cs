using Lifeboat.Platform.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Security;

/// <summary>The permission an endpoint declares (endpoint metadata): the authorization matrix and the OpenAPI document read it.</summary>
public sealed record RequiredPermission(string Permission);

/// <summary>A requirement that the principal holds one permission.</summary>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>
/// One policy per permission, and a fallback that requires an authenticated principal, so an
/// endpoint that declares nothing is closed, not open. Every endpoint says
/// <see cref="RequirePermission{TBuilder}"/> or <c>AllowAnonymous()</c>.
/// </summary>
public static class PermissionPolicies
{
    public static string PolicyName(string permission) => "permission:" + permission;

    /// <summary>Only principals holding <paramref name="permission"/> may call the endpoint(s).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!Permissions.All.Contains(permission))
        {
            throw new InvalidOperationException($"'{permission}' is not a permission; add it to Lifeboat.Platform.Access.Permissions first.");
        }

        return builder.WithMetadata(new RequiredPermission(permission)).RequireAuthorization(PolicyName(permission));
    }

    public static void Configure(AuthorizationOptions options)
    {
        foreach (var permission in Permissions.All)
        {
            options.AddPolicy(PolicyName(permission), p => p.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
        }

        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}

/// <summary>
/// Grants a permission the request's principal holds. A permission held only through emergency
/// access is granted too, and that use is written to the audit log under the grant.
/// </summary>
public sealed class PermissionHandler(PlatformLifetime lifetime) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.Identity is not LifeboatIdentity { Principal: var principal } || !principal.Has(requirement.Permission))
        {
            return;
        }

        if (principal.HasOnlyByEmergency(requirement.Permission) && principal.Emergency is { } grant)
        {
            var what = context.Resource is HttpContext http ? $"{http.Request.Method} {http.Request.Path} ({requirement.Permission})" : requirement.Permission;
            await lifetime.Platform.As(principal).EmergencyAccess.RecordUseAsync(grant, what, CancellationToken.None);
        }

        context.Succeed(requirement);
    }
}

/// <summary>
/// 401 and 403 as problem details that say what was missing and what to do: the token's refusal
/// (expired, revoked, owner disabled), or the permission lacking and the roles that carry it.
/// </summary>
public sealed class AuthorizationProblems(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            if (WantsPage(context))
            {
                context.Response.Redirect($"/account/sign-in?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
                return;
            }

            var refusal = context.Items[TokenAuthenticationHandler.RefusalItem] as string;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteAsync(context, StatusCodes.Status401Unauthorized, "Authentication required", refusal is null
                ? $"{context.Request.Method} {context.Request.Path} needs an authenticated principal: send 'Authorization: Bearer <API token>' (lifeboat login gives you one), or sign in at /account/sign-in."
                : $"The credentials were refused: {refusal}");
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var permission = context.GetEndpoint()?.Metadata.GetMetadata<RequiredPermission>()?.Permission ?? "(none declared)";
            var principal = Actors.PrincipalOf(context);
            if (WantsPage(context))
            {
                // A console page the principal may not open: the same words, on a page with the console's frame.
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await new RazorComponentResult<Console.Parts.ForbiddenPage>(new { Permission = permission })
                {
                    StatusCode = StatusCodes.Status403Forbidden,
                }.ExecuteAsync(context);
                return;
            }

            await WriteAsync(context, StatusCodes.Status403Forbidden, "Permission required", principal is null
                ? $"{context.Request.Method} {context.Request.Path} needs the permission {permission}."
                : principal.Denial(permission), permission);
            return;
        }

        await next(context);
    }

    /// <summary>A browser asking for a console page is sent to sign in; API clients get a problem.</summary>
    private static bool WantsPage(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/api") && HttpMethods.IsGet(context.Request.Method)
        && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private async Task WriteAsync(HttpContext context, int status, string title, string detail, string? permission = null)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetailsContext { HttpContext = context };
        problem.ProblemDetails.Status = status;
        problem.ProblemDetails.Title = title;
        problem.ProblemDetails.Detail = detail;
        if (permission is not null)
        {
            problem.ProblemDetails.Extensions["permission"] = permission;
        }

        await problems.WriteAsync(problem);
    }
}
