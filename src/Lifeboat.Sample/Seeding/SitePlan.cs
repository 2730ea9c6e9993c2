using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;

namespace Lifeboat.Sample.Seeding;

/// <summary>
/// Everything one seeded site will hold, generated before anything is written. People and things are
/// referred to by their index in the plan, since their IDs exist only once they are written.
/// </summary>
internal sealed record SitePlan(
    string Name,
    string Region,
    bool Internal,
    int TrackerSeats,
    int WikiSeats,
    bool InstallLegacyApp,
    IReadOnlyList<UserPlan> Users,
    IReadOnlyList<string> Groups,
    IReadOnlyList<(int Group, int User)> Memberships,
    IReadOnlyList<PermissionPlan> Permissions,
    IReadOnlyList<FeatureFlag> Flags,
    IReadOnlyList<ContactPlan> Contacts,
    IReadOnlyList<IssuePlan> Issues,
    IReadOnlyList<CommentPlan> Comments,
    IReadOnlyList<FilePlan> IssueFiles,
    IReadOnlyList<PagePlan> Pages,
    IReadOnlyList<FilePlan> PageFiles)
{
    /// <summary>Records the plan writes: profile, two licences, two product activations, the app, identity, flags, contacts and product data.</summary>
    public int Records =>
        1 + 2 + 2 + (InstallLegacyApp ? 1 : 0) + Users.Count + Groups.Count + Memberships.Count + Permissions.Count + Flags.Count + Contacts.Count
        + Issues.Count + Comments.Count + IssueFiles.Count + Pages.Count + PageFiles.Count;
}

internal sealed record UserPlan(string Name, string Email);

/// <summary>A permission held by a group (<see cref="OfGroup"/>) or a user, by index.</summary>
internal sealed record PermissionPlan(bool OfGroup, int Subject, string Name);

internal sealed record ContactPlan(ContactRole Role, string Name, string? Email, string? Phone);

internal sealed record IssuePlan(
    string Title,
    string Body,
    IssueStatus Status,
    int Reporter,
    int? Assignee,
    IReadOnlyList<string> Labels,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record CommentPlan(int Issue, int Author, string Body, DateTimeOffset CreatedAt);

/// <summary>An attachment of the issue or page at index <see cref="Owner"/>.</summary>
internal sealed record FilePlan(int Owner, int UploadedBy, string FileName, string ContentType, byte[] Bytes, DateTimeOffset CreatedAt);

internal sealed record PagePlan(string Title, string Body, int? Parent, int Author, DateTimeOffset CreatedAt);
