using Lifeboat.Platform.Backups.Sealing;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// The backups in one folder, usable without the live database (which may be gone): list, verify,
/// measure the RPO, apply retention, and rebuild an empty environment. The folder is the catalog:
/// each backup is a sub-folder named by its ID, described by its manifest.
/// </summary>
public sealed class BackupDirectory
{
    private readonly TimeProvider _time;

    public BackupDirectory(string path, BackupKeyring keys, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(keys);
        Path = System.IO.Path.GetFullPath(path);
        Keys = keys;
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    /// <summary>The keys manifests are checked with and files opened with.</summary>
    public BackupKeyring Keys { get; }

    public async Task<BackupListing> ListAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await BackupCatalog.ReadAsync(Path, Keys, cancellationToken);
        return new BackupListing(catalog.Backups, catalog.Chains, catalog.Unreadable);
    }

    /// <summary>
    /// Re-hashes every file of <paramref name="backup"/> and of the backups before it in its chain, and
    /// checks the links between their manifests and each manifest's signature with the keys (a manifest
    /// signed with a key not on the ring, or re-sealed without it, is reported); without a backup, every
    /// chain and every folder.
    /// </summary>
    public async Task<BackupVerification> VerifyAsync(BackupId? backup = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var catalog = await BackupCatalog.ReadAsync(Path, Keys, cancellationToken);
        if (backup is { } id)
        {
            if (catalog.Find(id) is null)
            {
                throw catalog.Unreadable.FirstOrDefault(u => u.Backup == id) is { } unreadable
                    ? new BackupIntegrityException($"backup {id} cannot be read: {unreadable}.", [unreadable])
                    : new PlatformException(PlatformErrorKind.NotFound, $"backup {id} does not exist in {Path}.");
            }

            return await BackupVerifier.VerifyAsync(catalog, catalog.ChainOf(id), id, Report(progress, id), cancellationToken);
        }

        var ids = new List<BackupId>();
        var problems = new List<BackupFileProblem>(catalog.Unreadable);
        var files = 0;
        long bytes = 0;
        foreach (var chain in catalog.Chains)
        {
            var result = await BackupVerifier.VerifyAsync(catalog, chain, chain.Tip.Id, Report(progress, chain.Id), cancellationToken);
            ids.AddRange(result.Backups);
            problems.AddRange(result.Problems);
            files += result.Files;
            bytes += result.Bytes;
        }

        return new BackupVerification(ids, files, bytes, [.. problems.DistinctBy(p => p.Path)]);
    }

    public async Task<BackupRpoReport> RpoAsync(CancellationToken cancellationToken = default) =>
        BackupRpo.Measure(await BackupCatalog.ReadAsync(Path, Keys, cancellationToken), _time);

    public async Task<BackupRetentionReport> ApplyRetentionAsync(TimeSpan retention, CancellationToken cancellationToken = default) =>
        await BackupRetention.ApplyAsync(await BackupCatalog.ReadAsync(Path, Keys, cancellationToken), retention, _time, cancellationToken);

    /// <summary>
    /// Fills an empty environment (a new database, and the blob folder of <paramref name="target"/>: a
    /// folder of its own, since two environments sharing one would collect each other's files) from the
    /// newest environment backup chain, as it was at its last backup. A damaged chain is refused naming
    /// its files, unless <paramref name="allowOlderChain"/>; a database that is not empty is refused
    /// before anything is created.
    /// </summary>
    public async Task<EnvironmentRestoreReport> RestoreEnvironmentAsync(PlatformOptions target, bool allowOlderChain = false, IProgress<BackupProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        await EnvironmentRestorer.RestoreAsync(await BackupCatalog.ReadAsync(Path, Keys, cancellationToken), target, allowOlderChain, _time, progress, cancellationToken);

    private static IProgress<(int Done, int Total)>? Report(IProgress<BackupProgress>? progress, BackupId chain) =>
        progress is null ? null : new Reporter<(int Done, int Total)>(p => progress.Report(new BackupProgress($"Verifying {chain}", p.Done, p.Total)));
}
