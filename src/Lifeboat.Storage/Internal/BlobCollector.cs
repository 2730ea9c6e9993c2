namespace Lifeboat.Storage.Internal;

/// <summary>
/// Collects blob files no version refers to, in two phases, so that no writer or reader in flight loses
/// its bytes. A file in place whose grace period is over, which no version and no import's pin refers to,
/// is set aside (moved to quarantine); a file set aside for a whole grace period is checked again, and
/// removed only when still nothing refers to it, or put back when something now does. Meanwhile a writer
/// of the same bytes, or a reader of a record that refers to them, brings the file back at once.
/// </summary>
/// <remarks>
/// A writer that finds its bytes stored already starts their grace period again, but the check for
/// "unreferenced" and the move cannot be one atomic step with it: a file can be set aside just after a
/// writer renewed it. That writer's record then refers to a file in quarantine, which readers bring back,
/// and which the second phase, a grace period later, finds referred to and puts back.
/// </remarks>
internal sealed class BlobCollector(StoreContext context)
{
    private const int Chunk = 1000;

    public async Task<BlobCollection> CollectAsync(CancellationToken ct)
    {
        var files = context.BlobFiles;
        var olderThan = context.Time.GetUtcNow() - context.Options.BlobGracePeriod;

        // Second phase first, so that a file set aside by this run stays aside for a whole grace period.
        int removed = 0, broughtBack = 0;
        long bytes = 0;
        foreach (var chunk in files.QuarantinedBefore(olderThan).Chunk(Chunk))
        {
            var unreferenced = await UnreferencedAsync(chunk, ct);
            var pinned = files.Pinned();
            foreach (var sha in chunk)
            {
                if (unreferenced.Contains(sha) && !pinned.Contains(sha))
                {
                    if (files.Remove(sha) is { } length)
                    {
                        removed++;
                        bytes += length;
                    }
                }
                else if (files.BringBack(sha))
                {
                    broughtBack++;
                }
            }
        }

        var quarantined = 0;
        foreach (var chunk in files.InPlaceBefore(olderThan).Chunk(Chunk))
        {
            var unreferenced = await UnreferencedAsync(chunk, ct);
            // Read after the database: an import that pinned its files before this read is seen.
            var pinned = files.Pinned();
            foreach (var sha in chunk.Where(s => unreferenced.Contains(s) && !pinned.Contains(s)))
            {
                if (files.Quarantine(sha, olderThan))
                {
                    quarantined++;
                }
            }
        }

        return new BlobCollection(quarantined, removed, bytes, broughtBack);
    }

    /// <summary>The hashes no version of any tenant refers to (blob files are shared by content across tenants).</summary>
    private async Task<HashSet<string>> UnreferencedAsync(string[] sha256s, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT s FROM unnest($1::bytea[]) s
            WHERE NOT EXISTS (SELECT 1 FROM lifeboat.records r WHERE r.blob_sha256 = s)
              AND NOT EXISTS (SELECT 1 FROM lifeboat.record_history h WHERE h.blob_sha256 = s)
            """);
        cmd.Parameters.Add(new() { Value = sha256s.Select(Convert.FromHexString).ToArray() });
        var unreferenced = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            unreferenced.Add(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0)));
        }

        return unreferenced;
    }
}

/// <summary>What one collection did: files set aside, removed after their time aside, and put back because something referred to them again.</summary>
internal sealed record BlobCollection(int Quarantined, int Removed, long BytesRemoved, int BroughtBack);
