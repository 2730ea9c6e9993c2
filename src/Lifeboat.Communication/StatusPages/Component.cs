using Lifeboat.Platform;

namespace Lifeboat.Communication.StatusPages;

/// <summary>
/// A part of the service a status page reports on and people subscribe to: one product in one region
/// (<c>prd_wiki@eu-west</c>). Products come from the platform's catalogue, regions from its options.
/// </summary>
public sealed record Component(ProductId Product, string ProductName, string Region)
{
    public string Key => $"{Product.Value}@{Region}";

    public string Name => $"{ProductName} ({Region})";
}

/// <summary>The components of this environment: every product of the catalogue in every region.</summary>
public static class ComponentCatalog
{
    public static async Task<IReadOnlyList<Component>> ListAsync(LifeboatPlatform platform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var products = await platform.Provisioning.CatalogAsync(cancellationToken);
        return [.. products.OrderBy(p => p.Name, StringComparer.Ordinal)
            .SelectMany(p => platform.Options.Regions.Order(StringComparer.Ordinal).Select(r => new Component(p.Id, p.Name, r)))];
    }

    /// <summary>The component a key names; refuses a malformed or unknown key, listing the keys there are.</summary>
    public static Component Require(IReadOnlyList<Component> components, string? key)
    {
        ArgumentNullException.ThrowIfNull(components);
        var found = components.FirstOrDefault(c => string.Equals(c.Key, key?.Trim(), StringComparison.Ordinal));
        if (found is not null)
        {
            return found;
        }

        var known = components.Count == 0 ? "none: register a product first" : string.Join(", ", components.Take(20).Select(c => c.Key)) + (components.Count > 20 ? ", …" : "");
        throw new PlatformException(PlatformErrorKind.Invalid,
            $"'{key}' is not a component of this environment: a component is <product ID>@<region>; there are {known}.");
    }
}
