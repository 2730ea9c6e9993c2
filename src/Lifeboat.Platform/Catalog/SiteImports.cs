using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Identity;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Catalog;

/// <summary>
/// Creates a whole site — profile, licences, provisioned products, apps, people, groups, memberships,
/// permissions, flags and key contacts — in one transaction of a few round trips, where the ordinary
/// operations take one transaction each (some thirty for a small team's site). It writes exactly
/// what those operations write, through the same builders: the same records in the same collections,
/// the same ID directory rows, the same events with the same payloads in the same order, and one
/// lifecycle entry. Only positions and commit times differ: everything shares one.
/// </summary>
public sealed class SiteImports
{
    private readonly PlatformContext _context;
    private readonly Sites _sites;
    private readonly Provisioning _provisioning;
    private readonly Apps _apps;
    private readonly IdentityDirectory _identity;
    private readonly FeatureFlags _flags;
    private readonly ContactDirectory _contacts;
    private readonly CustomerAccounts _accounts;

    internal SiteImports(PlatformContext context, Sites sites, Provisioning provisioning, Apps apps, IdentityDirectory identity, FeatureFlags flags, ContactDirectory contacts,
        CustomerAccounts accounts)
    {
        _accounts = accounts;
        _context = context;
        _sites = sites;
        _provisioning = provisioning;
        _apps = apps;
        _identity = identity;
        _flags = flags;
        _contacts = contacts;
    }

    /// <summary>
    /// Creates the site and everything the import lists, or refuses the import with a message that
    /// names what is wrong, having written nothing. Every product an active licence covers is
    /// provisioned, as <see cref="Provisioning.ReconcileAsync"/> would.
    /// </summary>
    public Task<ImportedSite> ImportAsync(SiteImport import, CancellationToken cancellationToken = default) =>
        ImportAsync(import, null, cancellationToken);

    /// <summary>
    /// Creates the site as <see cref="ImportAsync(SiteImport, CancellationToken)"/> does and, in the same
    /// transaction, the site's own records that <paramref name="siteData"/> builds once the site's people and
    /// things have their IDs (its products' issues and pages, say): one commit for a whole site.
    /// Every batch must be the new site's, and hold its products' collections only: the platform's own
    /// (<see cref="SiteData"/>) are the import's to write, after these batches.
    /// </summary>
    public async Task<ImportedSite> ImportAsync(SiteImport import, Func<ImportedSite, IEnumerable<WriteBatch>>? siteData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(import);
        var site = Settle(import);
        var data = siteData?.Invoke(site.Imported).ToList() ?? [];
        foreach (var batch in data)
        {
            if (batch is null || batch.Tenant != site.Imported.Id.Tenant)
            {
                throw Invalid($"the site's data must be batches of the new site's own tenant ({site.Imported.Id}), not {(batch is null ? "an empty entry" : $"of {batch.Tenant}")}.");
            }
        }

        // Both catalogs are read at once: one round trip's wait instead of two.
        await Task.WhenAll(
            _provisioning.RequireProductsAsync([.. site.Imported.Licences.Select(l => l.Product)], cancellationToken),
            _apps.RequireAppsAsync([.. site.Imported.Apps.Select(a => a.App)], cancellationToken));
        if (import.Account is { } account)
        {
            // Accounts are never removed, so one that exists now still does at the commit.
            await _accounts.GetAsync(account, cancellationToken);
        }

        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await Sites.ReserveNameAsync(tx, site.Imported.Profile, cancellationToken);
        await _context.Store.Tenants.CreateAsync(site.Imported.Id.Tenant, tx, cancellationToken);
        if (site.Contacts.Count > 0)
        {
            await _context.Store.Records.WriteAsync(site.Contacts, tx, cancellationToken);
        }

        foreach (var batch in data)
        {
            await _context.Store.Records.WriteAsync(batch, tx, cancellationToken);
        }

        // A flag set by an import is audited as one set by FeatureFlags.SetAsync is: rollback risk reads flag changes there.
        foreach (var flag in site.Imported.Flags)
        {
            await _flags.AuditAsync(tx, site.Imported.Id, flag, cancellationToken);
        }

        // The site's batch holds the events, and goes last: the outbox lock they take is held from
        // there to the commit, so other sites' event-producing changes wait for one round trip only.
        await _context.Store.Records.WriteAsync(site.Writes, tx, cancellationToken);
        if (import.Account is { } owner)
        {
            // After the site's directory row, which the link refers to: what LinkAsync writes for a site nobody owns.
            await using var link = new Npgsql.NpgsqlBatch(tx.Connection, tx.Transaction);
            foreach (var write in _accounts.Links.Linked(owner, site.Imported.Id))
            {
                link.BatchCommands.Add(write);
            }

            await link.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return site.Imported;
    }

    /// <summary>Checks every entry, gives every new thing its ID and builds the writes, in the order the ordinary operations would run.</summary>
    private SettledImport Settle(SiteImport import)
    {
        var profile = _sites.NewProfile(import.Name, import.Region, import.Internal);
        var site = profile.Id;
        var writes = _sites.Created(profile);

        var licences = Entries(import.Licences, "licences").Select(l => _provisioning.NewLicence(site, Known(l.Product, "a licence"), l.Seats)).ToList();
        foreach (var licence in licences)
        {
            _provisioning.Granted(writes, licence);
        }

        var provisioned = Provisioning.ReconcileChanges(licences.Select(l => l.Product), new Dictionary<ProductId, ProductState>());
        foreach (var change in provisioned)
        {
            _provisioning.Reconciled(writes, site, change);
        }

        var apps = Entries(import.Apps, "apps").Select(a => _apps.NewInstallation(site, Known(a, "an app installation"))).ToList();
        foreach (var installation in apps)
        {
            _apps.Installed(writes, installation);
        }

        var users = new Dictionary<string, User>(StringComparer.Ordinal);
        var userList = new List<User>();
        foreach (var u in Entries(import.Users, "users"))
        {
            var user = _identity.NewUser(site, u.Email, u.Name);
            if (!users.TryAdd(user.Email, user))
            {
                throw Invalid($"the import lists the user {user.Email} twice; list each person once.");
            }

            userList.Add(user);
            _identity.Added(writes, user);
        }

        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var groupList = new List<Group>();
        foreach (var name in Entries(import.Groups, "groups"))
        {
            var group = _identity.NewGroup(site, name);
            if (!groups.TryAdd(group.Name, group))
            {
                throw Invalid($"the import lists the group '{group.Name}' twice; list each group once.");
            }

            groupList.Add(group);
            _identity.Added(writes, group);
        }

        // Adding a member or granting a permission twice changes nothing, in the ordinary operations as here.
        var memberships = new HashSet<(GroupId, UserId)>();
        foreach (var m in Entries(import.Memberships, "memberships"))
        {
            var group = GroupNamed(groups, m.Group, $"the membership of {m.UserEmail}");
            var user = UserWith(users, m.UserEmail, $"the membership in group '{m.Group}'");
            if (memberships.Add((group.Id, user.Id)))
            {
                _identity.Member(writes, group.Id, user.Id);
            }
        }

        var permissions = new List<Permission>();
        foreach (var p in Entries(import.Permissions, "permissions"))
        {
            var name = IdentityDirectory.RequirePermission(p.Permission);
            var subject = (p.Group, p.UserEmail) switch
            {
                ({ } group, null) => GroupNamed(groups, group, $"permission {name}").Id.Value,
                (null, { } email) => UserWith(users, email, $"permission {name}").Id.Value,
                _ => throw Invalid($"permission {name} must name either a group or a user of the import (not {(p.Group is null ? "neither" : "both")})."),
            };
            var permission = new Permission(subject, name);
            if (!permissions.Contains(permission))
            {
                permissions.Add(permission);
                _identity.Granted(writes, subject, name);
            }
        }

        var flags = new List<FeatureFlag>();
        foreach (var f in Entries(import.Flags, "flags"))
        {
            var flag = FeatureFlags.NewFlag(f.Key, f.Enabled);
            if (flags.Any(other => other.Key == flag.Key))
            {
                throw Invalid($"the import sets flag '{flag.Key}' twice; give each flag once.");
            }

            flags.Add(flag);
            _flags.Set(writes, flag);
        }

        var contacts = Entries(import.Contacts, "contacts").Select(c => _contacts.NewContact(site, c.Role, c.Name, c.Email, c.Phone)).ToList();
        var contactWrites = _contacts.Batch();
        foreach (var contact in contacts)
        {
            _contacts.Added(contactWrites, contact);
        }

        return new SettledImport(
            new ImportedSite(profile, licences, provisioned, apps, userList, groupList, permissions, flags, contacts),
            writes, contactWrites);
    }

    private static IEnumerable<T> Entries<T>(IReadOnlyList<T>? entries, string what)
    {
        foreach (var entry in entries ?? [])
        {
            yield return entry ?? throw Invalid($"the import's {what} include an empty entry; remove it.");
        }
    }

    private static T Known<T>(T id, string what)
        where T : struct, ITypedId<T> =>
        id.Value is null ? throw Invalid($"{what} of the import has no {T.Kind.Name} ID; give one ({T.Kind.Prefix}_…).") : id;

    private static Group GroupNamed(Dictionary<string, Group> groups, string? name, string what) =>
        groups.GetValueOrDefault(name?.Trim() ?? "")
        ?? throw Invalid($"{what} names the group '{name}', which the import does not create; add it to the groups, or leave that entry out.");

    private static User UserWith(Dictionary<string, User> users, string? email, string what) =>
        users.GetValueOrDefault(email?.Trim().ToLowerInvariant() ?? "")
        ?? throw Invalid($"{what} names the user {email}, whom the import does not add; add them to the users, or leave that entry out.");

    private static PlatformException Invalid(string message) => new(PlatformErrorKind.Invalid, message);

    private sealed record SettledImport(ImportedSite Imported, WriteBatch Writes, WriteBatch Contacts);
}
