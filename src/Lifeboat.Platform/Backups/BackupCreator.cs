using System.Security.Cryptography;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage.Backups;
using Npgsql;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Takes one backup: the store's export of the scope's versions in (previous backup's position, now],
/// its lifecycle rows, the platform's tables (environment backups) or the site's directory entries,
/// and every blob file the versions refer to that the chain does not hold yet.
/// </summary>
internal sealed class BackupCreator(PlatformContext context, AuditLog audit)
{
    private const long ScopeLockSpace = 7400;

    public async Task<BackupManifest> CreateAsync(BackupKind kind, SiteId? site, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var root = context.Options.Backups.RequireDirectory();
        if (site is { } s)
        {
            await context.RequireSiteAsync(s, ct);
        }

        var scope = site is null ? BackupScope.Environment : BackupScope.Site;
        var what = site is null ? "the environment" : $"site {site}";
        await using var scopeLock = await LockScopeAsync(what, ct);
        var keys = context.Options.Backups.RequireKeys();
        var catalog = await BackupCatalog.ReadAsync(root, keys, ct);
        var (chain, previous) = kind == BackupKind.Incremental ? Previous(catalog, scope, site, what) : (null, null);

        var schema = await context.Store.Backups.SchemaVersionsAsync(ct);
        var tables = PlatformTables.Of(context.Options);
        RequireEveryModule(schema.Keys);

        var id = TypedId.New<BackupId>(context.Time);
        var startedAt = context.Time.GetUtcNow();
        progress?.Report(new BackupProgress("Waiting for earlier transactions", 0, null));
        await using var writer = BackupWriter.Create(root, id, keys);
        var tenant = site?.Tenant;
        var previousBounds = previous?.Bounds.ToDictionary(b => b.Name, b => b.Value, StringComparer.Ordinal);
        long rows;
        VersionExport versions;
        BackupManifest manifest;
        await using (var export = await context.Store.Backups.BeginExportAsync(new ExportRequest
        {
            AfterPosition = previous?.UpToPosition ?? 0,
            Tables = site is null ? tables : [],
            SettleTimeout = context.Options.Backups.SettleTimeout,
        }, ct))
        {
            rows = await writer.WriteCompressedAsync("store.ndjson.gz", z => export.WriteStoreAsync(z, tenant, previousBounds, ct), ct);
            rows += await writer.WriteCompressedAsync("platform.ndjson.gz", z => export.WriteTablesAsync(z, tables, previousBounds, tenant, ct), ct);
            versions = await writer.WriteCompressedAsync("versions.ndjson.gz", z => export.WriteVersionsAsync(z, tenant,
                progress is null ? null : new Reporter<long>(n => progress.Report(new BackupProgress("Exporting versions", n, null))), ct), ct);
            manifest = new BackupManifest
            {
                Id = id,
                Kind = kind,
                Scope = scope,
                Site = site,
                Chain = chain?.Id ?? id,
                Previous = previous?.Id,
                PreviousSha256 = previous?.Sha256,
                AfterPosition = export.AfterPosition,
                UpToPosition = export.UpToPosition,
                StartedAt = startedAt,
                CoveredUntil = export.CoveredUntil,
                // History older than the store's window may have been compacted before the full backup read it.
                ExactFrom = previous?.ExactFrom ?? startedAt - context.Store.Options.RetentionWindow,
                CreatedBy = context.Actor,
                Schema = [.. schema.Select(m => new BackupMark(m.Key, m.Value))],
                Bounds = site is null ? [.. export.Bounds.Select(b => new BackupMark(b.Key, b.Value))] : [],
                Sequences = site is null ? [.. export.Sequences.Select(b => new BackupMark(b.Key, b.Value))] : [],
                Tenants = versions.Tenants,
                Versions = versions.Versions,
            };
        }

        var inChain = chain?.Members.SelectMany(m => m.Files).Select(f => f.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var blobs = versions.BlobSha256s.Select(sha => (Sha: sha, Name: BlobFileName(sha))).Where(b => !inChain.Contains(b.Name)).OrderBy(b => b.Sha, StringComparer.Ordinal).ToList();
        for (var i = 0; i < blobs.Count; i++)
        {
            await writer.WriteCompressedAsync(blobs[i].Name, z => CopyBlobAsync(blobs[i].Sha, z, what, ct), ct);
            progress?.Report(new BackupProgress("Copying blobs", i + 1, blobs.Count));
        }

        var written = await writer.FinishAsync(manifest with { Rows = rows, CreatedAt = context.Time.GetUtcNow() }, ct);
        await audit.WriteAsync(id.Value, kind == BackupKind.Full ? "backup.full" : "backup.incremental", written.Sha256, site is { } x ? [x.Value] : [],
            new { chain = written.Chain, written.AfterPosition, written.UpToPosition, written.Versions, files = written.Files.Count, bytes = written.Bytes }, ct);
        return written;
    }

    internal static string BlobFileName(string sha256) => $"blobs/{sha256}.gz";

    /// <summary>The chain an incremental backup extends, refusing one that would not restore exactly.</summary>
    private (BackupChain, BackupManifest) Previous(BackupCatalog catalog, BackupScope scope, SiteId? site, string what)
    {
        var chain = catalog.ChainsOf(scope, site).FirstOrDefault()
            ?? throw new PlatformException(PlatformErrorKind.Invalid, $"there is no full backup of {what} to follow; take one first (lifeboat backup full{(site is null ? "" : $" --site {site}")}).");
        var previous = chain.Tip;
        if (chain.ProblemsThrough(previous.Id).FirstOrDefault() is { } broken)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"the newest backup chain of {what} ({chain.Id}) is broken ({broken}); an incremental backup would extend a chain that cannot be restored. Take a full backup.");
        }

        var windowStart = context.Time.GetUtcNow() - context.Store.Options.RetentionWindow;
        if (previous.StartedAt < windowStart)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the newest backup of {what} ({previous.Id}, {previous.StartedAt:yyyy-MM-dd'T'HH:mm:ss'Z'}) is older than the store's retention window, so versions written since may already be compacted away. Take a full backup.");
        }

        return (chain, previous);
    }

    /// <summary>Copies a live blob file into the backup, checking on the way that its bytes still match their hash.</summary>
    /// <summary>
    /// A database can hold a module's schema (incidents) that this host was not set up with: its backup
    /// would silently leave those tables out, and a restore from it would lose them.
    /// </summary>
    private void RequireEveryModule(IEnumerable<string> modulesInDatabase)
    {
        var known = context.Options.MigrationSources.Select(m => m.Module).ToHashSet(StringComparer.Ordinal);
        if (modulesInDatabase.FirstOrDefault(m => !known.Contains(m)) is { } missing)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"this database holds the '{missing}' module's tables, but this Lifeboat was opened without that module (PlatformOptions.Modules), so the backup would leave them out. " +
                "Take the backup with the lifeboat CLI or server, which run every module. No backup was written.");
        }
    }

    private async Task<long> CopyBlobAsync(string sha, Stream destination, string what, CancellationToken ct)
    {
        await using var source = context.Store.Backups.OpenBlob(sha)
            ?? throw new PlatformException(PlatformErrorKind.Conflict,
                $"the blob file {sha} that {what} refers to is missing from the blob directory, so the backup would be incomplete; nothing was written. Run `lifeboat store verify` and put the file back.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long bytes = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            bytes += read;
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        return actual == sha
            ? bytes
            : throw new PlatformException(PlatformErrorKind.Conflict,
                $"the blob file {sha} of {what} was altered on disk (its bytes hash to {actual}); nothing was written. Run `lifeboat store verify`.");
    }

    /// <summary>One backup of a scope at a time, so two incrementals never extend the same backup.</summary>
    private async Task<ScopeLock> LockScopeAsync(string what, CancellationToken ct)
    {
        var connection = await context.Store.DataSource.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, $2))", connection);
            cmd.Parameters.Add(new() { Value = $"backup:{what}" });
            cmd.Parameters.Add(new() { Value = ScopeLockSpace });
            if (!(bool)(await cmd.ExecuteScalarAsync(ct))!)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"another backup of {what} is running; wait for it to finish.");
            }

            return new ScopeLock(connection, what);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Releases the lock explicitly: a pooled connection keeps its session (and its locks) when closed.</summary>
    private sealed class ScopeLock(NpgsqlConnection connection, string what) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, $2))", connection);
                cmd.Parameters.Add(new() { Value = $"backup:{what}" });
                cmd.Parameters.Add(new() { Value = ScopeLockSpace });
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
