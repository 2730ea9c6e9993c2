using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;

namespace Lifeboat.Sample;

/// <summary>
/// The checks a product makes before it changes a site's data: the product is active there, and the
/// people named belong to the site. States are read on every call, never kept between calls: a
/// product suspended a moment ago must refuse the very next write.
/// </summary>
internal sealed class SiteGuard(LifeboatPlatform platform, ProductId product)
{
    public async Task RequireActiveAsync(SiteId site, CancellationToken ct)
    {
        var state = (await platform.Provisioning.ProductsOfAsync(site, ct)).FirstOrDefault(p => p.Product == product)?.State;
        if (state != ProductState.Active)
        {
            throw new ProductNotActiveException(site, product, state);
        }
    }

    public async Task RequireUserAsync(SiteId site, UserId user, CancellationToken ct)
    {
        var record = await platform.Store.Records.GetAsync(site.Tenant, SiteData.Users.Name, user.Value, ct)
            ?? throw new PlatformException(PlatformErrorKind.NotFound, $"user {user} is not a user of site {site}.");
        if (!SampleJson.Read<Platform.Identity.User>(record).Active)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"user {user} of site {site} is deactivated.");
        }
    }

    public static string RequireText(string? value, string what, int max)
    {
        var trimmed = value?.Trim() ?? "";
        return trimmed.Length == 0 || trimmed.Length > max
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} must be 1 to {max} characters.")
            : trimmed;
    }
}
