using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;

namespace Lifeboat.Sample;

/// <summary>A write to a product's data on a site where the product is not active; nothing was changed.</summary>
public sealed class ProductNotActiveException(SiteId site, ProductId product, ProductState? state)
    : PlatformException(PlatformErrorKind.Conflict, MessageFor(site, product, state))
{
    public SiteId Site { get; } = site;

    public ProductId Product { get; } = product;

    /// <summary>The product's state on the site; null when it was never provisioned there.</summary>
    public ProductState? State { get; } = state;

    private static string MessageFor(SiteId site, ProductId product, ProductState? state) => state switch
    {
        null => $"product {product} is not provisioned on site {site}, so its data cannot be changed; grant the site a licence for it and reconcile the site.",
        ProductState.Suspended => $"product {product} is suspended on site {site}: its data can be read but not changed until the product is unsuspended.",
        _ => $"product {product} is {state.Value.ToString().ToLowerInvariant()} on site {site}: its data can be read but not changed; grant the site an active licence and reconcile it.",
    };
}
