using System.Collections.Concurrent;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Copies a chain's blob files into a new environment's blob folder, several at a time, while the rows
/// load; and takes back exactly the files it placed (not those that were there already) when the
/// restore does not finish, or when no restored version refers to them.
/// </summary>
internal sealed class ChainBlobCopy(BackupCatalog catalog, TenantStore target)
{
    private readonly ConcurrentDictionary<string, string> _placed = new(StringComparer.Ordinal);

    /// <summary>Files this copy put in the folder, by SHA-256.</summary>
    public int Placed => _placed.Count;

    /// <summary>Copies every blob file of <paramref name="holders"/> (SHA-256 → the backup that holds it) that is not in the folder yet, checking each hash.</summary>
    public async Task CopyAsync(IReadOnlyDictionary<string, BackupId> holders, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var done = 0;
        progress?.Report(new BackupProgress("Copying blobs", 0, holders.Count));
        // Each file is written, flushed to disk and renamed: the disk's latency, not the CPU, bounds one at a time.
        await Parallel.ForEachAsync(holders, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount * 2), CancellationToken = ct },
            async (blob, token) =>
            {
                var (sha, holder) = blob;
                var path = target.Blobs.PathOf(sha);
                if (!File.Exists(path))
                {
                    await using var bytes = catalog.OpenContent(holder, BackupCreator.BlobFileName(sha));
                    var stored = await target.Blobs.StoreContentAsync(bytes, token);
                    if (stored.Sha256 != sha)
                    {
                        throw ChainImport.Altered(catalog, holder, sha);
                    }

                    _placed[sha] = path;
                }

                progress?.Report(new BackupProgress("Copying blobs", Interlocked.Increment(ref done), holders.Count));
            });
    }

    /// <summary>Removes the files this copy placed that no restored version refers to (a purged tenant's, for one); returns how many.</summary>
    public int RemoveUnreferenced(IReadOnlyCollection<string> referenced)
    {
        var keep = referenced as IReadOnlySet<string> ?? referenced.ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var sha in _placed.Keys.Where(s => !keep.Contains(s)).ToList())
        {
            Remove(sha);
            removed++;
        }

        return removed;
    }

    /// <summary>Removes every file this copy placed: the restore did not finish, and a rerun copies them again.</summary>
    public void RemoveAll()
    {
        foreach (var sha in _placed.Keys.ToList())
        {
            Remove(sha);
        }
    }

    private void Remove(string sha)
    {
        if (_placed.TryRemove(sha, out var path))
        {
            File.Delete(path);
        }
    }
}
