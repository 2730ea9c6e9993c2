using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Catalog;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>Licences: what a site may use (a product and a number of seats), granted and changed by licence ID.</summary>
public static class LicenceEndpoints
{
    public static IEndpointRouteBuilder MapLicenceEndpoints(this IEndpointRouteBuilder app)
    {
        var site = app.MapArea("/api/sites/{site}/licences", "Licences");
        site.MapPost("/", Grant).WithName("GrantLicence").RequirePermission(Permissions.SitesWrite).WithSummary("Grant a site a licence for a product");
        site.MapGet("/", List).WithName("ListLicences").RequirePermission(Permissions.SitesRead).WithSummary("A site's licences");

        var licences = app.MapArea("/api/licences", "Licences");
        licences.MapPatch("/{licence}", Update).WithName("UpdateLicence").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Change a licence's seats or whether it is active")
            .WithDescription("Fields left out stay as they are. Seats must be 0 or more.");
        return app;
    }

    public static async Task<Created<Licence>> Grant(string site, GrantLicenceRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var licence = await platform.Provisioning.GrantLicenceAsync(SiteId.Parse(site), request.Product, request.Seats, cancellationToken);
        // No Location: a licence is read through its site's list (the platform has no lookup by licence ID).
        return TypedResults.Created((string?)null, licence);
    }

    public static async Task<Ok<IReadOnlyList<Licence>>> List(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Provisioning.LicencesAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<Licence>> Update(string licence, UpdateLicenceRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Provisioning.UpdateLicenceAsync(LicenceId.Parse(licence), request.Seats, request.Active, cancellationToken));
}

public sealed record GrantLicenceRequest(ProductId Product, int Seats);

public sealed record UpdateLicenceRequest(int? Seats = null, bool? Active = null);
