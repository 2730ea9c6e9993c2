using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Lifeboat.Sample.Seeding;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Bench.VsPgBackRest;

/// <summary>
/// One site of 1,000 damaged and brought back to the instant before the damage, two ways, in the same
/// run on the same data: by a Lifeboat restore job (every store of the site, validated), and the way a
/// team with only whole-cluster backups does it — pgBackRest restores the cluster to that instant into
/// a side instance, which replays the archived WAL and is promoted; the site's rows are copied out of
/// it and written back into the live database. Then the database grows (other tenants' data) and both
/// are measured again, to show how each grows with the size of the whole database.
/// </summary>
internal sealed class VsPgBackRestBenchmark : IBenchmark
{
    private const double Goal = 100;
    private const int LifeboatRepeats = 3;

    public string Name => "vs-pgbackrest";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var sites = scale.Pick(1_000, 30);
        var size = scale.Quick ? SeedSize.Small : SeedSize.Default;
        // Database sizes to measure at: as seeded, then grown with other tenants' records.
        long[] targets = scale.Quick ? [0, 150L << 20, 400L << 20] : [0, 2L << 30, 6L << 30];

        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        var pgbackrest = await PgBackRest.CreateAsync(server.Home, server.Postgres, connection, ct);
        Log.Info($"Archiving WAL with pgBackRest into {pgbackrest.Repository}; restarting PostgreSQL");
        await server.ExecAsync("ALTER SYSTEM SET archive_mode = on", ct);
        await server.ExecAsync($"ALTER SYSTEM SET archive_command = '{pgbackrest.ArchiveCommand}'", ct);
        await server.RestartAsync(ct);
        await pgbackrest.StanzaCreateAsync(ct);

        await using var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = server.Database.StoreOptions(Path.Combine(server.Home, "blobs")),
        }, ct);
        Log.Info($"Seeding {sites:N0} sites of the sample ({size.Name} size)");
        var seeded = await new SampleSeeder(platform).SeedAsync(new SeedOptions { Sites = sites, Size = size, Seed = 5 },
            new InlineProgress<SeedProgress>(p => Log.Step("seeding", p.SitesDone, p.SitesTotal, 100)), ct);
        var subject = seeded.Sites[sites / 2];
        Log.Info($"The site under test: {subject} ({await SiteRecordsAsync(platform, subject, ct):N0} records)");

        var ballast = new Ballast(platform.Store);
        var rounds = new List<RoundFigures>();
        for (var i = 0; i < targets.Length; i++)
        {
            await ballast.GrowToAsync(server, targets[i], ct);
            rounds.Add(await MeasureAsync(server, platform, pgbackrest, subject, full: i == 0, ct));
        }

        Report.Table("vs-pgbackrest: one site restored to the instant before the damage (Lifeboat: median of 3)",
            ["database", "cluster", "WAL replayed", "Lifeboat s", "pgBackRest s", "restore", "recovery", "write-back", "speedup"],
            rounds.Select(r => (IReadOnlyList<string>)[
                Gib(r.DatabaseBytes), Gib(r.ClusterBytes), Mib(r.WalSinceBackupBytes), Report.Num(r.LifeboatSeconds, "0.000"), Report.Num(r.PgbackrestSeconds, "0.0"),
                Report.Num(r.Pgbackrest.RestoreSeconds, "0.0"), Report.Num(r.Pgbackrest.RecoverySeconds, "0.0"), Report.Num(r.Pgbackrest.WriteBackSeconds, "0.00"),
                Report.Num(r.Speedup, "0") + "x"]));

        var first = rounds[0];
        var met = rounds.All(r => r.Speedup >= Goal);
        return new BenchOutcome(
            new Goal($"one site restored at least {Goal:0}x faster by Lifeboat than by a pgBackRest point-in-time restore, extraction and write-back, at every database size", met),
            new Figures(first.LifeboatSeconds, first.PgbackrestSeconds, first.Speedup, first.DatabaseBytes, sites, size.Name, subject.Value, first.SiteRecords, rounds));
    }

    private static async Task<RoundFigures> MeasureAsync(BenchServer server, LifeboatPlatform platform, PgBackRest pgbackrest, SiteId site, bool full, CancellationToken ct)
    {
        var databaseBytes = await server.ScalarAsync<long>("SELECT pg_database_size(current_database())", ct);
        Log.Info($"== database {Gib(databaseBytes)}: pgBackRest {(full ? "full" : "incremental")} backup");
        var backupClock = Stopwatch.GetTimestamp();
        await Log.WhileRunning("backup", Task.Run(async () => { await pgbackrest.BackupAsync(full ? "full" : "incr", ct); return 0; }, ct));
        var backupSeconds = Stopwatch.GetElapsedTime(backupClock).TotalSeconds;
        var afterBackup = await server.WalPositionAsync(ct);

        // Ordinary work between the backup and the incident: the WAL a point-in-time restore must replay.
        // pgBackRest picks the backup by its stop time, kept to the second: the incident comes a little later.
        await Activity.WriteAsync(platform.Store, 5_000, ct);
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        var atPoint = await platform.Store.Records.DigestAsync(site.Tenant, cancellationToken: ct);
        var point = new DateTimeOffset(await server.ScalarAsync<DateTime>("SELECT clock_timestamp()", ct), TimeSpan.Zero);
        var walSinceBackup = await server.WalPositionAsync(ct) - afterBackup;
        await Task.Delay(10, ct);

        var lifeboat = new List<double>();
        for (var r = 0; r < LifeboatRepeats; r++)
        {
            var damaged = await Damage.ApplyAsync(platform, site, ct);
            var clock = Stopwatch.GetTimestamp();
            var job = await platform.Restores.StartAsync(new RestoreJobRequest("bench: one site back to the instant before the damage")
            {
                Sites = [site],
                Point = RecoveryPoint.AtTime(point),
            }, ct);
            await using (var worker = platform.Restores.CreateWorker("bench", 8))
            {
                await worker.RunAsync(untilIdle: true, ct);
            }

            lifeboat.Add(Stopwatch.GetElapsedTime(clock).TotalSeconds);
            var outcome = (await platform.Restores.SitesAsync(job.Id, ct)).Single();
            if (outcome.State != SiteRestoreState.Restored)
            {
                throw new InvalidOperationException($"the restore job did not restore {site}: {outcome.State} {outcome.Error}");
            }

            await VerifyAsync(platform, site, atPoint, "Lifeboat", ct);
            Log.Info($"  Lifeboat: {damaged} records damaged and the site deleted; restored and validated in {lifeboat[^1]:0.000} s");
        }

        await Damage.ApplyAsync(platform, site, ct);
        Log.Info("  pgBackRest: archiving the current WAL segment, restoring the cluster into a side instance");
        var side = Path.Combine(pgbackrest.Directory, "side");
        var total = Stopwatch.GetTimestamp();
        await ArchiveCurrentSegmentAsync(server, ct);
        var step = Stopwatch.GetTimestamp();
        await Log.WhileRunning("pgbackrest restore", Task.Run(async () => { await pgbackrest.RestoreAsync(side, point, ct); return 0; }, ct));
        var restoreSeconds = Stopwatch.GetElapsedTime(step).TotalSeconds;
        step = Stopwatch.GetTimestamp();
        await using var instance = await Log.WhileRunning("side instance recovery", SideInstance.StartAsync(side, new NpgsqlConnectionStringBuilder(server.ConnectionString), ct));
        var recoverySeconds = Stopwatch.GetElapsedTime(step).TotalSeconds;
        step = Stopwatch.GetTimestamp();
        var written = await SiteWriteBack.RunAsync(instance.ConnectionString, server.ConnectionString, platform, site, ct);
        var writeBackSeconds = Stopwatch.GetElapsedTime(step).TotalSeconds;
        var pgbackrestSeconds = Stopwatch.GetElapsedTime(total).TotalSeconds;
        await VerifyAsync(platform, site, atPoint, "pgBackRest", ct);
        var clusterBytes = PgBackRest.DirectoryBytes(side);
        Log.Info($"  pgBackRest: cluster restored in {restoreSeconds:0.0} s, recovered in {recoverySeconds:0.0} s, {written} records written back in {writeBackSeconds:0.00} s: {pgbackrestSeconds:0.0} s in all");

        var lifeboatSeconds = Stats.Median(lifeboat);
        return new RoundFigures(databaseBytes, clusterBytes, pgbackrest.RepositoryBytes(), walSinceBackup, Stats.Round(backupSeconds, 1),
            await SiteRecordsAsync(platform, site, ct),
            Stats.Round(lifeboatSeconds), lifeboat.Select(s => Stats.Round(s)).ToList(), Stats.Round(pgbackrestSeconds, 2),
            new PgbackrestParts(Stats.Round(restoreSeconds, 2), Stats.Round(recoverySeconds, 2), Stats.Round(writeBackSeconds, 3), written),
            Stats.Round(pgbackrestSeconds / lifeboatSeconds, 0));
    }

    /// <summary>Recovery can only stop at the target once it has seen a commit after it, so the segment holding the damage must be in the archive.</summary>
    private static async Task ArchiveCurrentSegmentAsync(BenchServer server, CancellationToken ct)
    {
        var segment = await server.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())", ct);
        while (string.CompareOrdinal(await server.ScalarAsync<string>("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", ct), segment) < 0)
        {
            await Task.Delay(20, ct);
        }
    }

    /// <summary>Both ways must give the site back exactly as it was: every collection's count and content hash equal, and open again.</summary>
    private static async Task VerifyAsync(LifeboatPlatform platform, SiteId site, IReadOnlyList<CollectionDigest> atPoint, string how, CancellationToken ct)
    {
        var now = await platform.Store.Records.DigestAsync(site.Tenant, cancellationToken: ct);
        var state = (await platform.Store.Tenants.GetAsync(site.Tenant, ct)).State;
        if (!now.SequenceEqual(atPoint) || state != TenantState.Active)
        {
            throw new InvalidOperationException($"after the {how} restore, {site} is {state} and {(now.SequenceEqual(atPoint) ? "equal to" : "different from")} its state at the point");
        }
    }

    private static async Task<long> SiteRecordsAsync(LifeboatPlatform platform, SiteId site, CancellationToken ct) =>
        (await platform.Store.Records.DigestAsync(site.Tenant, cancellationToken: ct)).Sum(d => d.Records);

    private static string Gib(long bytes) => Report.Num(bytes / (double)(1L << 30), "0.00") + " GiB";

    private static string Mib(long bytes) => Report.Num(bytes / (double)(1L << 20), "0.0") + " MiB";

    private sealed record Figures(
        double LifeboatSeconds,
        double PgbackrestSeconds,
        double Speedup,
        long DatabaseBytes,
        int Sites,
        string SiteSize,
        string Site,
        long SiteRecords,
        IReadOnlyList<RoundFigures> BySize);

    private sealed record RoundFigures(
        long DatabaseBytes,
        long ClusterBytes,
        long RepositoryBytes,
        long WalSinceBackupBytes,
        double BackupSeconds,
        long SiteRecords,
        double LifeboatSeconds,
        IReadOnlyList<double> LifeboatRuns,
        double PgbackrestSeconds,
        PgbackrestParts Pgbackrest,
        double Speedup);

    private sealed record PgbackrestParts(double RestoreSeconds, double RecoverySeconds, double WriteBackSeconds, long RecordsWrittenBack);
}
