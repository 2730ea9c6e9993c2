using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Catalog;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>The marketplace catalog, and app installations: an installation has its own ID kind (ain_…), never a site ID.</summary>
public static class AppEndpoints
{
    public static IEndpointRouteBuilder MapAppEndpoints(this IEndpointRouteBuilder app)
    {
        var catalog = app.MapArea("/api/apps", "Apps");
        catalog.MapGet("/", ListApps).WithName("ListApps").RequirePermission(Permissions.SitesRead).WithSummary("The marketplace catalog");
        catalog.MapPut("/{app}", RegisterApp).WithName("RegisterApp").RequirePermission(Permissions.CatalogWrite).WithSummary("Add an app to the catalog, or change its name and vendor");

        var site = app.MapArea("/api/sites/{site}/apps", "Apps");
        site.MapPost("/", Install).WithName("InstallApp").RequirePermission(Permissions.SitesWrite).WithSummary("Install an app on a site");
        site.MapGet("/", ListInstalled).WithName("ListInstalledApps").RequirePermission(Permissions.SitesRead).WithSummary("The apps installed on a site");

        var installations = app.MapArea("/api/app-installations", "Apps");
        installations.MapGet("/{installation}", Resolve).WithName("GetAppInstallation").RequirePermission(Permissions.SitesRead)
            .WithSummary("The site an installation belongs to, and the installation while it is installed")
            .WithDescription("installation is null once uninstalled (or while its site is deleted); an ID this environment never issued is a 404.");
        installations.MapDelete("/{installation}", Uninstall).WithName("UninstallApp").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Uninstall an app softly (restorable); uninstalling twice changes nothing");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<App>>> ListApps(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Apps.CatalogAsync(cancellationToken));

    public static async Task<Ok<App>> RegisterApp(string app, RegisterAppRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Apps.RegisterAsync(AppId.Parse(app), request.Name, request.Vendor, cancellationToken));

    public static async Task<Created<AppInstallation>> Install(string site, InstallAppRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var installation = await platform.Apps.InstallAsync(SiteId.Parse(site), request.App, cancellationToken);
        return TypedResults.Created($"/api/app-installations/{installation.Id}", installation);
    }

    public static async Task<Ok<IReadOnlyList<AppInstallation>>> ListInstalled(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Apps.InstalledAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<AppInstallationLookup>> Resolve(string installation, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var (site, found) = await platform.Apps.FindAsync(AppInstallationId.Parse(installation), cancellationToken);
        return TypedResults.Ok(new AppInstallationLookup(site, found));
    }

    public static async Task<Ok<ChangeResult>> Uninstall(string installation, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Apps.UninstallAsync(AppInstallationId.Parse(installation), cancellationToken)));
}

public sealed record RegisterAppRequest(string Name, string Vendor);

public sealed record InstallAppRequest(AppId App);

public sealed record AppInstallationLookup(SiteId Site, AppInstallation? Installation);
