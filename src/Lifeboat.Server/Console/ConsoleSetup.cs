using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Reflection;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Console.Parts;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Console;

/// <summary>
/// The web console: Razor components rendered on the server (static rendering, no circuit, no
/// WebAssembly), forms with antiforgery tokens, one stylesheet and one small script served from the
/// assembly (nothing fetched from the network), and the fragments the script polls so that a restore
/// job's progress, a plan's waves and an incident room's roles, handoffs and timeline move by themselves. Each page declares the permission it needs
/// with <see cref="PagePermissionAttribute"/>: the same policies as the API guard it.
/// </summary>
public static class ConsoleSetup
{
    /// <summary>Where the live fragments are served; the pages' script polls them.</summary>
    public const string LivePrefix = "/console/live";

    public static IServiceCollection AddLifeboatConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAntiforgery(o => o.Cookie.Name = "lifeboat.antiforgery");
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IncidentRoomCache>();
        return services;
    }

    public static WebApplication MapLifeboatConsole(this WebApplication app)
    {
        app.UseAntiforgery();

        var assets = app.MapGroup("/console/assets").WithTags("Console").ExcludeFromDescription();
        // The stylesheet and script hold nothing secret, and the sign-in page needs them before anyone is signed in.
        assets.MapGet("/{name}", Asset).AllowAnonymous();

        var live = app.MapGroup(LivePrefix).WithTags("Console").ExcludeFromDescription();
        live.MapGet("/restore-jobs/{job}", (string job) => new RazorComponentResult<RestoreJobLive>(new { Job = job }))
            .RequirePermission(Permissions.RestoresRead);
        live.MapGet("/plans/{plan}", (string plan) => new RazorComponentResult<PlanLive>(new { Plan = plan }))
            .RequirePermission(Permissions.PlansRead);
        live.MapGet("/incidents/{incident}", (string incident) => new RazorComponentResult<IncidentLive>(new { Incident = incident }))
            .RequirePermission(Permissions.IncidentsRead);

        app.MapRazorComponents<App>().Add(DeclarePermission);
        return app;
    }

    /// <summary>
    /// A page's <see cref="PagePermissionAttribute"/> becomes the same metadata and policy as an API
    /// endpoint's RequirePermission, so the authorization matrix and the 403 messages treat pages alike.
    /// Pages answer GET only, except those that hold forms (<see cref="PagePermissionAttribute.Forms"/>).
    /// </summary>
    private static void DeclarePermission(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<PagePermissionAttribute>().LastOrDefault() is not { } page)
        {
            // The framework's own endpoint (/_framework/opaque-redirect, for enhanced navigation, which the console does not load):
            // closed to all but a signed-in principal, and said so, like every other endpoint.
            endpoint.Metadata.Add(new RequiredPermission(Permissions.AccountSelf));
            endpoint.Metadata.Add(new AuthorizeAttribute(PermissionPolicies.PolicyName(Permissions.AccountSelf)));
            return;
        }

        if (page.Permission is { } permission)
        {
            endpoint.Metadata.Add(new RequiredPermission(permission));
            endpoint.Metadata.Add(new AuthorizeAttribute(PermissionPolicies.PolicyName(permission)));
        }

        if (!page.Forms)
        {
            endpoint.Metadata.Add(new HttpMethodMetadata([HttpMethods.Get]));
        }
    }

    private static readonly Dictionary<string, string> AssetTypes = new(StringComparer.Ordinal)
    {
        ["console.css"] = "text/css; charset=utf-8",
        ["live.js"] = "text/javascript; charset=utf-8",
    };

    private static IResult Asset(string name, HttpContext http)
    {
        if (!AssetTypes.TryGetValue(name, out var type)
            || Assembly.GetExecutingAssembly().GetManifestResourceStream($"Lifeboat.Server.Console.Assets.{name}") is not { } stream)
        {
            return TypedResults.NotFound();
        }

        http.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Stream(stream, type);
    }
}

/// <summary>
/// What a console page needs: a permission (the same as the API's for what it shows), or none for
/// the sign-in page (which also says <c>[AllowAnonymous]</c>). Forms: the page takes POSTs from its
/// own forms (antiforgery-checked); otherwise it answers GET only.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PagePermissionAttribute(string? permission) : Attribute
{
    public string? Permission { get; } = permission;

    public bool Forms { get; init; }
}
