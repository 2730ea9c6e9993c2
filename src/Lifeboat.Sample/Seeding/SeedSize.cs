using Lifeboat.Platform;

namespace Lifeboat.Sample.Seeding;

/// <summary>
/// How much one seeded site holds. Memberships, permissions and contacts follow from these counts
/// (every user in one or two groups, a few permissions per group, two or three contacts).
/// </summary>
public sealed record SeedSize(
    string Name,
    int Users,
    int Groups,
    int Flags,
    int Issues,
    int Comments,
    int IssueAttachments,
    int Pages,
    int PageAttachments)
{
    /// <summary>A handful of everything: for tests and demos that need many sites quickly.</summary>
    public static readonly SeedSize Small = new("small", Users: 3, Groups: 2, Flags: 2, Issues: 6, Comments: 10, IssueAttachments: 2, Pages: 4, PageAttachments: 1);

    /// <summary>A small team's site: about 200 records and 12 blobs.</summary>
    public static readonly SeedSize Default = new("default", Users: 10, Groups: 3, Flags: 5, Issues: 40, Comments: 80, IssueAttachments: 8, Pages: 15, PageAttachments: 4);

    /// <summary>A busy department's site: about 2,000 records and 100 blobs.</summary>
    public static readonly SeedSize Large = new("large", Users: 60, Groups: 8, Flags: 10, Issues: 500, Comments: 1200, IssueAttachments: 70, Pages: 150, PageAttachments: 30);

    public static IReadOnlyList<SeedSize> All { get; } = [Small, Default, Large];

    public static SeedSize Parse(string? name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new PlatformException(PlatformErrorKind.Invalid, $"'{name}' is not a seed size; use one of: {string.Join(", ", All.Select(s => s.Name))}.");

    public override string ToString() => Name;
}
