using System.IO.Compression;
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
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            await using (var store = Open(catalog, member, "store.ndjson.gz"))
            {
                await import.StageRowsAsync(store, i, ct);
            }

            await using (var platform = Open(catalog, member, "platform.ndjson.gz"))
            {
                await import.StageRowsAsync(platform, i, ct);
            }

            await using (var versions = Open(catalog, member, "versions.ndjson.gz"))
            {
                await import.StageVersionsAsync(versions, ct);
            }

            progress?.Report(new BackupProgress("Reading backups", i + 1, members.Count));
        }

        var needed = await import.PrepareAsync(ct);
        // Each blob file is in the chain once, in the first backup whose versions needed it.
        var inChain = members.SelectMany(m => m.Files.Where(f => f.Name.StartsWith("blobs/", StringComparison.Ordinal)).Select(f => (m.Id, f.Name)))
            .ToDictionary(f => f.Name, f => f.Id, StringComparer.Ordinal);
        for (var i = 0; i < needed.Count; i++)
        {
            var sha = needed[i];
            if (!inChain.TryGetValue(BackupCreator.BlobFileName(sha), out var holder))
            {
                throw new BackupIntegrityException($"blob {sha}, which the restored versions refer to, is in no backup of chain {members[0].Chain}; nothing was restored.",
                    [new BackupFileProblem(members[^1].Id, catalog.PathOf(members[^1].Id, BackupCreator.BlobFileName(sha)), "missing")]);
            }

            await using var bytes = Open(catalog, holder, BackupCreator.BlobFileName(sha));
            var stored = await target.Blobs.StoreContentAsync(bytes, ct);
            if (stored.Sha256 != sha)
            {
                var path = catalog.PathOf(holder, BackupCreator.BlobFileName(sha));
                throw new BackupIntegrityException($"{path} does not hold the bytes of blob {sha}; nothing was restored.", [new BackupFileProblem(holder, path, "altered")]);
            }

            progress?.Report(new BackupProgress("Copying blobs", i + 1, needed.Count));
        }

        return (await import.CommitAsync(ct), needed.Count);
    }

    private static GZipStream Open(BackupCatalog catalog, BackupManifest member, string file) => Open(catalog, member.Id, file);

    private static GZipStream Open(BackupCatalog catalog, BackupId backup, string file) => new(catalog.OpenFile(backup, file), CompressionMode.Decompress);
}
