using Lifeboat.Sample.Seeding;

namespace Lifeboat.Drill;

/// <summary>What a drill of a given size needs, estimated before it starts, so it can refuse what the machine cannot hold.</summary>
public sealed record Capacity(long BytesNeeded, long BytesFree, TimeSpan Duration)
{
    /// <summary>Measured per site on this design: records with their indexes, history and WAL, and blob files, with a margin.</summary>
    public static long BytesPerSite(SeedSize size) => size.Name switch
    {
        "small" => 150_000,
        "large" => 6_000_000,
        _ => 600_000,
    };

    public static Capacity Estimate(DrillOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sites = options.Sites + options.BystanderCount;
        var needed = sites * BytesPerSite(options.Size);
        Directory.CreateDirectory(dataDirectory);
        var free = new DriveInfo(Path.GetFullPath(dataDirectory)).AvailableFreeSpace;
        var seedRate = options.Size.Name switch { "small" => 40.0, "large" => 1.5, _ => 10.0 };
        var duration = TimeSpan.FromSeconds(sites / seedRate + (options.Sites * options.Pace.TotalSeconds / 4) + (options.Sites / 20.0) + 15);
        return new Capacity(needed, free, duration);
    }

    /// <summary>Refuses a drill that would fill the disk, saying how much it needs and what to do.</summary>
    public void Require(DrillOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        const long margin = 1L << 30;
        if (BytesNeeded > BytesFree - margin)
        {
            throw new DrillException(
                $"a drill of {options.Sites} {options.Size.Name}-size sites needs about {Gib(BytesNeeded)} of disk; {dataDirectory} has {Gib(BytesFree)} free (and 1 GiB is kept back). Run fewer sites (--sites) or smaller ones (--size small).");
        }
    }

    public static string Gib(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.0} GiB" : $"{bytes / (double)(1 << 20):0} MiB";
}
