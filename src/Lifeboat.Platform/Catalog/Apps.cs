using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Catalog;

/// <summary>
/// Third-party apps: the marketplace catalog, and their installations on sites. An installation has
/// its own ID kind (ain_…), so a list of site IDs can never be taken for a list of installations.
/// </summary>
public sealed class Apps
{
    private readonly PlatformContext _context;

    internal Apps(PlatformContext context) => _context = context;

    public async Task<App> RegisterAsync(AppId app, string name, string vendor, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(vendor))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "an app needs a name and a vendor.");
        }

        await using var cmd = _context.Command("INSERT INTO platform.apps (app_id, name, vendor) VALUES ($1, $2, $3) ON CONFLICT (app_id) DO UPDATE SET name = excluded.name, vendor = excluded.vendor");
        cmd.Parameters.Add(new() { Value = app.Value });
        cmd.Parameters.Add(new() { Value = name.Trim() });
        cmd.Parameters.Add(new() { Value = vendor.Trim() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return new App(app, name.Trim(), vendor.Trim());
    }

    public async Task<IReadOnlyList<App>> CatalogAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT app_id, name, vendor FROM platform.apps ORDER BY app_id");
        var list = new List<App>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new App(AppId.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2)));
        }

        return list;
    }

    public async Task<AppInstallation> InstallAsync(SiteId site, AppId app, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        await RequireAppsAsync([app], cancellationToken);
        var installation = NewInstallation(site, app);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            await _context.Store.Records.WriteAsync(Installed(_context.Store.Records.Batch(site.Tenant), installation), tx, cancellationToken);
            return installation;
        }, cancellationToken);
    }

    internal AppInstallation NewInstallation(SiteId site, AppId app) =>
        new(TypedId.New<AppInstallationId>(_context.Time), site, app, _context.Time.GetUtcNow());

    /// <summary>The writes that install an app: the installation, its ID's directory row and the event.</summary>
    internal WriteBatch Installed(WriteBatch batch, AppInstallation installation) =>
        batch.Put(SiteData.Apps, installation.Id.Value, _context.Json(installation))
            .Include(_context.Directory(installation.Id.Value, IdKind.AppInstallation, installation.Site))
            .Include(_context.Event("app.installed", installation.Site, installation.Id.Value, new { installation.App }));

    /// <summary>Refuses apps that are not in the marketplace catalog, naming the first.</summary>
    internal async Task RequireAppsAsync(IReadOnlyCollection<AppId> apps, CancellationToken ct)
    {
        if (apps.Count == 0)
        {
            return;
        }

        await using var known = _context.Command("SELECT app_id FROM platform.apps WHERE app_id = ANY($1)");
        known.Parameters.Add(new() { Value = apps.Select(a => a.Value).Distinct().ToArray() });
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await known.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                found.Add(reader.GetString(0));
            }
        }

        if (apps.FirstOrDefault(a => !found.Contains(a.Value)) is { Value: not null } missing)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"app {missing} is not in the marketplace catalog.");
        }
    }

    /// <summary>Uninstalls softly (a tombstone: the installation and its settings can be restored). False when already uninstalled.</summary>
    public async Task<bool> UninstallAsync(AppInstallationId installation, CancellationToken cancellationToken = default)
    {
        var site = await _context.SiteOfAsync(installation, cancellationToken);
        return await _context.ChangeSiteAsync(site, tx => UninstallAsync(tx, site, installation, cancellationToken), cancellationToken);
    }

    /// <summary>The uninstall itself, inside a transaction that holds the site's lock.</summary>
    internal async Task<bool> UninstallAsync(StoreTransaction tx, SiteId site, AppInstallationId installation, CancellationToken ct)
    {
        var current = await _context.Store.Records.GetAsync(site.Tenant, SiteData.Apps.Name, installation.Value, ct);
        if (current is null)
        {
            return false;
        }

        var batch = _context.Store.Records.Batch(site.Tenant)
            .Delete(SiteData.Apps.Name, installation.Value)
            .Include(_context.Event("app.uninstalled", site, installation.Value, new { current.As<AppInstallation>(PlatformJson.Options).App }));
        await _context.Store.Records.WriteAsync(batch, tx, ct);
        return true;
    }

    public async Task<IReadOnlyList<AppInstallation>> InstalledAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return (await _context.Store.Records.ListAsync(site.Tenant, SiteData.Apps.Name, cancellationToken)).Select(r => r.As<AppInstallation>(PlatformJson.Options)).ToList();
    }

    /// <summary>The site an installation belongs to, and the installation when it is still installed.</summary>
    public async Task<(SiteId Site, AppInstallation? Installation)> FindAsync(AppInstallationId installation, CancellationToken cancellationToken = default)
    {
        var site = await _context.SiteOfAsync(installation, cancellationToken);
        var entry = await _context.RequireSiteAsync(site, cancellationToken);
        if (entry.State is TenantState.Deleted or TenantState.Purged)
        {
            return (site, null);
        }

        var record = await _context.Store.Records.GetAsync(site.Tenant, SiteData.Apps.Name, installation.Value, cancellationToken);
        return (site, record?.As<AppInstallation>(PlatformJson.Options));
    }
}
