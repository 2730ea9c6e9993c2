using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Catalog;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>The product catalog, and which products are provisioned on a site.</summary>
public static class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProductEndpoints(this IEndpointRouteBuilder app)
    {
        var catalog = app.MapArea("/api/products", "Products");
        catalog.MapGet("/", ListProducts).WithName("ListProducts").RequirePermission(Permissions.SitesRead).WithSummary("The product catalog");
        catalog.MapPut("/{product}", RegisterProduct).WithName("RegisterProduct").RequirePermission(Permissions.CatalogWrite).WithSummary("Add a product to the catalog, or rename it");

        var site = app.MapArea("/api/sites/{site}/products", "Products");
        site.MapGet("/", ListSiteProducts).WithName("ListSiteProducts").RequirePermission(Permissions.SitesRead).WithSummary("The products provisioned on a site, with their state");
        site.MapPost("/{product}/activate", Activate).WithName("ActivateProduct").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Provision a product the site's licences cover")
            .WithDescription("409 when the site has no active licence for it. Activating an active product changes nothing.");
        site.MapPost("/{product}/deactivate", Deactivate).WithName("DeactivateProduct").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Deprovision a product; deactivating twice changes nothing");
        site.MapPost("/{product}/suspend", Suspend).WithName("SuspendProduct").RequirePermission(Permissions.SitesWrite).WithSummary("Suspend an active product");
        site.MapPost("/{product}/unsuspend", Unsuspend).WithName("UnsuspendProduct").RequirePermission(Permissions.SitesWrite).WithSummary("Make a suspended product active again");
        site.MapPost("/reconcile", Reconcile).WithName("ReconcileProducts").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Make what is provisioned match the active licences")
            .WithDescription("Returns the changes made; running it again changes nothing.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<Product>>> ListProducts(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Provisioning.CatalogAsync(cancellationToken));

    public static async Task<Ok<Product>> RegisterProduct(string product, RegisterProductRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Provisioning.RegisterProductAsync(ProductId.Parse(product), request.Name, cancellationToken));

    public static async Task<Ok<IReadOnlyList<ProductActivation>>> ListSiteProducts(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Provisioning.ProductsOfAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<ChangeResult>> Activate(string site, string product, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Provisioning.ActivateAsync(SiteId.Parse(site), ProductId.Parse(product), cancellationToken)));

    public static async Task<Ok<ChangeResult>> Deactivate(string site, string product, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Provisioning.DeactivateAsync(SiteId.Parse(site), ProductId.Parse(product), cancellationToken)));

    public static async Task<Ok<ChangeResult>> Suspend(string site, string product, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Provisioning.SuspendAsync(SiteId.Parse(site), ProductId.Parse(product), cancellationToken)));

    public static async Task<Ok<ChangeResult>> Unsuspend(string site, string product, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Provisioning.UnsuspendAsync(SiteId.Parse(site), ProductId.Parse(product), cancellationToken)));

    public static async Task<Ok<IReadOnlyList<ProvisioningChange>>> Reconcile(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Provisioning.ReconcileAsync(SiteId.Parse(site), cancellationToken));
}

public sealed record RegisterProductRequest(string Name);
