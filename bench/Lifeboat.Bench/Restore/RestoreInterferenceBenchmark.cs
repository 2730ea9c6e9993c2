using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Storage;

namespace Lifeboat.Bench.Restore;

/// <summary>
/// Other tenants' write latency while one large tenant is being restored, against the same writers
/// with no restore, in the same run: each round measures an idle phase, then a phase that lasts as
/// long as a restore of the large tenant. Afterwards every acknowledged write is looked up.
/// </summary>
internal sealed class RestoreInterferenceBenchmark : IBenchmark
{
    private const double Goal = 2.0;
    private const string Idle = "idle";
    private const string During = "during";

    public string Name => "restore-interference";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var store = server.Store;
        var settings = new InterferenceSettings(
            SmallTenants: scale.Pick(999, 99),
            LargeRecords: scale.Pick(100_000, 5_000),
            Writers: 8,
            WriteIntervalMs: 40,
            Rounds: scale.Pick(3, 2),
            IdleSeconds: scale.Pick(15, 3));
        var population = new Population(store, new Workload(seed: 3));
        var small = await population.CreateSmallTenantsAsync(settings.SmallTenants, 20, 100, ct);
        var large = TenantId.Parse("large");
        await population.CreateTenantAsync(large, settings.LargeRecords, ct);
        var point = await Population.LatestPointAsync(server.DataSource, ct);
        var atPoint = await TenantRows.ReadCurrentAsync(server.DataSource, large, ct);
        await server.SettleAsync(ct);

        var writers = new PacedWriters(store, small, settings.Writers, TimeSpan.FromMilliseconds(settings.WriteIntervalMs), seed: 30);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = writers.RunAsync(stop.Token);
        Log.Info($"{settings.Writers} writers, one write every {settings.WriteIntervalMs} ms each, to the {small.Count:N0} small tenants; warming up");
        writers.Phase = "warm-up";
        await Task.Delay(TimeSpan.FromSeconds(3), ct);

        var restores = new List<double>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            writers.Phase = null;
            Log.Info($"Round {round}/{settings.Rounds}: damaging {large} ({settings.LargeRecords:N0} records), writers paused");
            await population.DamageAsync(large, settings.LargeRecords, ct);
            await server.ExecAsync("VACUUM lifeboat.records, lifeboat.record_history", ct);

            writers.Phase = Idle;
            Log.Info($"  idle phase: {settings.IdleSeconds} s of writes, no restore");
            await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds), ct);

            writers.Phase = During;
            var start = Stopwatch.GetTimestamp();
            var result = await Log.WhileRunning($"restore of {large} during writes", store.Restores.RestoreAsync(large, point, ct));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            writers.Phase = null;
            restores.Add(seconds);
            if (result.Records != settings.LargeRecords ||
                TenantRows.CountDifferences(atPoint, await TenantRows.ReadCurrentAsync(server.DataSource, large, ct)) != 0)
            {
                throw new InvalidOperationException($"the restore of {large} did not bring back its state at {point}.");
            }

            Log.Info($"  restore of {settings.LargeRecords:N0} records took {seconds:0.00} s; {Summary(writers.Samples, Idle)} | {Summary(writers.Samples, During)}");
        }

        await stop.CancelAsync();
        await running;
        Log.Info($"Checking {writers.Acked.Count:N0} acknowledged writes");
        var acks = await AckCheck.RunAsync(server.DataSource, writers.Acked, ct);

        var idle = Latencies(writers.Samples, Idle);
        var during = Latencies(writers.Samples, During);
        var p99Idle = Stats.Percentile(idle, 99);
        var p99During = Stats.Percentile(during, 99);
        var figures = new InterferenceFigures(
            Stats.Round(p99Idle), Stats.Round(p99During), Stats.Round(p99During / p99Idle), acks.Lost,
            Stats.Round(Stats.Percentile(idle, 50)), Stats.Round(Stats.Percentile(during, 50)),
            Stats.Round(idle.Max()), Stats.Round(during.Max()),
            idle.Count, during.Count, Stats.Round(idle.Count / (settings.Rounds * (double)settings.IdleSeconds), 1), Stats.Round(during.Count / restores.Sum(), 1),
            acks.Acknowledged, acks.NotCurrent, writers.Errors.Count, writers.Errors.Take(5).ToList(),
            restores.Select(r => Stats.Round(r, 3)).ToList(), Goal, settings);

        Report.Table("restore-interference: other tenants' write latency (ms), idle vs during a restore, same run",
            ["phase", "writes", "writes/s", "p50 ms", "p99 ms", "max ms"],
            [
                [Idle, Report.Num(idle.Count), Report.Num(figures.WritesPerSIdle, "0.0"), Report.Num(figures.P50MsIdle, "0.00"), Report.Num(p99Idle, "0.00"), Report.Num(figures.MaxMsIdle, "0.0")],
                [During, Report.Num(during.Count), Report.Num(figures.WritesPerSDuring, "0.0"), Report.Num(figures.P50MsDuring, "0.00"), Report.Num(p99During, "0.00"), Report.Num(figures.MaxMsDuring, "0.0")],
            ]);
        Console.WriteLine($"p99 during / idle = {figures.P99Ratio:0.00}; acknowledged writes {acks.Acknowledged:N0}, lost {acks.Lost}, not current {acks.NotCurrent}, failed {writers.Errors.Count}");

        var met = figures.P99Ratio <= Goal && acks.Lost == 0 && acks.NotCurrent == 0 && writers.Errors.Count == 0;
        return new BenchOutcome(new Goal($"p99 during <= 2x idle ({figures.P99Ratio:0.00}x) and no acknowledged write lost ({acks.Lost})", met), figures);
    }

    private static List<double> Latencies(IEnumerable<Sample> samples, string phase) =>
        samples.Where(s => s.Phase == phase).Select(s => s.Milliseconds).ToList();

    private static string Summary(IEnumerable<Sample> samples, string phase)
    {
        var latencies = Latencies(samples, phase);
        return $"{phase} so far: p50 {Stats.Percentile(latencies, 50):0.00} ms, p99 {Stats.Percentile(latencies, 99):0.00} ms";
    }
}

internal sealed record InterferenceSettings(int SmallTenants, int LargeRecords, int Writers, int WriteIntervalMs, int Rounds, int IdleSeconds);

internal sealed record InterferenceFigures(
    double P99MsIdle,
    double P99MsDuring,
    double P99Ratio,
    long LostWrites,
    double P50MsIdle,
    double P50MsDuring,
    double MaxMsIdle,
    double MaxMsDuring,
    int WritesIdle,
    int WritesDuring,
    double WritesPerSIdle,
    double WritesPerSDuring,
    int AcknowledgedWrites,
    long NotCurrent,
    int FailedWrites,
    IReadOnlyList<string> FailureSamples,
    IReadOnlyList<double> RestoreSeconds,
    double GoalRatio,
    InterferenceSettings Settings);
