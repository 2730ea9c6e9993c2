using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Identity;

namespace Lifeboat.Platform.Catalog;

/// <summary>
/// A whole new site, to be created in one transaction by <see cref="SiteImports"/>: what
/// creating it, granting its licences, reconciling its products, installing its apps, adding its
/// people, groups, memberships, permissions, flags and key contacts one call at a time would write.
/// People and groups do not have IDs yet, so memberships and permissions name them: a user by email,
/// a group by name.
/// </summary>
public sealed record SiteImport(string Name, string Region)
{
    public bool Internal { get; init; }

    public IReadOnlyList<LicenceImport> Licences { get; init; } = [];

    public IReadOnlyList<AppId> Apps { get; init; } = [];

    public IReadOnlyList<UserImport> Users { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];

    public IReadOnlyList<MembershipImport> Memberships { get; init; } = [];

    public IReadOnlyList<PermissionImport> Permissions { get; init; } = [];

    public IReadOnlyList<FeatureFlag> Flags { get; init; } = [];

    public IReadOnlyList<ContactImport> Contacts { get; init; } = [];

    /// <summary>The customer account that owns the new site, linked in the same transaction; none when null.</summary>
    public AccountId? Account { get; init; }
}

public sealed record LicenceImport(ProductId Product, int Seats);

public sealed record UserImport(string Email, string Name);

/// <summary>The user with <see cref="UserEmail"/> in the group named <see cref="Group"/>, both of the import.</summary>
public sealed record MembershipImport(string Group, string UserEmail);

/// <summary>A permission held by a group of the import (by name) or by a user of it (by email): exactly one of the two.</summary>
public sealed record PermissionImport(string Permission, string? Group = null, string? UserEmail = null);

public sealed record ContactImport(ContactRole Role, string Name, string? Email, string? Phone);

/// <summary>What an import created, with the IDs it gave; lists are in the order of the import.</summary>
public sealed record ImportedSite(
    SiteProfile Profile,
    IReadOnlyList<Licence> Licences,
    IReadOnlyList<ProvisioningChange> Provisioned,
    IReadOnlyList<AppInstallation> Apps,
    IReadOnlyList<User> Users,
    IReadOnlyList<Group> Groups,
    IReadOnlyList<Permission> Permissions,
    IReadOnlyList<FeatureFlag> Flags,
    IReadOnlyList<Contact> Contacts)
{
    public SiteId Id => Profile.Id;
}
