using Lifeboat.Bench.Harness;

namespace Lifeboat.Bench.Scaling;

/// <summary>
/// Does a restore job scale? One environment of small sites; jobs of growing size (100, 883, 3,000
/// and 10,000 sites), each deleting its sites and restoring them to the instant before, in one run.
/// A job's rate should not fall with its size: whatever a job does per site (claiming steps, closing
/// sites, checking whether the job is done) must not grow with the number of sites in it.
/// </summary>
internal sealed class JobScalingBenchmark : IBenchmark
{
    private const double Goal = 0.8;

    public string Name => "job-scaling";

    public IReadOnlyList<string> SharedPreloadLibraries => [StatementStats.Extension];

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        int[] jobs = scale.Quick ? [20, 50, 100] : [100, 883, 3_000, 10_000];
        await using var environment = await ScalingEnvironment.SeedAsync("environment", server.Database, Path.Combine(server.Home, "blobs"), jobs[^1], ct);

        var figures = new List<JobFigures>();
        foreach (var size in jobs)
        {
            // Every job takes the first sites of the environment, so a larger job holds the smaller ones' sites
            // too; their history grew by one deletion and one restore, which changes none of their records.
            await environment.SettleAsync(ct);
            figures.Add(await environment.DeleteAndRestoreAsync($"job of {size:N0}", environment.Sites.Take(size).ToList(), ct));
        }

        Report.Table("job-scaling: restore jobs of growing size in one environment (small sites, one worker of 8 steps)",
            ["sites", "seconds", "of which start", "sites/s", "vs smallest", "db s", "db ms/site", "statements/site"],
            figures.Select(f => (IReadOnlyList<string>)[
                Report.Num(f.Sites), Report.Num(f.Seconds, "0.0"), Report.Num(f.StartSeconds, "0.0"), Report.Num(f.SitesPerS, "0.0"),
                Report.Num(f.SitesPerS / figures[0].SitesPerS, "0.00"), Report.Num(f.DatabaseSeconds, "0.0"), Report.Num(f.DatabaseMsPerSite, "0.0"),
                Report.Num(f.StatementsPerSite, "0")]));
        foreach (var f in figures)
        {
            Report.Table($"job of {f.Sites:N0} sites: statements by database time", ["share", "calls", "total ms", "mean ms", "statement"],
                f.Database.Top.Select(s => (IReadOnlyList<string>)[
                    Report.Num(s.Share * 100, "0.0") + " %", Report.Num(s.Calls), Report.Num(s.TotalMs, "N0"), Report.Num(s.MeanMs, "0.000"), StatementStats.Short(s.Query, 100)]));
        }

        var (first, last) = (figures[0], figures[^1]);
        var ratio = Stats.Round(last.SitesPerS / first.SitesPerS);
        return new BenchOutcome(
            new Goal($"a job of {last.Sites:N0} sites restores at least {Goal:0%} of the sites per second of a job of {first.Sites:N0} ({ratio:0.00})", ratio >= Goal),
            new Figures(ratio, Goal, jobs[^1], "small", ScalingEnvironment.WorkerConcurrency, figures));
    }

    private sealed record Figures(double RateRatioLargestToSmallest, double GoalRatio, int EnvironmentSites, string SiteSize, int WorkerConcurrency, IReadOnlyList<JobFigures> Jobs);
}
