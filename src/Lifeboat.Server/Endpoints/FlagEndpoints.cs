using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Catalog;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>Feature flags per site (site data: restored with the site).</summary>
public static class FlagEndpoints
{
    public static IEndpointRouteBuilder MapFlagEndpoints(this IEndpointRouteBuilder app)
    {
        var flags = app.MapArea("/api/sites/{site}/flags", "Flags");
        flags.MapGet("/", List).WithName("ListFlags").RequirePermission(Permissions.SitesRead).WithSummary("A site's feature flags");
        flags.MapPut("/{key}", Set).WithName("SetFlag").RequirePermission(Permissions.SitesWrite).WithSummary("Turn a feature flag of a site on or off");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<FeatureFlag>>> List(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Flags.ListAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<FeatureFlag>> Set(string site, string key, SetFlagRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Flags.SetAsync(SiteId.Parse(site), key, request.Enabled, cancellationToken));
}

public sealed record SetFlagRequest(bool Enabled);
