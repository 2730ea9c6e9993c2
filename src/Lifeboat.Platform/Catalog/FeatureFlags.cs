using System.Text.RegularExpressions;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Catalog;

public sealed record FeatureFlag(string Key, bool Enabled);

/// <summary>Feature flags per site: tenant data, restored with the site.</summary>
public sealed partial class FeatureFlags
{
    private readonly PlatformContext _context;

    internal FeatureFlags(PlatformContext context) => _context = context;

    public async Task<FeatureFlag> SetAsync(SiteId site, string key, bool enabled, CancellationToken cancellationToken = default)
    {
        if (!KeyShape().IsMatch(key ?? ""))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{key}' is not a flag key: use 1 to 64 lowercase letters, digits, '.', '_' or '-'.");
        }

        await _context.RequireSiteAsync(site, cancellationToken);
        var flag = new FeatureFlag(key!, enabled);
        await _context.Store.Records.PutAsync(site.Tenant, SiteData.Flags, key!, _context.Json(flag), cancellationToken);
        return flag;
    }

    public async Task<IReadOnlyList<FeatureFlag>> ListAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return (await _context.Store.Records.ListAsync(site.Tenant, SiteData.Flags.Name, cancellationToken)).Select(r => r.As<FeatureFlag>(PlatformJson.Options)).ToList();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex KeyShape();
}
