using Lifeboat.Storage;
using Lifeboat.Storage.Backups;

namespace Lifeboat.Platform.Backups;

/// <summary>Feeds a verified chain prefix into a store's import, and puts the blob files it needs in place first.</summary>
internal static class ChainImport
{
    public static async Task<(ImportResult Result, int Blobs)> RunAsync(TenantStore target, BackupCatalog catalog, IReadOnlyList<BackupManifest> members, ImportScope scope,
        IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        await using var import = await target.Backups.BeginImportAsync(scope, ct);
        await StageAsync(import, catalog, members, progress, ct);
        var steps = Steps(progress);
        var needed = await import.PrepareAsync(steps, ct);
        var inChain = BlobHolders(members);
        for (var i = 0; i < needed.Count; i++)
        {
            var sha = needed[i];
            var holder = inChain.TryGetValue(sha, out var h) ? h : throw NotInChain(catalog, members, sha);
            await using var bytes = catalog.OpenContent(holder, BackupCreator.BlobFileName(sha));
            var stored = await target.Blobs.StoreContentAsync(bytes, ct);
            if (stored.Sha256 != sha)
            {
                throw Altered(catalog, holder, sha);
            }

            progress?.Report(new BackupProgress("Copying blobs", i + 1, needed.Count));
        }

        return (await import.CommitAsync(steps, ct), needed.Count);
    }

    /// <summary>Stages every file of the members, oldest first: the store's and the platform's rows, then the versions.</summary>
    public static async Task StageAsync(ImportSession import, BackupCatalog catalog, IReadOnlyList<BackupManifest> members, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var totalVersions = members.Sum(m => m.Versions);
        long before = 0;
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            progress?.Report(new BackupProgress("Reading store and platform rows", i, members.Count));
            await using (var store = catalog.OpenContent(member.Id, "store.ndjson.gz"))
            {
                await import.StageRowsAsync(store, i, ct);
            }

            await using (var platform = catalog.OpenContent(member.Id, "platform.ndjson.gz"))
            {
                await import.StageRowsAsync(platform, i, ct);
            }

            // Versions are most of a backup: their stretch reports every 10,000 lines read.
            var offset = before;
            await using (var versions = catalog.OpenContent(member.Id, "versions.ndjson.gz"))
            {
                await import.StageVersionsAsync(versions,
                    progress is null ? null : new Reporter<long>(n => progress.Report(new BackupProgress("Reading and staging versions", offset + n, Math.Max(totalVersions, offset + n)))), ct);
            }

            before += member.Versions;
        }

        progress?.Report(new BackupProgress("Reading and staging versions", totalVersions, Math.Max(1, totalVersions)));
    }

    /// <summary>Each blob file is in the chain once, in the first backup whose versions needed it: which backup holds each.</summary>
    public static Dictionary<string, BackupId> BlobHolders(IReadOnlyList<BackupManifest> members) =>
        members.SelectMany(m => m.Files.Where(f => f.Name.StartsWith("blobs/", StringComparison.Ordinal)).Select(f => (m.Id, Sha: f.Name["blobs/".Length..^".gz".Length])))
            .ToDictionary(f => f.Sha, f => f.Id, StringComparer.Ordinal);

    public static IProgress<ImportProgress>? Steps(IProgress<BackupProgress>? progress) =>
        progress is null ? null : new Reporter<ImportProgress>(p => progress.Report(new BackupProgress(p.Step, p.Done, p.Total)));

    public static BackupIntegrityException NotInChain(BackupCatalog catalog, IReadOnlyList<BackupManifest> members, string sha) =>
        new($"blob {sha}, which the restored versions refer to, is in no backup of chain {members[0].Chain}; nothing was restored.",
            [new BackupFileProblem(members[^1].Id, catalog.PathOf(members[^1].Id, BackupCreator.BlobFileName(sha)), "missing")]);

    public static BackupIntegrityException Altered(BackupCatalog catalog, BackupId holder, string sha)
    {
        var path = catalog.PathOf(holder, BackupCreator.BlobFileName(sha));
        return new($"{path} does not hold the bytes of blob {sha}; nothing was restored.", [new BackupFileProblem(holder, path, "altered")]);
    }
}
