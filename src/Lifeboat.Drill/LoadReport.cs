using System.Diagnostics;
using Lifeboat.Drill.Report;

namespace Lifeboat.Drill;

/// <summary>Latency by phase, and the points of the charts, from what the drill recorded.</summary>
internal static class LoadReport
{
    public static LoadFigures Of(BackgroundLoad load, DrillRunner.RunState state, long lost)
    {
        var samples = load.Samples;
        long Mark(string name) => state.Marks.TryGetValue(name, out var t) ? t : long.MaxValue;
        var (act2, act3, restored) = (Mark("act2"), Mark("act3"), Mark("restored"));
        return new LoadFigures(load.Sites, load.Writes, load.Errors, lost,
            Stats(samples.Where(s => s.Ticks < act2)),
            Stats(samples.Where(s => s.Ticks >= act2 && s.Ticks < act3)),
            Stats(samples.Where(s => s.Ticks >= act3 && s.Ticks < restored)),
            Stats(samples.Where(s => s.Ticks >= restored)))
        {
            TargetedSites = load.TargetedSites,
            TargetedWrites = load.TargetedWrites,
        };
    }

    public static Timeline TimelineOf(DrillRunner.RunState state)
    {
        if (!state.Marks.TryGetValue("act2", out var zero))
        {
            return new Timeline([], []);
        }

        double Seconds(long ticks) => Math.Round((ticks - zero) / (double)Stopwatch.Frequency, 2);
        var progress = state.Progress.OrderBy(p => p.Ticks).Select(p => new ProgressPoint(Seconds(p.Ticks), p.Deleted, p.Restored, p.Failed)).ToList();
        var latency = (state.Load?.Samples ?? [])
            .GroupBy(s => Math.Floor(Seconds(s.Ticks)))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var stats = Stats(g);
                return new LatencyPoint(g.Key, stats.P50Ms, stats.P99Ms, (int)stats.Writes);
            }).ToList();
        return new Timeline(progress, latency);
    }

    private static LatencyFigures Stats(IEnumerable<(long Ticks, double Ms)> samples)
    {
        var ms = samples.Select(s => s.Ms).Order().ToArray();
        return ms.Length == 0
            ? new LatencyFigures(0, 0, 0, 0)
            : new LatencyFigures(ms.Length, Math.Round(Percentile(ms, 0.50), 2), Math.Round(Percentile(ms, 0.99), 2), Math.Round(ms[^1], 2));
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
