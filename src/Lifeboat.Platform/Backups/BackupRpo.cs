namespace Lifeboat.Platform.Backups;

/// <summary>Measures the recovery point objective the backups actually taken achieve.</summary>
internal static class BackupRpo
{
    public static BackupRpoReport Measure(BackupCatalog catalog, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var environment = catalog.Backups.Where(b => b.Scope == BackupScope.Environment).ToList();
        var lines = new List<RpoLine>();
        if (environment.Count > 0)
        {
            lines.Add(Line("environment", environment, now));
        }

        // Every environment backup covers every site too.
        foreach (var site in catalog.Backups.Where(b => b.Site is not null).GroupBy(b => b.Site!.Value).OrderBy(g => g.Key.Value, StringComparer.Ordinal))
        {
            lines.Add(Line(site.Key.Value, [.. site, .. environment], now));
        }

        return new BackupRpoReport(now, lines);
    }

    private static RpoLine Line(string scope, IEnumerable<BackupManifest> backups, DateTimeOffset now)
    {
        var times = backups.Select(b => b.StartedAt).Order().ToList();
        TimeSpan? worst = null;
        DateTimeOffset? endedAt = null;
        for (var i = 1; i < times.Count; i++)
        {
            var gap = times[i] - times[i - 1];
            if (worst is null || gap > worst)
            {
                (worst, endedAt) = (gap, times[i]);
            }
        }

        return new RpoLine(scope, times.Count, times[0], times[^1], worst, endedAt, now - times[^1]);
    }
}
