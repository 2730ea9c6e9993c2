using System.Text.RegularExpressions;
using Lifeboat.Platform.Identity;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Contacts;

public enum ContactRole
{
    Admin,
    Billing,
    Technical,
}

public sealed record Contact(ContactId Id, SiteId Site, ContactRole Role, string Name, string? Email, string? Phone);

/// <summary>
/// Key contacts of every site, kept OUTSIDE the sites' data: in a tenant of their own that no site
/// operation touches, so they survive a site's deletion and purge, and the people affected by an
/// incident can still be reached. Versioned (every change is kept) and exportable.
/// </summary>
public sealed partial class ContactDirectory
{
    /// <summary>The store tenant holding the directory. Site IDs start with "site_", so no site operation can name it.</summary>
    public static readonly TenantId DirectoryTenant = TenantId.Parse("lifeboat-contacts");

    internal static readonly CollectionDefinition Collection = new("contacts", "site", "role");

    private readonly PlatformContext _context;

    internal ContactDirectory(PlatformContext context) => _context = context;

    internal async Task EnsureAsync(CancellationToken ct)
    {
        if (await _context.Store.Tenants.FindAsync(DirectoryTenant, ct) is null)
        {
            try
            {
                await _context.Store.Tenants.CreateAsync(DirectoryTenant, ct);
            }
            catch (TenantAlreadyExistsException)
            {
                // created by another process starting at the same time
            }
        }
    }

    public async Task<Contact> AddAsync(SiteId site, ContactRole role, string name, string? email, string? phone, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        var contact = NewContact(site, role, name, email, phone);
        await _context.Store.Records.WriteAsync(Added(Batch(), contact), cancellationToken);
        return contact;
    }

    /// <summary>A new contact with a new ID; refuses one without a name or a way to reach them.</summary>
    internal Contact NewContact(SiteId site, ContactRole role, string name, string? email, string? phone) =>
        Validate(new Contact(TypedId.New<ContactId>(_context.Time), site, role, name, email, phone));

    /// <summary>A batch of writes to the directory's own tenant.</summary>
    internal WriteBatch Batch() => _context.Store.Records.Batch(DirectoryTenant);

    /// <summary>The writes that add a contact: the contact and its ID's directory row.</summary>
    internal WriteBatch Added(WriteBatch batch, Contact contact) =>
        batch.Put(Collection, contact.Id.Value, _context.Json(contact)).Include(_context.Directory(contact.Id.Value, IdKind.Contact, contact.Site));

    public async Task<Contact> UpdateAsync(ContactId id, string? name = null, string? email = null, string? phone = null, ContactRole? role = null,
        CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(id, cancellationToken);
        var updated = Validate(current with
        {
            Name = name ?? current.Name,
            Email = email ?? current.Email,
            Phone = phone ?? current.Phone,
            Role = role ?? current.Role,
        });
        await _context.Store.Records.PutAsync(DirectoryTenant, Collection, id.Value, _context.Json(updated), cancellationToken);
        return updated;
    }

    /// <summary>Removes a contact softly: its history stays.</summary>
    public async Task<bool> RemoveAsync(ContactId id, CancellationToken cancellationToken = default) =>
        (await _context.Store.Records.DeleteAsync(DirectoryTenant, Collection.Name, id.Value, cancellationToken)).Deleted > 0;

    public async Task<Contact> GetAsync(ContactId id, CancellationToken cancellationToken = default) =>
        (await _context.Store.Records.GetAsync(DirectoryTenant, Collection.Name, id.Value, cancellationToken))?.As<Contact>(PlatformJson.Options)
        ?? throw new PlatformException(PlatformErrorKind.NotFound, $"contact {id} does not exist (or was removed).");

    /// <summary>A site's contacts, whatever state the site is in (deleted and purged sites included).</summary>
    public async Task<IReadOnlyList<Contact>> OfSiteAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await _context.Store.Records.QueryAsync(DirectoryTenant, Collection, "site", site.Value, cancellationToken)).Select(r => r.As<Contact>(PlatformJson.Options)).ToList();

    /// <summary>Every version of a contact, oldest first.</summary>
    public async Task<IReadOnlyList<(long Position, DateTimeOffset At, string Actor, Contact? Contact)>> HistoryAsync(ContactId id, CancellationToken cancellationToken = default) =>
        (await _context.Store.Records.HistoryAsync(DirectoryTenant, Collection.Name, id.Value, cancellationToken))
            .Select(v => (v.Position, v.Stamp, v.Actor, v.Deleted ? null : v.As<Contact>(PlatformJson.Options))).ToList();

    /// <summary>Every live contact of every site, for a copy kept outside the product.</summary>
    public async Task<IReadOnlyList<Contact>> ExportAsync(CancellationToken cancellationToken = default) =>
        (await _context.Store.Records.ListAsync(DirectoryTenant, Collection.Name, cancellationToken)).Select(r => r.As<Contact>(PlatformJson.Options))
            .OrderBy(c => c.Site.Value, StringComparer.Ordinal).ThenBy(c => c.Role).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();

    private static Contact Validate(Contact c)
    {
        var (name, email, phone) = Reachable(c.Name, c.Email, c.Phone);
        return c with { Name = name, Email = email, Phone = phone };
    }

    /// <summary>
    /// A contact's name, e-mail address and phone number, trimmed and checked: a name, and an address or a
    /// number to reach them by. Site contacts and customer accounts' contacts are held to the same rules.
    /// </summary>
    internal static (string Name, string? Email, string? Phone) Reachable(string? givenName, string? givenEmail, string? givenPhone)
    {
        var name = givenName?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a contact needs a name (1 to 200 characters).");
        }

        var email = string.IsNullOrWhiteSpace(givenEmail) ? null : IdentityDirectory.RequireEmail(givenEmail);
        var phone = string.IsNullOrWhiteSpace(givenPhone) ? null : givenPhone.Trim();
        if (phone is not null && !PhoneShape().IsMatch(phone))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{givenPhone}' is not a phone number: use digits, spaces, '-', '(', ')' and a leading '+', 6 to 25 characters.");
        }

        if (email is null && phone is null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"contact '{name}' has no way to reach them: give an email address or a phone number.");
        }

        return (name, email, phone);
    }

    [GeneratedRegex(@"^\+?[0-9 ()-]{6,25}$")]
    private static partial Regex PhoneShape();
}
