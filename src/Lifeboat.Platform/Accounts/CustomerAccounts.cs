using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Internal;
using Npgsql;

namespace Lifeboat.Platform.Accounts;

/// <summary>
/// Customer accounts: who owns which sites and whom to reach about them. Kept in the platform's own tables,
/// outside every site's tenant, so an account, its links and its contacts outlive the deletion and the purge
/// of its sites. Every change is audited under the account's ID and ends rows rather than removing them.
/// The reads that incident communication and support make for hundreds of sites at once are one or two
/// round trips each, never one per site.
/// </summary>
public sealed class CustomerAccounts
{
    public const int MaxList = 1000;

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;
    private readonly Sites _sites;

    internal CustomerAccounts(PlatformContext context, AuditLog audit, Sites sites)
    {
        _context = context;
        _audit = audit;
        _sites = sites;
        Links = new AccountLinks(context, audit);
    }

    internal AccountLinks Links { get; }

    /// <summary>A new account, with its first key contacts, in one transaction; refused whole, having written nothing, when any part is bad.</summary>
    public async Task<CustomerAccount> CreateAsync(string name, SupportTier tier, string region, IReadOnlyList<AccountContactDraft>? contacts = null,
        CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(tier))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{tier}' is not a support tier; use one of: {string.Join(", ", Enum.GetNames<SupportTier>())}.");
        }

        _sites.RequireRegion(region, "an account is in one of the regions sites use");
        var account = new CustomerAccount(TypedId.New<AccountId>(_context.Time), AccountWords.Name(name), tier, region, Now());
        var settled = (contacts ?? []).Select(c => NewContact(account.Id, c)).ToList();
        RequireDistinct(settled);

        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO platform.accounts (account_id, name, support_tier, region, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
            """);
        insert.Parameters.Add(new() { Value = account.Id.Value });
        insert.Parameters.Add(new() { Value = account.Name });
        insert.Parameters.Add(new() { Value = account.Tier.ToString() });
        insert.Parameters.Add(new() { Value = account.Region });
        insert.Parameters.Add(new() { Value = account.CreatedAt });
        insert.Parameters.Add(new() { Value = _context.Actor });
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(_audit.Entry(account.Id.Value, "account-created", [account.Id.Value],
            new { account.Name, tier = account.Tier.ToString(), account.Region }));
        foreach (var contact in settled)
        {
            batch.BatchCommands.Add(ContactAdded(contact));
            batch.BatchCommands.Add(ContactAudit(contact));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return account;
    }

    public async Task<CustomerAccount> GetAsync(AccountId account, CancellationToken cancellationToken = default) =>
        await FindByIdAsync(account, cancellationToken) ?? throw Unknown(account);

    /// <summary>Accounts in ID (creation) order; page with <paramref name="after"/>, the last ID of the previous page.</summary>
    public async Task<IReadOnlyList<CustomerAccount>> ListAsync(AccountId? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        RequireLimit(limit);
        await using var cmd = _context.Command($"""
            SELECT {CustomerAccount.Columns} FROM platform.accounts a WHERE ($1::text IS NULL OR a.account_id > $1) ORDER BY a.account_id LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = (object?)after?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        return await ReadAccountsAsync(cmd, cancellationToken);
    }

    /// <summary>Accounts whose name contains <paramref name="text"/> (any case), names that start with it first, then by name.</summary>
    public async Task<IReadOnlyList<CustomerAccount>> FindAsync(string text, int limit = 100, CancellationToken cancellationToken = default)
    {
        RequireLimit(limit);
        var words = text?.Trim();
        if (string.IsNullOrEmpty(words) || words.Length > AccountWords.MaxName)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"say what to look for: part of an account's name, 1 to {AccountWords.MaxName} characters.");
        }

        var pattern = words.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
        await using var cmd = _context.Command($"""
            SELECT {CustomerAccount.Columns} FROM platform.accounts a
            WHERE lower(a.name) LIKE '%' || lower($1) || '%'
            ORDER BY lower(a.name) LIKE lower($1) || '%' DESC, lower(a.name), a.account_id LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = pattern });
        cmd.Parameters.Add(new() { Value = limit });
        return await ReadAccountsAsync(cmd, cancellationToken);
    }

    /// <summary>Links a site to the account. A site owned by another account is refused naming it, unless <paramref name="move"/> takes it over in the same step.</summary>
    public Task<AccountLink> LinkAsync(AccountId account, SiteId site, bool move = false, CancellationToken cancellationToken = default) =>
        Links.LinkAsync(account, site, move, cancellationToken);

    /// <summary>Ends the site's link to the account (the link stays in the history).</summary>
    public Task<AccountLink> UnlinkAsync(AccountId account, SiteId site, CancellationToken cancellationToken = default) =>
        Links.UnlinkAsync(account, site, cancellationToken);

    /// <summary>Every link the account has had, in force or ended, oldest first.</summary>
    public async Task<IReadOnlyList<AccountLink>> LinkHistoryAsync(AccountId account, CancellationToken cancellationToken = default)
    {
        await GetAsync(account, cancellationToken);
        return await Links.HistoryAsync(account, cancellationToken);
    }

    /// <summary>The account that owns the site now, or null (a site nobody owns, or one this environment does not know).</summary>
    public async Task<CustomerAccount?> AccountOfSiteAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await AccountsOfSitesAsync([site], cancellationToken)).GetValueOrDefault(site);

    /// <summary>Each given site's account, in one query; sites nobody owns are left out of the map.</summary>
    public async Task<IReadOnlyDictionary<SiteId, CustomerAccount>> AccountsOfSitesAsync(IEnumerable<SiteId> sites, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var ids = sites.Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray();
        var map = new Dictionary<SiteId, CustomerAccount>();
        if (ids.Length == 0)
        {
            return map;
        }

        await using var cmd = _context.Command($"""
            SELECT s.site_id, {CustomerAccount.Columns} FROM platform.account_sites s JOIN platform.accounts a ON a.account_id = s.account_id
            WHERE s.site_id = ANY($1) AND s.unlinked_at IS NULL
            """);
        cmd.Parameters.Add(new() { Value = ids });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            map[SiteId.Parse(reader.GetString(0))] = CustomerAccount.Read(reader, 1);
        }

        return map;
    }

    /// <summary>The account's sites with each one's state now (deleted and purged sites included), in ID order; one round trip.</summary>
    public async Task<IReadOnlyList<AccountSite>> SitesAsync(AccountId account, CancellationToken cancellationToken = default)
    {
        await using var batch = _context.Store.DataSource.CreateBatch();
        batch.BatchCommands.Add(AccountRow(account));
        batch.BatchCommands.Add(SitesRows(account));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        _ = await ReadAccountRowAsync(reader, account, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await ReadSitesAsync(reader, cancellationToken);
    }

    /// <summary>The account's own key contacts (removed ones with <paramref name="includeRemoved"/>), by role and name.</summary>
    public async Task<IReadOnlyList<AccountContact>> ContactsAsync(AccountId account, bool includeRemoved = false, CancellationToken cancellationToken = default)
    {
        await using var batch = _context.Store.DataSource.CreateBatch();
        batch.BatchCommands.Add(AccountRow(account));
        batch.BatchCommands.Add(ContactRows(account, includeRemoved));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        _ = await ReadAccountRowAsync(reader, account, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await ReadContactsAsync(reader, account, cancellationToken);
    }

    /// <summary>Adds a key contact to the account. The same address may be a contact of other accounts; twice in one role of one account is refused.</summary>
    public async Task<AccountContact> AddContactAsync(AccountId account, AccountContactDraft contact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var settled = NewContact(account, contact);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        var owner = await AccountLinks.AccountInAsync(tx, account, cancellationToken);
        await using (var cmd = tx.Command("""
            SELECT contact_id FROM platform.account_contacts
            WHERE account_id = $1 AND role = $2 AND lower(email) = lower($3) AND removed_at IS NULL
            """))
        {
            cmd.Parameters.Add(new() { Value = account.Value });
            cmd.Parameters.Add(new() { Value = settled.Role.ToString() });
            cmd.Parameters.Add(new() { Value = (object?)settled.Email ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            if (await cmd.ExecuteScalarAsync(cancellationToken) is string existing)
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"{settled.Email} is {owner}'s {settled.Role.ToString().ToLowerInvariant()} contact already ({existing}); nothing changed.");
            }
        }

        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        batch.BatchCommands.Add(ContactAdded(settled));
        batch.BatchCommands.Add(ContactAudit(settled));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return settled;
    }

    /// <summary>Removes a key contact from the account softly: the row stays, ended, as its history.</summary>
    public async Task<AccountContact> RemoveContactAsync(AccountId account, ContactId contact, CancellationToken cancellationToken = default)
    {
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        var owner = await AccountLinks.AccountInAsync(tx, account, cancellationToken);
        AccountContact removed;
        await using (var cmd = tx.Command("""
            UPDATE platform.account_contacts SET removed_at = $3, removed_by = $4
            WHERE account_id = $1 AND contact_id = $2 AND removed_at IS NULL
            RETURNING contact_id, role, name, email, phone, added_at, added_by, removed_at, removed_by
            """))
        {
            cmd.Parameters.Add(new() { Value = account.Value });
            cmd.Parameters.Add(new() { Value = contact.Value });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            removed = await reader.ReadAsync(cancellationToken)
                ? ReadContact(reader, account)
                : throw new PlatformException(PlatformErrorKind.NotFound, $"{owner} has no contact {contact} (or it was removed already); nothing changed.");
        }

        await _audit.WriteAsync(account.Value, "contact-removed", null, [account.Value, contact.Value], new { contact, removed.Email, removed.Role }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>
    /// Whom to reach about the account: its own contacts, then those of each site it owns (whatever the site's
    /// state), one entry per e-mail address (case-insensitive), each saying where it came from. Two round trips:
    /// the account's rows, then its sites' contacts from the contact directory in one statement.
    /// </summary>
    public async Task<IReadOnlyList<KeyContact>> KeyContactsAsync(AccountId account, CancellationToken cancellationToken = default) =>
        (await ViewAsync(account, cancellationToken)).KeyContacts;

    /// <summary>The account, its sites with their states and its key contacts: support's one view of a customer. Two round trips.</summary>
    public async Task<AccountView> ViewAsync(AccountId account, CancellationToken cancellationToken = default)
    {
        CustomerAccount found;
        IReadOnlyList<AccountSite> sites;
        IReadOnlyList<AccountContact> own;
        await using (var batch = _context.Store.DataSource.CreateBatch())
        {
            batch.BatchCommands.Add(AccountRow(account));
            batch.BatchCommands.Add(SitesRows(account));
            batch.BatchCommands.Add(ContactRows(account, includeRemoved: false));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            found = await ReadAccountRowAsync(reader, account, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            sites = await ReadSitesAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            own = await ReadContactsAsync(reader, account, cancellationToken);
        }

        var ofSites = (await _context.Store.Records.QueryAnyAsync(ContactDirectory.DirectoryTenant, ContactDirectory.Collection, "site",
                sites.Select(s => (object)s.Site.Id.Value), cancellationToken))
            .Select(r => r.As<Contact>(PlatformJson.Options))
            .OrderBy(c => c.Site.Value, StringComparer.Ordinal).ThenBy(c => c.Role).ThenBy(c => c.Name, StringComparer.Ordinal);
        return new AccountView(found, sites, KeyContacts(own, ofSites));
    }

    internal static PlatformException Unknown(AccountId account) =>
        new(PlatformErrorKind.NotFound, $"customer account {account} does not exist in this environment; list the accounts (or find one by name) for its ID.");

    /// <summary>The account's own contacts first, then its sites', merged by e-mail address; contacts with only a phone number are each their own.</summary>
    private static List<KeyContact> KeyContacts(IEnumerable<AccountContact> own, IEnumerable<Contact> ofSites)
    {
        var list = new List<(KeyContact Contact, List<KeyContactSource> Also)>();
        var byEmail = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        void Add(ContactRole role, string name, string? email, string? phone, KeyContactSource source)
        {
            if (email is not null && byEmail.TryGetValue(email, out var at))
            {
                list[at].Also.Add(source);
                return;
            }

            if (email is not null)
            {
                byEmail[email] = list.Count;
            }

            var also = new List<KeyContactSource>();
            list.Add((new KeyContact(role, name, email, phone, source, also), also));
        }

        foreach (var c in own)
        {
            Add(c.Role, c.Name, c.Email, c.Phone, new KeyContactSource(c.Id, null));
        }

        foreach (var c in ofSites)
        {
            Add(c.Role, c.Name, c.Email, c.Phone, new KeyContactSource(c.Id, c.Site));
        }

        return [.. list.Select(e => e.Contact)];
    }

    private AccountContact NewContact(AccountId account, AccountContactDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (!Enum.IsDefined(draft.Role))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{draft.Role}' is not a contact role; use one of: {string.Join(", ", Enum.GetNames<ContactRole>())}.");
        }

        var (name, email, phone) = ContactDirectory.Reachable(draft.Name, draft.Email, draft.Phone);
        return new AccountContact(TypedId.New<ContactId>(_context.Time), account, draft.Role, name, email, phone, Now(), _context.Actor);
    }

    /// <summary>Now, to PostgreSQL's microsecond: what is returned equals what is read back.</summary>
    private DateTimeOffset Now()
    {
        var now = _context.Time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private static void RequireDistinct(List<AccountContact> contacts)
    {
        var twice = contacts.Where(c => c.Email is not null).GroupBy(c => (c.Role, Email: c.Email!.ToLowerInvariant())).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{twice.Key.Email} is listed twice as the {twice.Key.Role.ToString().ToLowerInvariant()} contact; list each once.");
        }
    }

    private static void RequireLimit(int limit)
    {
        if (limit is < 1 or > MaxList)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"list 1 to {MaxList} accounts at a time, not {limit}; page with the last ID of the previous page.");
        }
    }

    private NpgsqlBatchCommand ContactAdded(AccountContact c)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO platform.account_contacts (account_id, contact_id, role, name, email, phone, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """);
        cmd.Parameters.Add(new() { Value = c.Account.Value });
        cmd.Parameters.Add(new() { Value = c.Id.Value });
        cmd.Parameters.Add(new() { Value = c.Role.ToString() });
        cmd.Parameters.Add(new() { Value = c.Name });
        cmd.Parameters.Add(new() { Value = (object?)c.Email ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)c.Phone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = c.AddedAt });
        cmd.Parameters.Add(new() { Value = c.AddedBy });
        return cmd;
    }

    private NpgsqlBatchCommand ContactAudit(AccountContact c) =>
        _audit.Entry(c.Account.Value, "contact-added", [c.Account.Value, c.Id.Value], new { contact = c.Id, role = c.Role.ToString(), c.Name, c.Email, c.Phone });

    private static NpgsqlBatchCommand AccountRow(AccountId account)
    {
        var cmd = new NpgsqlBatchCommand($"SELECT {CustomerAccount.Columns} FROM platform.accounts a WHERE a.account_id = $1");
        cmd.Parameters.Add(new() { Value = account.Value });
        return cmd;
    }

    private static NpgsqlBatchCommand SitesRows(AccountId account)
    {
        var cmd = new NpgsqlBatchCommand("""
            SELECT d.site_id, d.name, d.region, d.internal, d.created_at,
                   CASE WHEN t.restore_id IS NOT NULL THEN 'Restoring' ELSE t.state END,
                   s.linked_at, s.linked_by
            FROM platform.account_sites s
            JOIN platform.site_directory d ON d.site_id = s.site_id
            JOIN lifeboat.tenants t ON t.tenant_id = s.site_id
            WHERE s.account_id = $1 AND s.unlinked_at IS NULL
            ORDER BY s.site_id
            """);
        cmd.Parameters.Add(new() { Value = account.Value });
        return cmd;
    }

    private static NpgsqlBatchCommand ContactRows(AccountId account, bool includeRemoved)
    {
        var cmd = new NpgsqlBatchCommand("""
            SELECT contact_id, role, name, email, phone, added_at, added_by, removed_at, removed_by FROM platform.account_contacts
            WHERE account_id = $1 AND ($2 OR removed_at IS NULL)
            ORDER BY CASE role WHEN 'Admin' THEN 0 WHEN 'Billing' THEN 1 ELSE 2 END, name, contact_id
            """);
        cmd.Parameters.Add(new() { Value = account.Value });
        cmd.Parameters.Add(new() { Value = includeRemoved });
        return cmd;
    }

    private static async Task<CustomerAccount> ReadAccountRowAsync(NpgsqlDataReader reader, AccountId account, CancellationToken ct) =>
        await reader.ReadAsync(ct) ? CustomerAccount.Read(reader) : throw Unknown(account);

    private static async Task<IReadOnlyList<AccountSite>> ReadSitesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var sites = new List<AccountSite>();
        while (await reader.ReadAsync(ct))
        {
            sites.Add(new AccountSite(SiteDirectoryEntry.Read(reader), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7)));
        }

        return sites;
    }

    private static async Task<IReadOnlyList<AccountContact>> ReadContactsAsync(NpgsqlDataReader reader, AccountId account, CancellationToken ct)
    {
        var contacts = new List<AccountContact>();
        while (await reader.ReadAsync(ct))
        {
            contacts.Add(ReadContact(reader, account));
        }

        return contacts;
    }

    private static AccountContact ReadContact(NpgsqlDataReader r, AccountId account) =>
        new(ContactId.Parse(r.GetString(0)), account, Enum.Parse<ContactRole>(r.GetString(1)), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.GetFieldValue<DateTimeOffset>(5), r.GetString(6),
            r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetString(8));

    private async Task<CustomerAccount?> FindByIdAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = _context.Command($"SELECT {CustomerAccount.Columns} FROM platform.accounts a WHERE a.account_id = $1");
        cmd.Parameters.Add(new() { Value = account.Value });
        var found = await ReadAccountsAsync(cmd, ct);
        return found.Count == 0 ? null : found[0];
    }

    private static async Task<IReadOnlyList<CustomerAccount>> ReadAccountsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<CustomerAccount>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(CustomerAccount.Read(reader));
        }

        return list;
    }
}
