namespace Lifeboat.Platform.Backups;

/// <summary>
/// Removes old backups, never the last way back: a chain goes only when every backup in it is older
/// than the retention period and a newer full backup of the same scope exists and verifies intact.
/// Backups are removed newest first, so an interrupted removal leaves a shorter chain, not a broken one.
/// </summary>
internal static class BackupRetention
{
    private static readonly TimeSpan StagingGrace = TimeSpan.FromDays(1);

    public static async Task<BackupRetentionReport> ApplyAsync(BackupCatalog catalog, TimeSpan retention, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var cutoff = now - retention;
        var removed = new List<BackupId>();
        var notes = new List<string>();
        long bytes = 0;
        foreach (var scope in catalog.Chains.GroupBy(c => (c.Scope, c.Site)))
        {
            var newestFull = scope.Where(c => c.Full is not null).MaxBy(c => c.StartedAt);
            if (newestFull is null)
            {
                continue;
            }

            var old = scope.Where(c => c != newestFull && c.StartedAt < newestFull.StartedAt && c.Members.Max(m => m.StartedAt) < cutoff).ToList();
            if (old.Count == 0)
            {
                continue;
            }

            var check = await BackupVerifier.VerifyAsync(catalog, newestFull, newestFull.Id, null, ct);
            if (!check.Intact)
            {
                notes.Add($"kept {old.Count} old chain(s) of {newestFull.Describe()}: the newest full backup {newestFull.Id} is damaged ({check.Problems[0]}).");
                continue;
            }

            foreach (var member in old.SelectMany(c => c.Members.Reverse()))
            {
                bytes += BackupFolders.Remove(catalog.FolderOf(member.Id));
                removed.Add(member.Id);
            }
        }

        foreach (var problem in catalog.Unreadable)
        {
            notes.Add($"left {problem.Path} alone: {problem.Problem}.");
        }

        if (Directory.Exists(catalog.Root))
        {
            foreach (var staging in Directory.EnumerateDirectories(catalog.Root, ".bak_*.partial"))
            {
                if (new DateTimeOffset(Directory.GetLastWriteTimeUtc(staging)) < now - StagingGrace)
                {
                    bytes += BackupFolders.Remove(staging);
                    notes.Add($"removed {staging}, left by a backup that did not finish.");
                }
            }
        }

        return new BackupRetentionReport(cutoff, removed, bytes, notes);
    }
}
