using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Lifeboat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>The store's tenants, and the dry run of a restore, so operators can see a blast radius before acting.</summary>
public static class StoreEndpoints
{
    public static IEndpointRouteBuilder MapStoreEndpoints(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapArea("/api/store/tenants", "Store");
        tenants.MapGet("/", List).WithName("ListTenants").RequirePermission(Permissions.StoreRead)
            .WithSummary("The store's tenants and their lifecycle state")
            .WithDescription("Every site is one tenant, keyed by its site ID. Filter with state (Active, Suspended, Deleted, Restoring, Purged); at most limit (1 to 10000, default 1000).");
        tenants.MapGet("/{tenant}/restore-preview", PreviewRestore).WithName("PreviewRestore").RequirePermission(Permissions.StoreRead)
            .WithSummary("What restoring one tenant to a point would change; nothing is changed")
            .WithDescription("to: a commit position ('position:123' or '@123') or a UTC time ('2026-04-05T07:38:00Z').");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<TenantSummary>>> List(LifeboatPlatform platform, CancellationToken cancellationToken, TenantState? state = null,
        int limit = 1000)
    {
        Api.RequireInRange(limit, "limit", 1, SiteEndpoints.MaxList, "how many tenants to list, in ID order");
        var tenants = await platform.Store.Tenants.ListAsync(state, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<TenantSummary>>(tenants.Take(limit).Select(TenantSummary.Of).ToList());
    }

    public static async Task<Ok<RestorePreviewResult>> PreviewRestore(string tenant, string to, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var preview = await platform.Store.Restores.PreviewAsync(TenantId.Parse(tenant), RecoveryPoint.Parse(to), cancellationToken);
        return TypedResults.Ok(new RestorePreviewResult(preview.Tenant.Value, preview.Point.ToString(), preview.StateNow, preview.StateAtPoint,
            preview.Records, preview.BlobBytes, preview.Changes));
    }
}

/// <summary>
/// A tenant as the store knows it, its ID as a string. The positions are recovery points: the one
/// before statePosition is the last instant before the tenant's latest lifecycle change.
/// </summary>
public sealed record TenantSummary(string Id, TenantState State, DateTimeOffset CreatedAt, long CreatedPosition, DateTimeOffset StateChangedAt,
    long StatePosition, string? RestoreId)
{
    public static TenantSummary Of(TenantInfo t) => new(t.Id.Value, t.State, t.CreatedAt, t.CreatedPosition, t.StateChangedAt, t.StatePosition, t.RestoreId);
}

public sealed record RestorePreviewResult(string Tenant, string Point, TenantState StateNow, TenantState StateAtPoint, int Records, long BlobBytes,
    IReadOnlyList<CollectionChange> Changes);
