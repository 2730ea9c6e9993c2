using Lifeboat.Storage;
using Lifeboat.Storage.Backups;
using Lifeboat.Storage.Schema;
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
    public static async Task<EnvironmentRestoreReport> RestoreAsync(BackupCatalog catalog, PlatformOptions target, bool allowOlderChain, TimeProvider time,
        IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var chains = catalog.ChainsOf(BackupScope.Environment, null).ToList();
        var selection = await ChainSelection.SelectAsync(catalog, chains, "the environment", null, allowOlderChain, progress, ct);
        var last = selection.Last;

        ImportResult import;
        int blobs;
        await RequireEmptyAsync(target.Store.ConnectionString, ct);
        await using (var store = await OpenTargetAsync(target, ct))
        {
            await RequireCompatibleAsync(store, last, ct);
            var sequences = last.Sequences.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
            sequences["lifeboat.commit_position"] = Math.Max(sequences.GetValueOrDefault("lifeboat.commit_position"), last.UpToPosition);
            var scope = new ImportScope { Point = RecoveryPoint.AtPosition(last.UpToPosition), Tables = PlatformTables.All, Sequences = sequences };
            (import, blobs) = await ChainImport.RunAsync(store, catalog, selection.Members, scope, progress, ct);
        }

        await using var platform = await LifeboatPlatform.OpenAsync(target, ct);
        await using var count = platform.Store.DataSource.CreateCommand("SELECT count(*)::int FROM platform.site_directory");
        var sites = (int)(await count.ExecuteScalarAsync(ct))!;
        await platform.Audit.WriteAsync(last.Id.Value, "backup.restore-environment", null, [.. selection.Members.Select(m => m.Id.Value)], new
        {
            chain = selection.Chain.Id,
            point = last.UpToPosition,
            skipped = selection.Skipped.Select(s => new { s.Chain, problems = s.Problems.Select(p => p.ToString()) }),
            tenants = import.TenantsCreated,
            versions = import.Versions,
            blobs,
            restoredAt = time.GetUtcNow(),
        }, ct);
        return new EnvironmentRestoreReport(selection.Point, selection.Chain.Id, [.. selection.Members.Select(m => m.Id)], selection.Skipped, import, blobs, sites);
    }

    private static async Task<TenantStore> OpenTargetAsync(PlatformOptions target, CancellationToken ct)
    {
        var dataSource = TenantStore.CreateDataSource(target.Store.ConnectionString);
        try
        {
            return await TenantStore.OpenAsync(dataSource, target.Store, ownsDataSource: true, [MigrationSource.Store, LifeboatPlatform.Migrations], ct);
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

    private static async Task RequireCompatibleAsync(TenantStore store, BackupManifest last, CancellationToken ct)
    {
        var versions = await store.Backups.SchemaVersionsAsync(ct);
        foreach (var module in last.Schema.Where(m => m.Value > versions.GetValueOrDefault(m.Name)))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"backup {last.Id} was taken from a newer Lifeboat ({module.Name} schema {module.Value}; this one has {versions.GetValueOrDefault(module.Name)}); restore it with that version or newer.");
        }
    }
}
