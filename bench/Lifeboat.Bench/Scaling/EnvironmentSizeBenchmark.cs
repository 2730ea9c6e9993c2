using Lifeboat.Bench.Harness;

namespace Lifeboat.Bench.Scaling;

/// <summary>
/// Does the environment's size matter? The same 883 small sites, with the same content and history,
/// restored in an environment of 1,000 sites and in one of 10,000, two databases on one server, in
/// one run. A restore reads and writes only its sites' rows through their indexes, so its time
/// should not depend on how many other sites there are.
/// </summary>
internal sealed class EnvironmentSizeBenchmark : IBenchmark
{
    private const double Goal = 1.2;

    public string Name => "environment-size";

    public IReadOnlyList<string> SharedPreloadLibraries => [StatementStats.Extension];

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var (restored, small, large) = scale.Quick ? (30, 50, 300) : (883, 1_000, 10_000);
        // The same seed in both: the first sites of the large environment are the small one's, site by site.
        await using var smallEnvironment = await ScalingEnvironment.SeedAsync($"{small:N0} sites", server.Database, Path.Combine(server.Home, "blobs-small"), small, ct);
        await using var largeEnvironment = await ScalingEnvironment.SeedAsync($"{large:N0} sites", await server.CreateDatabaseAsync("bench_large", ct),
            Path.Combine(server.Home, "blobs-large"), large, ct);
        var environments = new[] { (Sites: small, Environment: smallEnvironment), (Sites: large, Environment: largeEnvironment) };

        // Small, large, large, small: drift on the shared machine falls on both. Each round deletes and restores
        // the same sites in both, so their history stays the same in both.
        var order = scale.Quick ? new[] { 0, 1 } : [0, 1, 1, 0];
        var runs = new List<(int Environment, JobFigures Job)>();
        foreach (var e in order)
        {
            var (sites, environment) = environments[e];
            await environment.SettleAsync(ct);
            var chosen = environment.Sites.Take(small).TakeLast(restored).ToList();
            runs.Add((e, await environment.DeleteAndRestoreAsync($"{restored:N0} of {sites:N0} sites", chosen, ct)));
        }

        var perEnvironment = environments.Select((env, e) =>
        {
            var jobs = runs.Where(r => r.Environment == e).Select(r => r.Job).ToList();
            return new EnvironmentFigures(env.Sites, restored, Stats.Round(Stats.Median(jobs.Select(j => j.Seconds).ToList()), 2),
                Stats.Round(Stats.Median(jobs.Select(j => j.DatabaseMsPerSite).ToList()), 2), jobs);
        }).ToList();
        Report.Table($"environment-size: the same {restored:N0} small sites restored in a small and a large environment (one worker of 8 steps)",
            ["environment", "run", "seconds", "sites/s", "db s", "db ms/site", "statements/site"],
            runs.Select((r, i) => (IReadOnlyList<string>)[
                $"{environments[r.Environment].Sites:N0} sites", $"{i + 1}", Report.Num(r.Job.Seconds, "0.0"), Report.Num(r.Job.SitesPerS, "0.0"),
                Report.Num(r.Job.DatabaseSeconds, "0.0"), Report.Num(r.Job.DatabaseMsPerSite, "0.0"), Report.Num(r.Job.StatementsPerSite, "0")]));
        foreach (var (r, i) in runs.Select((r, i) => (r, i)))
        {
            Report.Table($"run {i + 1}, {environments[r.Environment].Sites:N0} sites: statements by database time", ["share", "calls", "total ms", "mean ms", "statement"],
                r.Job.Database.Top.Select(s => (IReadOnlyList<string>)[
                    Report.Num(s.Share * 100, "0.0") + " %", Report.Num(s.Calls), Report.Num(s.TotalMs, "N0"), Report.Num(s.MeanMs, "0.000"), StatementStats.Short(s.Query, 100)]));
        }

        var (inSmall, inLarge) = (perEnvironment[0], perEnvironment[1]);
        var ratio = Stats.Round(inLarge.MedianSeconds / inSmall.MedianSeconds);
        var met = Math.Max(ratio, 1 / ratio) <= Goal;
        return new BenchOutcome(
            new Goal($"the same {restored:N0} sites restore within {Goal - 1:0%} of each other's time in environments of {small:N0} and {large:N0} sites (large / small: {ratio:0.00})", met),
            new Figures(ratio, Goal, restored, "small", ScalingEnvironment.WorkerConcurrency, perEnvironment));
    }

    private sealed record EnvironmentFigures(int EnvironmentSites, int SitesRestored, double MedianSeconds, double MedianDatabaseMsPerSite, IReadOnlyList<JobFigures> Runs);

    private sealed record Figures(double TimeRatioLargeToSmall, double GoalRatio, int SitesRestored, string SiteSize, int WorkerConcurrency, IReadOnlyList<EnvironmentFigures> Environments);
}
