using Lifeboat.Storage;
using Lifeboat.Storage.Backups;
using Npgsql;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Rebuilds an environment in an empty database from the newest intact environment backup chain:
/// every tenant (sites, and the contacts directory) with its full history up to the chain's last
/// backup, the platform's tables, the blob files, and the sequences. It never reads the live database,
/// which may be gone.
/// </summary>
internal static class EnvironmentRestorer
{
    /// <summary>
    /// How far above its value at the backup every sequence continues (audit IDs, outbox and commit
    /// positions, …). The source went on handing out numbers after its last backup, which no backup
    /// holds; a number quoted from then (in a ticket, a shipped log, a consumer's cursor) must not name
    /// something else in the restored environment. The restore cannot know how many were handed out,
    /// so it leaves room for more than any sequence of Lifeboat's hands out between two backups: a
    /// trillion is 115 days at 100,000 a second, far past the 30 days a backup is kept, and a bigint
    /// still holds nine million such gaps.
    /// </summary>
    internal const long SequenceGap = 1_000_000_000_000;

    public static async Task<EnvironmentRestoreReport> RestoreAsync(BackupCatalog catalog, PlatformOptions target, bool allowOlderChain, TimeProvider time,
        IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var chains = catalog.ChainsOf(BackupScope.Environment, null).ToList();
        var selection = await ChainSelection.SelectAsync(catalog, chains, "the environment", null, allowOlderChain, progress, ct);
        var last = selection.Last;

        // Every refusal comes before anything is created: no schema, no blob folder.
        RequireCompatible(last, target);
        await RequireEmptyAsync(target.Store.ConnectionString, ct);
        var blobFolder = Path.GetFullPath(target.Store.BlobDirectory);
        var createsBlobFolder = !Directory.Exists(blobFolder);
        ChainBlobCopy? blobs = null;
        ImportResult import;
        try
        {
            // Creating and migrating the empty target's schema takes seconds of its own: say so, or the run looks stuck.
            progress?.Report(new BackupProgress("Creating the target's schema", 0, null));
            await using var store = await OpenTargetAsync(target, ct);
            progress?.Report(new BackupProgress("Creating the target's schema", 1, 1));
            blobs = new ChainBlobCopy(catalog, store);
            import = await ImportAsync(store, catalog, selection, PlatformTables.Of(target), blobs, progress, ct);
        }
        catch (Exception e)
        {
            var removed = blobs?.Placed ?? 0;
            blobs?.RemoveAll();
            if (createsBlobFolder && Directory.Exists(blobFolder))
            {
                Directory.Delete(blobFolder, recursive: true);
            }

            if (e is OperationCanceledException && ct.IsCancellationRequested)
            {
                throw new RestoreCancelledException(
                    "restore-all was stopped before it finished. The import is one transaction and was rolled back: the target database holds Lifeboat's empty schema and no data. " +
                    $"The {removed} blob file(s) copied so far were removed{(createsBlobFolder ? $", and the blob folder {blobFolder}, which this run created" : "")}. " +
                    "Running the same command again is safe: it starts over.", e);
            }

            throw;
        }

        // The import has committed: what follows is bookkeeping, not stopped half-way by a late Ctrl-C.
        await using var platform = await LifeboatPlatform.OpenAsync(target, CancellationToken.None);
        await using var count = platform.Store.DataSource.CreateCommand("SELECT count(*)::int FROM platform.site_directory");
        var sites = (int)(await count.ExecuteScalarAsync(CancellationToken.None))!;
        await platform.Audit.WriteAsync(last.Id.Value, "backup.restore-environment", null, [.. selection.Members.Select(m => m.Id.Value)], new
        {
            chain = selection.Chain.Id,
            point = last.UpToPosition,
            skipped = selection.Skipped.Select(s => new { s.Chain, problems = s.Problems.Select(p => p.ToString()) }),
            tenants = import.TenantsCreated,
            versions = import.Versions,
            blobs = blobs.Placed,
            restoredAt = time.GetUtcNow(),
        }, CancellationToken.None);
        return new EnvironmentRestoreReport(selection.Point, selection.Chain.Id, [.. selection.Members.Select(m => m.Id)], selection.Skipped, import, blobs.Placed, sites);
    }

    /// <summary>
    /// Stages the chain's rows while its blob files are copied, then inserts; commits once every blob file
    /// the restored versions refer to is in place.
    /// </summary>
    private static async Task<ImportResult> ImportAsync(TenantStore store, BackupCatalog catalog, ChainSelection selection, IReadOnlyList<TableSpec> tables, ChainBlobCopy blobs,
        IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var last = selection.Last;
        var sequences = last.Sequences.ToDictionary(s => s.Name, s => s.Value + SequenceGap, StringComparer.Ordinal);
        sequences["lifeboat.commit_position"] = Math.Max(sequences.GetValueOrDefault("lifeboat.commit_position"), last.UpToPosition + SequenceGap);
        var scope = new ImportScope { Point = RecoveryPoint.AtPosition(last.UpToPosition), Tables = tables, Sequences = sequences };
        await using var session = await store.Backups.BeginImportAsync(scope, ct);
        var holders = ChainImport.BlobHolders(selection.Members);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The blob files are copied while the rows load: files and rows are different work on different resources.
        var copying = Task.Run(() => blobs.CopyAsync(holders, progress, stop.Token), stop.Token);
        try
        {
            await ChainImport.StageAsync(session, catalog, selection.Members, progress, ct);
            var steps = ChainImport.Steps(progress);
            await session.PrepareAsync(steps, ct);
            if (session.ReferencedBlobs.FirstOrDefault(sha => !holders.ContainsKey(sha)) is { } lost)
            {
                throw ChainImport.NotInChain(catalog, selection.Members, lost);
            }

            await session.InsertAsync(steps, ct);
            await copying;
            // A purged tenant's files came with the chain; its data stays removed, and so do they.
            blobs.RemoveUnreferenced(session.ReferencedBlobs);
            return await session.CommitAsync(steps, ct);
        }
        catch
        {
            await stop.CancelAsync();
            await Task.WhenAny(copying); // the copy's own failure, if any, is not the one to report
            throw;
        }
    }

    private static async Task<TenantStore> OpenTargetAsync(PlatformOptions target, CancellationToken ct)
    {
        var dataSource = TenantStore.CreateDataSource(target.Store.ConnectionString);
        try
        {
            return await TenantStore.OpenAsync(dataSource, target.Store, ownsDataSource: true, target.MigrationSources, ct);
        }
        catch (NpgsqlException e)
        {
            await dataSource.DisposeAsync();
            throw CannotOpen(e);
        }
    }

    /// <summary>
    /// Refuses a target that holds tenants or sites, before its schema is migrated or its blob folder
    /// created, so that a refusal leaves nothing behind.
    /// </summary>
    private static async Task RequireEmptyAsync(string connectionString, CancellationToken ct)
    {
        long rows = 0;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            foreach (var table in new[] { "lifeboat.tenants", "platform.site_directory" })
            {
                await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
                exists.Parameters.Add(new() { Value = table });
                if ((bool)(await exists.ExecuteScalarAsync(ct))!)
                {
#pragma warning disable CA2100 // the table name is one of the two constants above
                    await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
#pragma warning restore CA2100
                    rows += (long)(await count.ExecuteScalarAsync(ct))!;
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw CannotOpen(e);
        }

        if (rows > 0)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                "the target database is not empty: restore-all fills only an empty environment (a new database). To bring back one site of a live environment, use `lifeboat backup restore --site`.");
        }
    }

    private static PlatformException CannotOpen(NpgsqlException e) =>
        new(PlatformErrorKind.Invalid, $"cannot open the target database ({e.Message}); create an empty database and pass its connection string. Nothing was restored.");

    /// <summary>Refuses a backup of a newer Lifeboat from the migrations this program carries, before the target is touched.</summary>
    private static void RequireCompatible(BackupManifest last, PlatformOptions target)
    {
        // Versions are the scripts' numbers, which need not be contiguous: the newest number is what a database at the top has.
        var known = target.MigrationSources.ToDictionary(m => m.Module, m => m.Load().Select(x => x.Version).DefaultIfEmpty(0).Max(), StringComparer.Ordinal);
        foreach (var module in last.Schema)
        {
            if (!known.TryGetValue(module.Name, out var version))
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"backup {last.Id} carries the '{module.Name}' module's tables, but this Lifeboat was opened without that module (PlatformOptions.Modules); " +
                    "restore it with the lifeboat CLI, which runs every module, or the restored environment would lack them. Nothing was created.");
            }

            if (module.Value > version)
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"backup {last.Id} was taken from a newer Lifeboat ({module.Name} schema {module.Value}; this one has {version}); restore it with that version or newer. Nothing was created.");
            }
        }
    }
}
