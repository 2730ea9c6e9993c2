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
    private const string Paced = "paced";

    public string Name => "restore-interference";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var store = server.Store;
        var settings = new InterferenceSettings(
            SmallTenants: scale.Pick(999, 99),
            LargeRecords: scale.Pick(100_000, 5_000),
            Writers: 8,
            WriteIntervalMs: 40,
            Rounds: scale.Pick(6, 2),
            IdleSeconds: scale.Pick(8, 3),
            RestorePauseMs: 25);
        var population = new Population(store, new Workload(seed: 3));
        var small = await population.CreateSmallTenantsAsync(settings.SmallTenants, 20, 100, ct);
        var large = TenantId.Parse("large");
        await population.CreateTenantAsync(large, settings.LargeRecords, ct);
        var point = await Population.LatestPointAsync(server.DataSource, ct);
        var atPoint = await TenantRows.ReadCurrentAsync(server.DataSource, large, ct);
        await server.SettleAsync(ct);

        // Odd rounds restore with the store as it ships (no pause); even rounds with a store whose restores
        // pause after each chunk, so both settings meet the same noise of the machine.
        await using var pacedStore = await server.OpenPacedStoreAsync(TimeSpan.FromMilliseconds(settings.RestorePauseMs), ct);
        var writers = new PacedWriters(store, small, settings.Writers, TimeSpan.FromMilliseconds(settings.WriteIntervalMs), seed: 30);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = writers.RunAsync(stop.Token);
        Log.Info($"{settings.Writers} writers, one write every {settings.WriteIntervalMs} ms each, to the {small.Count:N0} small tenants; warming up");
        writers.Phase = "warm-up";
        await Task.Delay(TimeSpan.FromSeconds(3), ct);

        var rounds = new List<InterferenceRound>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            writers.Phase = null;
            Log.Info($"Round {round}/{settings.Rounds}: damaging {large} ({settings.LargeRecords:N0} records), writers paused");
            await population.DamageAsync(large, settings.LargeRecords, ct);
            await server.ExecAsync("VACUUM lifeboat.records, lifeboat.record_history", ct);

            writers.Phase = Phase(Idle, round);
            Log.Info($"  idle phase: {settings.IdleSeconds} s of writes, no restore");
            await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds), ct);

            var (kind, restorer) = round % 2 == 1 ? (During, store) : (Paced, pacedStore);
            writers.Phase = Phase(kind, round);
            var start = Stopwatch.GetTimestamp();
            var result = await Log.WhileRunning($"restore of {large} during writes ({(kind == Paced ? $"{settings.RestorePauseMs} ms pause per chunk" : "no pause")})",
                restorer.Restores.RestoreAsync(large, point, ct));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            writers.Phase = null;
            if (result.Records != settings.LargeRecords ||
                TenantRows.CountDifferences(atPoint, await TenantRows.ReadCurrentAsync(server.DataSource, large, ct)) != 0)
            {
                throw new InvalidOperationException($"the restore of {large} did not bring back its state at {point}.");
            }

            var idleP99 = Stats.Percentile(Latencies(writers.Samples, Phase(Idle, round)), 99);
            var duringP99 = Stats.Percentile(Latencies(writers.Samples, Phase(kind, round)), 99);
            rounds.Add(new InterferenceRound(round, kind == Paced ? settings.RestorePauseMs : 0, Stats.Round(seconds), Stats.Round(idleP99), Stats.Round(duringP99), Stats.Round(duringP99 / idleP99)));
            Log.Info($"  restore of {settings.LargeRecords:N0} records took {seconds:0.00} s; this round's p99: idle {idleP99:0.00} ms, {kind} {duringP99:0.00} ms ({duringP99 / idleP99:0.00}x)");
        }

        await stop.CancelAsync();
        await running;
        Log.Info($"Checking {writers.Acked.Count:N0} acknowledged writes");
        var acks = await AckCheck.RunAsync(server.DataSource, writers.Acked, ct);

        var idle = Latencies(writers.Samples, Idle);
        var during = Latencies(writers.Samples, During);
        var paced = Latencies(writers.Samples, Paced);
        var p99Idle = Stats.Percentile(idle, 99);
        var p99During = Stats.Percentile(during, 99);
        var defaults = rounds.Where(r => r.RestorePauseMs == 0).ToList();
        var pacedRounds = rounds.Where(r => r.RestorePauseMs > 0).ToList();
        var figures = new InterferenceFigures(
            Stats.Round(p99Idle), Stats.Round(p99During), Stats.Round(p99During / p99Idle), acks.Lost,
            Stats.Round(Stats.Percentile(idle, 50)), Stats.Round(Stats.Percentile(during, 50)),
            Stats.Round(idle.Max()), Stats.Round(during.Max()),
            idle.Count, during.Count, Stats.Round(idle.Count / (settings.Rounds * (double)settings.IdleSeconds), 1), Stats.Round(during.Count / defaults.Sum(r => r.RestoreSeconds), 1),
            acks.Acknowledged, acks.NotCurrent, writers.Errors.Count, writers.Errors.Take(5).ToList(),
            Stats.Round(Stats.Median(defaults.Select(r => r.P99Ratio).ToList())),
            Stats.Round(Stats.Median(defaults.Select(r => r.RestoreSeconds).ToList())),
            new PacedFigures(settings.RestorePauseMs, Stats.Round(Stats.Percentile(paced, 99)), Stats.Round(Stats.Percentile(paced, 99) / p99Idle),
                Stats.Round(Stats.Percentile(paced, 50)), paced.Count, Stats.Round(Stats.Median(pacedRounds.Select(r => r.RestoreSeconds).ToList()))),
            Goal, settings, rounds);

        Report.Table("restore-interference: other tenants' write latency (ms), idle vs during a restore, same run",
            ["phase", "writes", "writes/s", "p50 ms", "p99 ms", "max ms"],
            [
                [Idle, Report.Num(idle.Count), Report.Num(figures.WritesPerSIdle, "0.0"), Report.Num(figures.P50MsIdle, "0.00"), Report.Num(p99Idle, "0.00"), Report.Num(figures.MaxMsIdle, "0.0")],
                [During, Report.Num(during.Count), Report.Num(figures.WritesPerSDuring, "0.0"), Report.Num(figures.P50MsDuring, "0.00"), Report.Num(p99During, "0.00"), Report.Num(figures.MaxMsDuring, "0.0")],
                [$"{Paced} ({settings.RestorePauseMs} ms)", Report.Num(paced.Count), "", Report.Num(figures.Paced.P50Ms, "0.00"), Report.Num(figures.Paced.P99Ms, "0.00"), Report.Num(paced.DefaultIfEmpty().Max(), "0.0")],
            ]);
        Console.WriteLine($"restore of {settings.LargeRecords:N0} records, median: {figures.RestoreSecondsMedian:0.00} s with no pause, {figures.Paced.RestoreSecondsMedian:0.00} s with {settings.RestorePauseMs} ms per chunk; paced p99 / idle = {figures.Paced.P99Ratio:0.00}");
        Console.WriteLine($"p99 during / idle = {figures.P99Ratio:0.00} (median of the rounds' own ratios: {figures.P99RatioMedianOfRounds:0.00}); acknowledged writes {acks.Acknowledged:N0}, lost {acks.Lost}, not current {acks.NotCurrent}, failed {writers.Errors.Count}");

        var met = figures.P99Ratio <= Goal && acks.Lost == 0 && acks.NotCurrent == 0 && writers.Errors.Count == 0;
        return new BenchOutcome(new Goal($"p99 during <= 2x idle ({figures.P99Ratio:0.00}x) and no acknowledged write lost ({acks.Lost})", met), figures);
    }

    private static string Phase(string kind, int round) => $"{kind} {round}";

    /// <summary>The latencies of one phase ("idle 2"), or of every round's phases of one kind ("idle").</summary>
    private static List<double> Latencies(IEnumerable<Sample> samples, string phase) =>
        samples.Where(s => s.Phase == phase || s.Phase.StartsWith(phase + " ", StringComparison.Ordinal)).Select(s => s.Milliseconds).ToList();
}

internal sealed record InterferenceRound(int Round, int RestorePauseMs, double RestoreSeconds, double P99MsIdle, double P99MsDuring, double P99Ratio);

internal sealed record InterferenceSettings(int SmallTenants, int LargeRecords, int Writers, int WriteIntervalMs, int Rounds, int IdleSeconds, int RestorePauseMs);

/// <summary>The even rounds: the same restore with a pause after each chunk (StoreOptions.RestorePause).</summary>
internal sealed record PacedFigures(int RestorePauseMs, double P99Ms, double P99Ratio, double P50Ms, int Writes, double RestoreSecondsMedian);

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
    double P99RatioMedianOfRounds,
    double RestoreSecondsMedian,
    PacedFigures Paced,
    double GoalRatio,
    InterferenceSettings Settings,
    IReadOnlyList<InterferenceRound> Rounds);
