using Lifeboat.Bench.Harness;
using Lifeboat.Bench.VsPgBackRest;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Sample.Seeding;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Bench.Scaling;

/// <summary>
/// An environment of sample sites on one database of the bench server, seeded with the seeder's bulk
/// import, and restore jobs run against it through the library: the platform's RestoreJobs with one
/// in-process RestoreWorker, as a `lifeboat restore worker` would run them.
/// </summary>
internal sealed class ScalingEnvironment : IAsyncDisposable
{
    /// <summary>Steps a worker runs at once, as the server's default restore worker does.</summary>
    public const int WorkerConcurrency = 8;

    private const int DeleteParallelism = 8;
    private const int TopStatements = 8;

    private ScalingEnvironment(LifeboatPlatform platform, IReadOnlyList<SiteId> sites, NpgsqlDataSource admin)
    {
        Platform = platform;
        Sites = sites;
        DataSource = admin;
    }

    public LifeboatPlatform Platform { get; }

    /// <summary>The seeded sites, in the seeder's order (the same seed gives the same sites, site by site, whatever the count).</summary>
    public IReadOnlyList<SiteId> Sites { get; }

    /// <summary>The administrator's pool on the environment's database: statement statistics, VACUUM, CHECKPOINT.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<ScalingEnvironment> SeedAsync(string label, BenchDatabase database, string blobs, int sites, CancellationToken ct)
    {
        var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions { Store = database.StoreOptions(blobs) }, ct);
        try
        {
            // The breaker (on in the default policy) would stop the deletions that set up each job after three a minute:
            // the benchmark measures restores, so its environment runs under a policy without it, put in force as any
            // policy is, proposed by one person and approved by another.
            var policy = new PlanPolicy { Breaker = { Enabled = false } };
            var proposed = await platform.WithActor("bench-policy-author").Policy.ProposeAsync(policy.ToYaml(), "bench", "restores measured without the breaker", ct);
            await platform.WithActor("bench-policy-approver").Policy.ApproveAsync(proposed.Version, proposed.ContentHash, ct);
            Log.Info($"{label}: seeding {sites:N0} small sites");
            var seeded = await new SampleSeeder(platform).SeedAsync(new SeedOptions { Sites = sites, Size = SeedSize.Small, Seed = 3, Parallelism = 8 },
                new InlineProgress<SeedProgress>(p => Log.Step($"{label}: seeding", p.SitesDone, p.SitesTotal, 1_000)), ct);
            Log.Info($"{label}: {seeded.Records:N0} records in {seeded.Elapsed.TotalSeconds:0} s ({seeded.SitesPerSecond:0.0} sites/s)");
            return new ScalingEnvironment(platform, seeded.Sites, NpgsqlDataSource.Create(database.Admin));
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Deletes <paramref name="sites"/> one by one (Sites.DeleteAsync, a few at a time), then restores
    /// them with one job to the instant before the first deletion, and checks that every site came back
    /// validated. Only the job is timed; the database time is read from pg_stat_statements, reset when
    /// the job starts.
    /// </summary>
    public async Task<JobFigures> DeleteAndRestoreAsync(string label, IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        var point = await DeleteAsync(label, sites, ct);
        await StatementStats.ResetAsync(DataSource, ct);
        var clock = System.Diagnostics.Stopwatch.GetTimestamp();
        var job = await Platform.Restores.StartAsync(new RestoreJobRequest($"bench: {label}") { Sites = sites, Point = RecoveryPoint.AtTime(point) }, ct);
        var startSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(clock).TotalSeconds;
        await using (var worker = Platform.Restores.CreateWorker("bench", WorkerConcurrency))
        {
            await Log.WhileRunning($"{label}: restore job {job.Id}", Task.Run(async () =>
            {
                await worker.RunAsync(untilIdle: true, ct);
                return 0;
            }, ct));
        }

        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(clock).TotalSeconds;
        var database = await StatementStats.ReadAsync(DataSource, TopStatements, ct);
        var outcomes = await Platform.Restores.SitesAsync(job.Id, ct);
        var failed = outcomes.Where(o => o.State != SiteRestoreState.Restored).ToList();
        if (failed.Count > 0 || outcomes.Count != sites.Count)
        {
            throw new InvalidOperationException(
                $"{label}: {failed.Count} of {sites.Count} sites were not restored and validated, for example {failed.FirstOrDefault()?.Site} ({failed.FirstOrDefault()?.State}: {failed.FirstOrDefault()?.Error})");
        }

        var figures = new JobFigures(sites.Count, job.Id.Value, Stats.Round(seconds, 2), Stats.Round(startSeconds, 2), Stats.Round(sites.Count / seconds, 1),
            database.Seconds, Stats.Round(database.Seconds * 1000 / sites.Count, 2), Stats.Round((double)database.Calls / sites.Count, 1), database);
        Log.Info($"{label}: {sites.Count:N0} sites restored and validated in {seconds:0.0} s ({figures.SitesPerS:0.0} sites/s; the job's start {startSeconds:0.0} s); " +
            $"database time {database.Seconds:0.0} s, {figures.DatabaseMsPerSite:0.0} ms and {figures.StatementsPerSite:0} statements per site");
        return figures;
    }

    /// <summary>Deletes <paramref name="sites"/> (Sites.DeleteAsync, a few at a time); returns the recovery point from just before.</summary>
    public async Task<DateTimeOffset> DeleteAsync(string label, IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        var point = await PointAsync(ct);
        Log.Info($"{label}: deleting {sites.Count:N0} sites");
        var deleted = 0;
        await Parallel.ForEachAsync(sites, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = ct }, async (site, token) =>
        {
            await Platform.Sites.DeleteAsync(site, "bench: the incident", token);
            Log.Step($"{label}: deleted", Interlocked.Increment(ref deleted), sites.Count, 2_000);
        });
        return point;
    }

    /// <summary>The database's clock now, a moment after every earlier commit: the recovery point for the deletions that follow.</summary>
    private async Task<DateTimeOffset> PointAsync(CancellationToken ct)
    {
        await using var cmd = DataSource.CreateCommand("SELECT clock_timestamp()");
        var point = new DateTimeOffset((DateTime)(await cmd.ExecuteScalarAsync(ct))!, TimeSpan.Zero);
        await Task.Delay(10, ct);
        return point;
    }

    /// <summary>Vacuums, analyzes and checkpoints, so every measured job starts from the same settled state.</summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        await using (var vacuum = DataSource.CreateCommand("VACUUM ANALYZE"))
        {
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        await using var checkpoint = DataSource.CreateCommand("CHECKPOINT");
        checkpoint.CommandTimeout = 0;
        await checkpoint.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Platform.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

/// <summary>One restore job: its sites, its time (from the request to the last site validated), and the database time it took.</summary>
internal sealed record JobFigures(
    int Sites,
    string Job,
    double Seconds,
    double StartSeconds,
    double SitesPerS,
    double DatabaseSeconds,
    double DatabaseMsPerSite,
    double StatementsPerSite,
    DatabaseTime Database);
