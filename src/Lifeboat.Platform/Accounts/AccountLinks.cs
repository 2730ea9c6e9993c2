using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Accounts;

/// <summary>
/// Which account owns which site: linking, unlinking and moving a site, each in one transaction holding the
/// site's lock (the one every change to the site takes), audited under the account's ID. A link is ended,
/// never removed, so the rows are the history; the database holds a site to one owner (a partial unique index).
/// </summary>
internal sealed class AccountLinks
{
    private const string OwnerSql = $"""
        SELECT {CustomerAccount.Columns} FROM platform.account_sites s JOIN platform.accounts a ON a.account_id = s.account_id
        WHERE s.site_id = $1 AND s.unlinked_at IS NULL
        """;

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    public AccountLinks(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    /// <summary>Links <paramref name="site"/> to <paramref name="account"/>; with <paramref name="move"/>, takes it from the account that owns it now.</summary>
    public async Task<AccountLink> LinkAsync(AccountId account, SiteId site, bool move, CancellationToken ct)
    {
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
        await PlatformContext.LockSiteAsync(tx, site, ct);
        var target = await AccountInAsync(tx, account, ct);
        await SiteInAsync(tx, site, ct);
        var owner = await OwnerInAsync(tx, site, ct);
        if (owner is not null && owner.Id == account)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"site {site} belongs to {owner} already; nothing changed.");
        }

        if (owner is not null && !move)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"site {site} belongs to {owner} already, and a site has one owner. To give it to {target}, unlink it from {owner.Id} first, " +
                $"or move it in one step (lifeboat account link {account} {site} --move; over HTTP, \"move\": true); nothing changed.");
        }

        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        if (owner is not null)
        {
            batch.BatchCommands.Add(Ended(owner.Id, site));
            batch.BatchCommands.Add(_audit.Entry(owner.Id.Value, "site-unlinked", [owner.Id.Value, site.Value], new { site, movedTo = account }));
        }

        foreach (var write in Linked(account, site, movedFrom: owner?.Id))
        {
            batch.BatchCommands.Add(write);
        }

        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return new AccountLink(account, site, _context.Time.GetUtcNow(), _context.Actor, null, null);
    }

    /// <summary>Ends the link of <paramref name="site"/> to <paramref name="account"/>; refused when the account does not own it.</summary>
    public async Task<AccountLink> UnlinkAsync(AccountId account, SiteId site, CancellationToken ct)
    {
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
        await PlatformContext.LockSiteAsync(tx, site, ct);
        var from = await AccountInAsync(tx, account, ct);
        await SiteInAsync(tx, site, ct);
        var owner = await OwnerInAsync(tx, site, ct);
        if (owner is null || owner.Id != account)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"site {site} is not linked to {from}{(owner is null ? "" : $": it belongs to {owner}")}; nothing changed.");
        }

        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        var ended = Ended(account, site);
        ended.CommandText += " RETURNING linked_at, linked_by";
        batch.BatchCommands.Add(ended);
        batch.BatchCommands.Add(_audit.Entry(account.Value, "site-unlinked", [account.Value, site.Value], new { site }));
        AccountLink link;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            link = new AccountLink(account, site, reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), _context.Time.GetUtcNow(), _context.Actor);
        }

        await tx.CommitAsync(ct);
        return link;
    }

    /// <summary>
    /// The writes that link a site nobody owns: the link and its audit entry. A new site's import adds them to its
    /// own transaction, after the site's directory row; <see cref="LinkAsync"/> writes the same.
    /// </summary>
    public IEnumerable<NpgsqlBatchCommand> Linked(AccountId account, SiteId site, AccountId? movedFrom = null)
    {
        var link = new NpgsqlBatchCommand("INSERT INTO platform.account_sites (account_id, site_id, linked_at, linked_by) VALUES ($1, $2, $3, $4)");
        link.Parameters.Add(new() { Value = account.Value });
        link.Parameters.Add(new() { Value = site.Value });
        link.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        link.Parameters.Add(new() { Value = _context.Actor });
        yield return link;
        yield return _audit.Entry(account.Value, "site-linked", [account.Value, site.Value], movedFrom is null ? new { site } : new { site, movedFrom });
    }

    /// <summary>Every link the account has had, in force or ended, oldest first.</summary>
    public async Task<IReadOnlyList<AccountLink>> HistoryAsync(AccountId account, CancellationToken ct)
    {
        await using var cmd = _context.Command("""
            SELECT site_id, linked_at, linked_by, unlinked_at, unlinked_by FROM platform.account_sites WHERE account_id = $1 ORDER BY link_id
            """);
        cmd.Parameters.Add(new() { Value = account.Value });
        var links = new List<AccountLink>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            links.Add(new AccountLink(account, SiteId.Parse(reader.GetString(0)), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return links;
    }

    /// <summary>The account, read in the transaction; an unknown one is refused.</summary>
    internal static async Task<CustomerAccount> AccountInAsync(StoreTransaction tx, AccountId account, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {CustomerAccount.Columns} FROM platform.accounts a WHERE a.account_id = $1");
        cmd.Parameters.Add(new() { Value = account.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? CustomerAccount.Read(reader) : throw CustomerAccounts.Unknown(account);
    }

    /// <summary>The account that owns the site now, or null; read in the transaction (a new site's import has not committed yet).</summary>
    private static async Task<CustomerAccount?> OwnerInAsync(StoreTransaction tx, SiteId site, CancellationToken ct)
    {
        await using var cmd = tx.Command(OwnerSql);
        cmd.Parameters.Add(new() { Value = site.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? CustomerAccount.Read(reader) : null;
    }

    private static async Task SiteInAsync(StoreTransaction tx, SiteId site, CancellationToken ct)
    {
        await using var cmd = tx.Command($"{SiteDirectoryEntry.Select} WHERE d.site_id = $1");
        cmd.Parameters.Add(new() { Value = site.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"site {site} does not exist in this environment; nothing changed.");
        }
    }

    private NpgsqlBatchCommand Ended(AccountId account, SiteId site)
    {
        var cmd = new NpgsqlBatchCommand("""
            UPDATE platform.account_sites SET unlinked_at = $3, unlinked_by = $4
            WHERE account_id = $1 AND site_id = $2 AND unlinked_at IS NULL
            """);
        cmd.Parameters.Add(new() { Value = account.Value });
        cmd.Parameters.Add(new() { Value = site.Value });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        return cmd;
    }
}
