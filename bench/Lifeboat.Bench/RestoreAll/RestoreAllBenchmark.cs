using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Bench.VsPgBackRest;
using Lifeboat.Platform;
using Lifeboat.Platform.Backups;
using Lifeboat.Sample.Seeding;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Npgsql;

namespace Lifeboat.Bench.RestoreAll;

/// <summary>
/// The whole environment lost, and brought back from backups two ways, interleaved on the same data:
/// Lifeboat's environment backup and <c>restore-all</c> into an empty database with a new blob folder,
/// and pgBackRest's backup and restore of the whole cluster, started and promoted, with the blob folder
/// copied beside it. Each restored copy is checked table by table against the source.
/// </summary>
internal sealed class RestoreAllBenchmark : IBenchmark
{
    // One key for the run: the backups are sealed as the product seals them, so sealing is in the measured time.
    private static readonly Lifeboat.Platform.Backups.Sealing.BackupKeyring Keys = Lifeboat.Platform.Backups.Sealing.BackupKeyring.Generate();

    private const double Goal = 2;
    private const int Rounds = 2;

    public string Name => "restore-all";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var sites = scale.Pick(1_000, 30);
        var size = scale.Quick ? SeedSize.Small : SeedSize.Default;
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        var pgbackrest = await PgBackRest.CreateAsync(server.Home, server.Postgres, connection, ct);
        Log.Info($"Archiving WAL with pgBackRest into {pgbackrest.Repository}; restarting PostgreSQL");
        await server.ExecAsync("ALTER SYSTEM SET archive_mode = on", ct);
        await server.ExecAsync($"ALTER SYSTEM SET archive_command = '{pgbackrest.ArchiveCommand}'", ct);
        await server.RestartAsync(ct);
        await pgbackrest.StanzaCreateAsync(ct);

        var blobs = Path.Combine(server.Home, "blobs");
        var backups = Path.Combine(server.Home, "lifeboat-backups");
        await RemoveAsync(blobs, ct);
        await RemoveAsync(backups, ct);
        await using var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = server.Database.StoreOptions(blobs),
            Backups = new BackupOptions { Directory = backups, Keys = Keys },
        }, ct);
        Log.Info($"Seeding {sites:N0} sites of the sample ({size.Name} size)");
        await new SampleSeeder(platform).SeedAsync(new SeedOptions { Sites = sites, Size = size, Seed = 5 },
            new InlineProgress<SeedProgress>(p => Log.Step("seeding", p.SitesDone, p.SitesTotal, 100)), ct);
        await server.SettleAsync(ct);
        var databaseBytes = await server.ScalarAsync<long>("SELECT pg_database_size(current_database())", ct);
        var blobBytes = PgBackRest.DirectoryBytes(blobs);
        var auditUpTo = await server.ScalarAsync<long>("SELECT coalesce(max(audit_id), 0) FROM platform.audit_log", ct);
        var source = await TableCheck.ReadAsync(server.ConnectionString, auditUpTo, ct);
        Log.Info($"Source: database {Mib(databaseBytes)}, blob folder {Mib(blobBytes)}, {source.Count} tables");

        var lifeboatRuns = new List<LifeboatRun>();
        var pgbackrestRuns = new List<PgBackRestRun>();
        for (var round = 0; round < Rounds; round++)
        {
            // Interleaved, and each side first in turn, so neither always meets a warmer cache.
            if (round % 2 == 0)
            {
                lifeboatRuns.Add(await LifeboatAsync(server, platform, backups, blobs, source, auditUpTo, round, ct));
                pgbackrestRuns.Add(await PgBackRestAsync(server, pgbackrest, blobs, source, auditUpTo, round, ct));
            }
            else
            {
                pgbackrestRuns.Add(await PgBackRestAsync(server, pgbackrest, blobs, source, auditUpTo, round, ct));
                lifeboatRuns.Add(await LifeboatAsync(server, platform, backups, blobs, source, auditUpTo, round, ct));
            }
        }

        var lifeboat = Stats.Median([.. lifeboatRuns.Select(r => r.RestoreSeconds)]);
        var peer = Stats.Median([.. pgbackrestRuns.Select(r => r.TotalSeconds)]);
        var ratio = lifeboat / peer;
        var differences = lifeboatRuns.Sum(r => r.Differences.Count) + pgbackrestRuns.Sum(r => r.Differences.Count);
        Report.Table($"restore-all: the whole environment from backups ({sites:N0} {size.Name} sites, database {Mib(databaseBytes)}, blobs {Mib(blobBytes)})",
            ["side", "backup s", "restore s (runs)", "restore median s", "tables differing"],
            [
                ["Lifeboat restore-all", string.Join(" / ", lifeboatRuns.Select(r => Report.Num(r.BackupSeconds, "0.0"))),
                    string.Join(" / ", lifeboatRuns.Select(r => Report.Num(r.RestoreSeconds, "0.00"))), Report.Num(lifeboat, "0.00"), $"{lifeboatRuns.Sum(r => r.Differences.Count)}"],
                ["pgBackRest + blob copy", string.Join(" / ", pgbackrestRuns.Select(r => Report.Num(r.BackupSeconds, "0.0"))),
                    string.Join(" / ", pgbackrestRuns.Select(r => Report.Num(r.TotalSeconds, "0.00"))), Report.Num(peer, "0.00"), $"{pgbackrestRuns.Sum(r => r.Differences.Count)}"],
            ]);
        Log.Info($"Lifeboat / pgBackRest (with blobs): {ratio:0.00}x");
        return new BenchOutcome(
            new Goal($"Lifeboat's restore-all within {Goal:0}x of a pgBackRest restore of the cluster with its blob folder copied, every table equal to the source", ratio <= Goal && differences == 0),
            new Figures(sites, size.Name, databaseBytes, blobBytes, Stats.Round(lifeboat, 2), Stats.Round(peer, 2), Stats.Round(ratio, 2), lifeboatRuns, pgbackrestRuns));
    }

    /// <summary>
    /// Removes a folder an earlier run may have left, whoever owns it: this process first (it created the
    /// Lifeboat folders), then the database server's user (pgBackRest's). A folder left behind made a round
    /// find every blob file in place already and copy none (2026-11-27, round 1: 0 of 12,000 placed).
    /// </summary>
    private static async Task RemoveAsync(string path, CancellationToken ct)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (UnauthorizedAccessException)
        {
            await PgBackRest.AsServerUserAsync("rm", ["-rf", path], ct);
        }

        if (Directory.Exists(path))
        {
            throw new InvalidOperationException($"{path} is left from an earlier run and could not be removed; remove it and run again.");
        }
    }

    private static int BlobFiles(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal)) : 0;

    private static async Task<LifeboatRun> LifeboatAsync(BenchServer server, LifeboatPlatform platform, string backups, string sourceBlobs, IReadOnlyDictionary<string, string> source,
        long auditUpTo, int round, CancellationToken ct)
    {
        Log.Info($"== round {round + 1}: Lifeboat full backup of the environment");
        var clock = Stopwatch.GetTimestamp();
        await platform.Backups.FullAsync(cancellationToken: ct);
        var backupSeconds = Stopwatch.GetElapsedTime(clock).TotalSeconds;

        var target = await server.CreateDatabaseAsync($"restored_{round}", ct);
        var blobs = Path.Combine(server.Home, $"restored-blobs-{round}");
        await RemoveAsync(blobs, ct);
        var stretches = new Stretches();
        clock = Stopwatch.GetTimestamp();
        var report = await new BackupDirectory(backups, Keys).RestoreEnvironmentAsync(new PlatformOptions
        {
            Store = new StoreOptions { ConnectionString = target.Owner, OwnerConnectionString = target.Owner, BlobDirectory = blobs, Actor = "bench" },
        }, progress: stretches, cancellationToken: ct);
        var restoreSeconds = Stopwatch.GetElapsedTime(clock).TotalSeconds;
        stretches.End();
        var differences = TableCheck.Differences(source, await TableCheck.ReadAsync(target.Admin, auditUpTo, ct));
        Log.Info($"  Lifeboat: backup {backupSeconds:0.0} s; restore-all {restoreSeconds:0.00} s ({report.Import.Versions:N0} versions, {report.BlobsCopied:N0} blob files); {differences.Count} table(s) differ");
        foreach (var (step, seconds) in stretches.Seconds)
        {
            Log.Info($"    {step}: {seconds:0.00} s");
        }

        differences.ForEach(d => Log.Info($"    differs: {d}"));
        // The table check does not see files: every blob file of the source must be in the new folder, placed by this restore.
        var expected = BlobFiles(sourceBlobs);
        if (report.BlobsCopied != expected || BlobFiles(blobs) != expected)
        {
            throw new InvalidOperationException(
                $"restore-all placed {report.BlobsCopied:N0} blob files and its folder holds {BlobFiles(blobs):N0}, but the source has {expected:N0}: the run would not measure a whole restore.");
        }

        await RemoveAsync(blobs, ct);
        return new LifeboatRun(Stats.Round(backupSeconds, 2), Stats.Round(restoreSeconds, 2), report.Import.Versions, report.BlobsCopied, stretches.Seconds, differences);
    }

    private static async Task<PgBackRestRun> PgBackRestAsync(BenchServer server, PgBackRest pgbackrest, string blobs, IReadOnlyDictionary<string, string> source, long auditUpTo,
        int round, CancellationToken ct)
    {
        Log.Info($"== round {round + 1}: pgBackRest full backup of the cluster");
        var clock = Stopwatch.GetTimestamp();
        await pgbackrest.BackupAsync("full", ct);
        var backupSeconds = Stopwatch.GetElapsedTime(clock).TotalSeconds;

        var side = Path.Combine(pgbackrest.Directory, "side");
        var sideBlobs = Path.Combine(pgbackrest.Directory, "side-blobs");
        await RemoveAsync(side, ct);
        await RemoveAsync(sideBlobs, ct);
        var total = Stopwatch.GetTimestamp();
        await pgbackrest.RestoreLatestAsync(side, ct);
        var restoreSeconds = Stopwatch.GetElapsedTime(total).TotalSeconds;
        var step = Stopwatch.GetTimestamp();
        await using var instance = await SideInstance.StartAsync(side, new NpgsqlConnectionStringBuilder(server.ConnectionString), ct);
        var startSeconds = Stopwatch.GetElapsedTime(step).TotalSeconds;
        step = Stopwatch.GetTimestamp();
        var copied = await ProcessRunner.RunAsync("cp", ["-a", blobs, sideBlobs], ct);
        if (copied.ExitCode != 0)
        {
            throw new InvalidOperationException($"copying the blob folder failed: {copied.Combined}");
        }

        var blobSeconds = Stopwatch.GetElapsedTime(step).TotalSeconds;
        var totalSeconds = Stopwatch.GetElapsedTime(total).TotalSeconds;
        var differences = TableCheck.Differences(source, await TableCheck.ReadAsync(instance.ConnectionString, auditUpTo, ct));
        Log.Info($"  pgBackRest: backup {backupSeconds:0.0} s; restore {restoreSeconds:0.00} s, start and recovery {startSeconds:0.00} s, blob folder {blobSeconds:0.00} s: {totalSeconds:0.00} s; {differences.Count} table(s) differ");
        differences.ForEach(d => Log.Info($"    differs: {d}"));
        if (BlobFiles(sideBlobs) != BlobFiles(blobs))
        {
            throw new InvalidOperationException($"the copied blob folder holds {BlobFiles(sideBlobs):N0} files, the source {BlobFiles(blobs):N0}: the run would not measure a whole restore.");
        }

        await RemoveAsync(sideBlobs, ct);
        return new PgBackRestRun(Stats.Round(backupSeconds, 2), Stats.Round(restoreSeconds, 2), Stats.Round(startSeconds, 2), Stats.Round(blobSeconds, 2), Stats.Round(totalSeconds, 2), differences);
    }

    private static string Mib(long bytes) => Report.Num(bytes / (double)(1L << 20), "0.0") + " MiB";

    /// <summary>How long each stretch the restore reports lasted: from its first report to the next stretch's (stretches that overlap each count their own).</summary>
    private sealed class Stretches : IProgress<BackupProgress>
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, (long First, long Last)> _seen = new(StringComparer.Ordinal);

        public Dictionary<string, double> Seconds { get; } = new(StringComparer.Ordinal);

        public void Report(BackupProgress value)
        {
            var now = Stopwatch.GetTimestamp();
            // Tables are one stretch, whichever table is loading.
            var step = value.Step.StartsWith("Importing tables", StringComparison.Ordinal) ? "Importing tables" : value.Step;
            lock (_gate)
            {
                _seen[step] = _seen.TryGetValue(step, out var s) ? (s.First, now) : (now, now);
            }
        }

        public void End()
        {
            // A stretch lasts from its first report until the first report of the stretch that began after it (or its own last one, for the blob copy that runs beside the rest).
            var ordered = _seen.OrderBy(s => s.Value.First).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                var (step, (first, last)) = (ordered[i].Key, ordered[i].Value);
                var end = step == "Copying blobs" || i + 1 == ordered.Count ? last : Math.Max(last, ordered[i + 1].Value.First);
                Seconds[step] = Stats.Round(Stopwatch.GetElapsedTime(first, end).TotalSeconds, 2);
            }
        }
    }

    private sealed record LifeboatRun(double BackupSeconds, double RestoreSeconds, long Versions, int BlobFiles, IReadOnlyDictionary<string, double> Stretches, IReadOnlyList<string> Differences);

    private sealed record PgBackRestRun(double BackupSeconds, double RestoreSeconds, double StartSeconds, double BlobCopySeconds, double TotalSeconds, IReadOnlyList<string> Differences);

    private sealed record Figures(int Sites, string SiteSize, long DatabaseBytes, long BlobBytes, double LifeboatSeconds, double PgbackrestSeconds, double Ratio,
        IReadOnlyList<LifeboatRun> Lifeboat, IReadOnlyList<PgBackRestRun> Pgbackrest);
}
