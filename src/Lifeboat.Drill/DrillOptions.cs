using Lifeboat.Sample.Seeding;

namespace Lifeboat.Drill;

/// <summary>How big a drill, and how it runs. The defaults replay April 2022: 883 sites.</summary>
public sealed record DrillOptions
{
    public const int MaxSites = 50_000;

    /// <summary>Sites the script targets (every one of them is deleted when nothing halts it).</summary>
    public int Sites { get; init; } = 883;

    public SeedSize Size { get; init; } = SeedSize.Default;

    /// <summary>How many of the targeted sites are our own (internal) sites.</summary>
    public int InternalSites { get; init; } = 3;

    /// <summary>Sites outside the script's reach that keep working throughout (0: one per 20 targeted sites, at least 3).</summary>
    public int Bystanders { get; init; }

    /// <summary>Pause between two deletions of the script.</summary>
    public TimeSpan Pace { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Let the script delete every site: the detector still alerts, but halts nothing.</summary>
    public bool NoHalt { get; init; }

    public int Seed { get; init; } = 2022;

    /// <summary>Writers of the background load (ordinary writes to the bystander sites).</summary>
    public int LoadWriters { get; init; } = 4;

    /// <summary>Restore steps in flight at a time.</summary>
    public int RestoreConcurrency { get; init; } = 8;

    /// <summary>The runbooks the incident's checklist comes from (one <c>type.yaml</c> each, as <c>Lifeboat:Runbooks</c>); null: no checklist.</summary>
    public string? RunbookFolder { get; init; }

    /// <summary>The Maildir the local mail server delivers the sample's customers' mail into, where the drill counts it.</summary>
    public string Maildir { get; init; } = Incident.DrillMailbox.PostfixMaildir;

    /// <summary>How long the drill waits for mail the server accepted to be delivered before it counts a customer as not reached.</summary>
    public TimeSpan DeliveryWait { get; init; } = TimeSpan.FromSeconds(90);

    public int BystanderCount => Bystanders > 0 ? Bystanders : Math.Max(3, (int)Math.Ceiling(Sites / 20.0));

    public void Validate()
    {
        if (Sites < 1)
        {
            throw new DrillException($"a drill needs at least 1 site, not {Sites}.");
        }

        if (Sites > MaxSites)
        {
            throw new DrillException($"{Sites} sites is beyond what a drill runs ({MaxSites} at most).");
        }

        if (InternalSites < 0 || InternalSites > Sites)
        {
            throw new DrillException($"--internal must be between 0 and the number of sites ({Sites}), not {InternalSites}.");
        }

        if (LoadWriters < 1 || RestoreConcurrency < 1 || Pace < TimeSpan.Zero)
        {
            throw new DrillException("load writers and restore concurrency must be at least 1, and the pace 0 or more.");
        }
    }
}

/// <summary>A drill that cannot start (bad options, not enough room, a database that is not the drill's).</summary>
public sealed class DrillException(string message) : Exception(message);
