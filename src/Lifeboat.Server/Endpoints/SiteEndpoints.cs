using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Catalog;
using Lifeboat.Server.Security;
using Lifeboat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>Sites: create, list, look at, delete softly and bring back.</summary>
public static class SiteEndpoints
{
    public const int MaxList = 10_000;

    public static IEndpointRouteBuilder MapSiteEndpoints(this IEndpointRouteBuilder app)
    {
        var sites = app.MapArea("/api/sites", "Sites");
        sites.MapPost("/", CreateSite).WithName("CreateSite").RequirePermission(Permissions.SitesWrite).WithSummary("Create a site in a region");
        sites.MapGet("/", ListSites).WithName("ListSites").RequirePermission(Permissions.SitesRead)
            .WithSummary("List sites in creation order")
            .WithDescription("Filter by region, state (Active, Suspended, Deleted, Restoring, Purged) and internal; page with after = the last site ID of the previous page.");
        sites.MapGet("/{site}", GetSite).WithName("GetSite").RequirePermission(Permissions.SitesRead).WithSummary("A site's directory entry and lifecycle state");
        sites.MapGet("/{site}/details", DescribeSite).WithName("DescribeSite").RequirePermission(Permissions.SitesRead)
            .WithSummary("A site with its products, licences and apps")
            .WithDescription("A deleted site shows its directory entry only.");
        sites.MapDelete("/{site}", DeleteSite).WithName("DeleteSite").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Delete a site softly (a reason is required)")
            .WithDescription("The site becomes invisible and closed to writes; its data stays restorable until retention purges it. Deleting a deleted site changes nothing.");
        sites.MapPost("/{site}/undelete", UndeleteSite).WithName("UndeleteSite").RequirePermission(Permissions.SitesWrite).WithSummary("Bring a deleted site back (a reason is required)");
        return app;
    }

    public static async Task<Created<SiteProfile>> CreateSite(CreateSiteRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var site = await platform.Sites.CreateAsync(request.Name, request.Region, request.Internal, cancellationToken);
        return TypedResults.Created($"/api/sites/{site.Id}", site);
    }

    public static async Task<Ok<IReadOnlyList<SiteDirectoryEntry>>> ListSites(LifeboatPlatform platform, CancellationToken cancellationToken,
        string? region = null, TenantState? state = null, bool? @internal = null, string? after = null, int limit = 1000)
    {
        Api.RequireInRange(limit, "limit", 1, MaxList, "how many sites to list; page with after");
        return TypedResults.Ok(await platform.Sites.ListAsync(region, state, @internal, after is null ? null : SiteId.Parse(after), limit, cancellationToken));
    }

    public static async Task<Ok<SiteDirectoryEntry>> GetSite(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Sites.GetAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<SiteDetails>> DescribeSite(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Sites.DescribeAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<SiteLifecycleResult>> DeleteSite(string site, string reason, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = SiteId.Parse(site);
        var changed = await platform.Sites.DeleteAsync(id, reason, cancellationToken);
        return TypedResults.Ok(new SiteLifecycleResult(await platform.Sites.GetAsync(id, cancellationToken), changed));
    }

    public static async Task<Ok<SiteLifecycleResult>> UndeleteSite(string site, ReasonRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = SiteId.Parse(site);
        var changed = await platform.Sites.UndeleteAsync(id, request.Reason, cancellationToken);
        return TypedResults.Ok(new SiteLifecycleResult(await platform.Sites.GetAsync(id, cancellationToken), changed));
    }
}

public sealed record CreateSiteRequest(string Name, string Region, bool Internal = false);

public sealed record ReasonRequest(string Reason);

/// <summary>The site after a lifecycle change, and whether the call changed it.</summary>
public sealed record SiteLifecycleResult(SiteDirectoryEntry Site, bool Changed);
