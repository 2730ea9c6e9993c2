using Lifeboat.Platform;

namespace Lifeboat.Sample.Seeding;

public sealed record SeedOptions
{
    public int Sites { get; init; } = 10;

    public SeedSize Size { get; init; } = SeedSize.Default;

    /// <summary>How many of the sites are the vendor's own (QA, demos, staging); they come first.</summary>
    public int Internal { get; init; } = 3;

    /// <summary>Same seed, same content (names, text, counts, bytes); IDs and commit times still differ between runs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Sites seeded at once. Each site's writes are sequential (they share the site's lock), so sites are the unit of parallelism.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// Writes each site's control plane through the platform's ordinary operations, one call and one
    /// transaction per licence, user, group, membership, permission, flag and contact, instead of one
    /// import per site. Same content, several times slower: the reference the import is checked against.
    /// </summary>
    public bool OneCallAtATime { get; init; }

    /// <summary>The "now" of the generated histories (issues created up to 180 days before it). Default: today, 00:00 UTC.</summary>
    public DateTimeOffset? Anchor { get; init; }

    /// <summary>Refuses options that cannot be seeded, before anything is opened or written.</summary>
    public void Validate()
    {
        if (Sites < 1)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"seed at least one site (sites was {Sites}).");
        }

        if (Internal < 0 || Internal > Sites)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the internal sites must be between 0 and the number of sites ({Sites}), not {Internal}.");
        }

        if (Parallelism is < 1 or > 64)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"parallelism must be 1 to 64, not {Parallelism}.");
        }

        if (Size is null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "say how large the sites are (a seed size).");
        }

        int[] counts = [Size.Groups, Size.Flags, Size.Issues, Size.Comments, Size.IssueAttachments, Size.Pages, Size.PageAttachments];
        if (Size.Users < 1 || counts.Any(n => n < 0))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"seed size '{Size.Name}' needs at least one user (the site's owner) and no negative count.");
        }
    }
}

/// <summary>How far a seeding run is: reported after each site.</summary>
public readonly record struct SeedProgress(int SitesDone, int SitesTotal, long Records, long Blobs);

/// <summary>What a seeding run wrote. <see cref="Records"/> counts every record written, the sites' platform data and contacts included.</summary>
public sealed record SeedSummary(IReadOnlyList<SiteId> Sites, SeedSize Size, long Records, long Blobs, long BlobBytes, TimeSpan Elapsed)
{
    /// <summary>The customer account of each site, in the order of <see cref="Sites"/>.</summary>
    public IReadOnlyList<AccountId> Accounts { get; init; } = [];

    public double SitesPerSecond => Elapsed > TimeSpan.Zero ? Sites.Count / Elapsed.TotalSeconds : 0;
}
