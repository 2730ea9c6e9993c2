using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Lifeboat.Storage.Backups;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Brings one site of the live environment to a recovery point from backups: the versions (and blob
/// files) the live store lacks are imported from the chain, then the store's own per-tenant restore
/// brings the site to the point, so every guarantee of a store restore holds (same IDs, only that
/// tenant read or written, an undo point) and no other site is touched.
/// </summary>
internal sealed class SiteRestorer(PlatformContext context, AuditLog audit)
{
    public async Task<SiteRestoreReport> RestoreAsync(SiteId site, RecoveryPoint point, bool allowOlderChain, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var catalog = await BackupCatalog.ReadAsync(context.Options.Backups.RequireDirectory(), context.Options.Backups.RequireKeys(), ct);
        var candidates = catalog.Chains.Where(c => c.Scope == BackupScope.Environment || c.Site == site).OrderByDescending(c => c.StartedAt).ToList();
        var selection = await ChainSelection.SelectAsync(catalog, candidates, $"site {site}", point, allowOlderChain, progress, ct);
        var store = context.Store;

        // Refuse before importing anything what the store's restore would refuse afterwards.
        if (await store.Tenants.FindAsync(site.Tenant, ct) is not null)
        {
            await store.Restores.PreviewAsync(site.Tenant, selection.Point, ct);
        }
        else if (selection.Point.Time < context.Time.GetUtcNow() - store.Options.RetentionWindow)
        {
            throw new RecoveryPointException($"{selection.Point} is outside the retention window of {store.Options.RetentionWindow.TotalDays:0.##} days.");
        }

        var scope = new ImportScope
        {
            Tenant = site.Tenant,
            Point = selection.Point,
            Tables = PlatformTables.All,
            Sequences = new Dictionary<string, long> { ["lifeboat.commit_position"] = selection.Last.UpToPosition },
        };
        var (import, blobs) = await ChainImport.RunAsync(store, catalog, selection.Members, scope, progress, ct);
        if (await store.Tenants.FindAsync(site.Tenant, ct) is null)
        {
            throw new PlatformException(PlatformErrorKind.NotFound,
                $"site {site} is not in backup chain {selection.Chain.Id} at {selection.Point} (it did not exist yet, or never existed here); nothing was restored.");
        }

        progress?.Report(new BackupProgress("Restoring the site", 0, null));
        var restore = await store.Restores.RestoreAsync(site.Tenant, selection.Point, ct);
        var report = new SiteRestoreReport(site, point, selection.Point, selection.Chain.Id, [.. selection.Members.Select(m => m.Id)], selection.Skipped, import, blobs, restore);
        await audit.WriteAsync(selection.Last.Id.Value, "backup.restore-site", null, [site.Value, restore.RestoreId], new
        {
            requested = point.ToString(),
            point = selection.Point.ToString(),
            chain = selection.Chain.Id,
            backups = report.BackupsUsed,
            skipped = selection.Skipped.Select(s => new { s.Chain, problems = s.Problems.Select(p => p.ToString()) }),
            importedVersions = import.Versions,
            restore.Records,
            undo = restore.UndoPoint.ToString(),
        }, ct);
        return report;
    }
}
