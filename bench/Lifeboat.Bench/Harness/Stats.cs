namespace Lifeboat.Bench.Harness;

internal static class Stats
{
    /// <summary>The nearest-rank percentile (p in 0..100) of the samples; 0 when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return 0;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The middle value (the mean of the two middle ones for an even count); 0 when there are none.</summary>
    public static double Median(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            return 0;
        }

        var sorted = samples.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static double Round(double value, int digits = 3) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
