using System.Text.RegularExpressions;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Catalog;

public sealed record FeatureFlag(string Key, bool Enabled);

/// <summary>
/// Feature flags per site: tenant data, restored with the site. Each change is also in the audit log (subject
/// <c>flag:{key}</c>, step <see cref="AuditStep"/>, the site among its IDs), in the same transaction: an incident's
/// rollback risk lists the flags changed in its window and the sites each touched.
/// </summary>
public sealed partial class FeatureFlags
{
    /// <summary>The audit step of a flag turned on or off.</summary>
    public const string AuditStep = "flag-set";

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    internal FeatureFlags(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    public async Task<FeatureFlag> SetAsync(SiteId site, string key, bool enabled, CancellationToken cancellationToken = default)
    {
        var flag = NewFlag(key, enabled);
        await _context.RequireSiteAsync(site, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            await _context.Store.Records.WriteAsync(Set(_context.Store.Records.Batch(site.Tenant), flag), tx, cancellationToken);
            await AuditAsync(tx, site, flag, cancellationToken);
            return flag;
        }, cancellationToken);
    }

    /// <summary>A flag; refuses a key a flag cannot have.</summary>
    internal static FeatureFlag NewFlag(string key, bool enabled) =>
        KeyShape().IsMatch(key ?? "")
            ? new FeatureFlag(key!, enabled)
            : throw new PlatformException(PlatformErrorKind.Invalid, $"'{key}' is not a flag key: use 1 to 64 lowercase letters, digits, '.', '_' or '-'.");

    /// <summary>The audit entry of a flag set on a site, in the transaction that sets it (a site import's too).</summary>
    internal Task AuditAsync(StoreTransaction tx, SiteId site, FeatureFlag flag, CancellationToken ct) =>
        _audit.WriteAsync($"flag:{flag.Key}", AuditStep, null, [site.Value], new { key = flag.Key, enabled = flag.Enabled }, ct, tx);

    /// <summary>The write that sets a flag on the batch's site: the record <see cref="SetAsync"/> puts.</summary>
    internal WriteBatch Set(WriteBatch batch, FeatureFlag flag) => batch.Put(SiteData.Flags, flag.Key, _context.Json(flag));

    public async Task<IReadOnlyList<FeatureFlag>> ListAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return (await _context.Store.Records.ListAsync(site.Tenant, SiteData.Flags.Name, cancellationToken)).Select(r => r.As<FeatureFlag>(PlatformJson.Options)).ToList();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex KeyShape();
}
