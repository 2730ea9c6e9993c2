using System.Text.RegularExpressions;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Identity;

public sealed record User(UserId Id, SiteId Site, string Email, string Name, bool Active);

public sealed record Group(GroupId Id, SiteId Site, string Name);

public sealed record Membership(GroupId Group, UserId User);

/// <summary>A permission held by a user or a group ("tracker.admin", "wiki.edit", …).</summary>
public sealed record Permission(string Subject, string Name);

/// <summary>
/// Identity per site: users, groups, memberships and permissions. It is tenant data, so it is
/// restored with the site, with the same IDs.
/// </summary>
public sealed partial class IdentityDirectory
{
    private readonly PlatformContext _context;

    internal IdentityDirectory(PlatformContext context) => _context = context;

    public async Task<User> AddUserAsync(SiteId site, string email, string name, CancellationToken cancellationToken = default)
    {
        var user = NewUser(site, email, name);
        await _context.RequireSiteAsync(site, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            if ((await _context.Store.Records.QueryAsync(site.Tenant, SiteData.Users, "email", user.Email, cancellationToken)).Count > 0)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"site {site} already has a user with email {user.Email}.");
            }

            await _context.Store.Records.WriteAsync(Added(_context.Store.Records.Batch(site.Tenant), user), tx, cancellationToken);
            return user;
        }, cancellationToken);
    }

    /// <summary>A new, active user with a new ID; refuses an email or name a user cannot have.</summary>
    internal User NewUser(SiteId site, string email, string name)
    {
        email = RequireEmail(email);
        RequireText(name, "a user's name");
        return new User(TypedId.New<UserId>(_context.Time), site, email, name.Trim(), Active: true);
    }

    /// <summary>The writes that add a user: the user and its ID's directory row.</summary>
    internal WriteBatch Added(WriteBatch batch, User user) =>
        batch.Put(SiteData.Users, user.Id.Value, _context.Json(user)).Include(_context.Directory(user.Id.Value, IdKind.User, user.Site));

    public async Task<User> SetUserActiveAsync(UserId user, bool active, CancellationToken cancellationToken = default)
    {
        var site = await _context.SiteOfAsync(user, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            var current = await GetAsync(site, SiteData.Users, user.Value, cancellationToken) is { } r ? r.As<User>(PlatformJson.Options)
                : throw new PlatformException(PlatformErrorKind.NotFound, $"user {user} no longer exists on site {site}.");
            var updated = current with { Active = active };
            if (updated != current)
            {
                await _context.Store.Records.WriteAsync(_context.Store.Records.Batch(site.Tenant).Put(SiteData.Users, user.Value, _context.Json(updated)), tx, cancellationToken);
            }

            return updated;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<User>> UsersAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await ListAsync(site, SiteData.Users, cancellationToken)).Select(r => r.As<User>(PlatformJson.Options)).ToList();

    public async Task<Group> AddGroupAsync(SiteId site, string name, CancellationToken cancellationToken = default)
    {
        var group = NewGroup(site, name);
        await _context.RequireSiteAsync(site, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            if ((await _context.Store.Records.QueryAsync(site.Tenant, SiteData.Groups, "name", group.Name, cancellationToken)).Count > 0)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"site {site} already has a group named '{group.Name}'.");
            }

            await _context.Store.Records.WriteAsync(Added(_context.Store.Records.Batch(site.Tenant), group), tx, cancellationToken);
            return group;
        }, cancellationToken);
    }

    internal Group NewGroup(SiteId site, string name)
    {
        RequireText(name, "a group's name");
        return new Group(TypedId.New<GroupId>(_context.Time), site, name.Trim());
    }

    /// <summary>The writes that add a group: the group and its ID's directory row.</summary>
    internal WriteBatch Added(WriteBatch batch, Group group) =>
        batch.Put(SiteData.Groups, group.Id.Value, _context.Json(group)).Include(_context.Directory(group.Id.Value, IdKind.Group, group.Site));

    public async Task<IReadOnlyList<Group>> GroupsAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await ListAsync(site, SiteData.Groups, cancellationToken)).Select(r => r.As<Group>(PlatformJson.Options)).ToList();

    /// <summary>Adds a user to a group of the same site. Adding a member twice changes nothing.</summary>
    public async Task AddMemberAsync(GroupId group, UserId user, CancellationToken cancellationToken = default)
    {
        var site = await SameSiteAsync(group, user, cancellationToken);
        await _context.ChangeSiteAsync(site, async tx =>
        {
            await _context.Store.Records.WriteAsync(Member(_context.Store.Records.Batch(site.Tenant), group, user), tx, cancellationToken);
            return true;
        }, cancellationToken);
    }

    /// <summary>The write that makes a user a member of a group of the same site.</summary>
    internal WriteBatch Member(WriteBatch batch, GroupId group, UserId user) =>
        batch.Put(SiteData.Memberships, $"{group}:{user}", _context.Json(new Membership(group, user)));

    public async Task RemoveMemberAsync(GroupId group, UserId user, CancellationToken cancellationToken = default)
    {
        var site = await SameSiteAsync(group, user, cancellationToken);
        await _context.Store.Records.DeleteAsync(site.Tenant, SiteData.Memberships.Name, $"{group}:{user}", cancellationToken);
    }

    public async Task<IReadOnlyList<UserId>> MembersAsync(GroupId group, CancellationToken cancellationToken = default)
    {
        var site = await _context.SiteOfAsync(group, cancellationToken);
        return (await _context.Store.Records.QueryAsync(site.Tenant, SiteData.Memberships, "group", group.Value, cancellationToken))
            .Select(r => r.As<Membership>(PlatformJson.Options).User).ToList();
    }

    /// <summary>Grants a permission to a user or group of the site ("usr_…" or "grp_…").</summary>
    public async Task<Permission> GrantAsync(SiteId site, string subject, string permission, CancellationToken cancellationToken = default)
    {
        await RequireSubjectAsync(site, subject, cancellationToken);
        var name = RequirePermission(permission);
        await _context.ChangeSiteAsync(site, async tx =>
        {
            await _context.Store.Records.WriteAsync(Granted(_context.Store.Records.Batch(site.Tenant), subject, name), tx, cancellationToken);
            return true;
        }, cancellationToken);
        return new Permission(subject, name);
    }

    /// <summary>The write that grants a checked permission to a user or group (its ID) of the batch's site.</summary>
    internal WriteBatch Granted(WriteBatch batch, string subject, string permission) =>
        batch.Put(SiteData.Permissions, $"{subject}:{permission}", _context.Json(new Permission(subject, permission)));

    public async Task RevokeAsync(SiteId site, string subject, string permission, CancellationToken cancellationToken = default)
    {
        await RequireSubjectAsync(site, subject, cancellationToken);
        await _context.Store.Records.DeleteAsync(site.Tenant, SiteData.Permissions.Name, $"{subject}:{RequirePermission(permission)}", cancellationToken);
    }

    public async Task<IReadOnlyList<Permission>> PermissionsAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await ListAsync(site, SiteData.Permissions, cancellationToken)).Select(r => r.As<Permission>(PlatformJson.Options)).ToList();

    /// <summary>
    /// What a sign-in checks: the site is readable and has an active user with this email. Restore
    /// validation uses it to show that a restored site's people can get in.
    /// </summary>
    public async Task<User> SignInAsync(SiteId site, string email, CancellationToken cancellationToken = default)
    {
        var entry = await _context.RequireSiteAsync(site, cancellationToken);
        if (entry.State is TenantState.Deleted or TenantState.Purged)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"site {site} is {entry.State}; nobody can sign in to it.");
        }

        var user = (await _context.Store.Records.QueryAsync(site.Tenant, SiteData.Users, "email", email.Trim().ToLowerInvariant(), cancellationToken))
            .Select(r => r.As<User>(PlatformJson.Options)).FirstOrDefault();
        return user is { Active: true } ? user : throw new PlatformException(PlatformErrorKind.NotFound, $"site {site} has no active user with email {email}.");
    }

    private async Task<SiteId> SameSiteAsync(GroupId group, UserId user, CancellationToken ct)
    {
        var groupSite = await _context.SiteOfAsync(group, ct);
        var userSite = await _context.SiteOfAsync(user, ct);
        return groupSite == userSite
            ? groupSite
            : throw new PlatformException(PlatformErrorKind.Invalid, $"group {group} belongs to site {groupSite} and user {user} to site {userSite}; members must be of the group's site.");
    }

    private async Task RequireSubjectAsync(SiteId site, string subject, CancellationToken ct)
    {
        var owner = IdKind.Of(subject) switch
        {
            var k when k == IdKind.User => await _context.SiteOfAsync(UserId.Parse(subject), ct),
            var k when k == IdKind.Group => await _context.SiteOfAsync(GroupId.Parse(subject), ct),
            var k => throw new PlatformException(PlatformErrorKind.Invalid,
                $"'{subject}' is {(k is null ? "not an ID" : k.Described)}; permissions are granted to a user (usr_…) or a group (grp_…)."),
        };
        if (owner != site)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{subject} belongs to site {owner}, not {site}.");
        }
    }

    private async Task<IReadOnlyList<StoredRecord>> ListAsync(SiteId site, CollectionDefinition collection, CancellationToken ct)
    {
        await _context.RequireSiteAsync(site, ct);
        return await _context.Store.Records.ListAsync(site.Tenant, collection.Name, ct);
    }

    private Task<StoredRecord?> GetAsync(SiteId site, CollectionDefinition collection, string id, CancellationToken ct) =>
        _context.Store.Records.GetAsync(site.Tenant, collection.Name, id, ct);

    internal static string RequireEmail(string email)
    {
        var e = email?.Trim().ToLowerInvariant() ?? "";
        return EmailShape().IsMatch(e) ? e : throw new PlatformException(PlatformErrorKind.Invalid, $"'{email}' is not an email address.");
    }

    internal static void RequireText(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > 200)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{what} must be 1 to 200 characters.");
        }
    }

    internal static string RequirePermission(string permission) =>
        PermissionShape().IsMatch(permission ?? "")
            ? permission!
            : throw new PlatformException(PlatformErrorKind.Invalid, $"'{permission}' is not a permission name: use lowercase words joined by dots, such as tracker.admin.");

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$")]
    private static partial Regex PermissionShape();
}
