using System.Text.Json;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Internal;

/// <summary>What every part of the platform shares: the store (acting as someone), the options, the clock.</summary>
internal sealed class PlatformContext(TenantStore store, PlatformOptions options, PolicyCache? policyCache = null, TokenUsage? tokenUsage = null)
{
    private const long OutboxLockKey = 0x4C42_4F55_5442_4F58; // "LBOUTBOX"

    public TenantStore Store { get; } = store;

    public PlatformOptions Options { get; } = options;

    /// <summary>The policy in force as last read, shared by every actor's view of one opened platform.</summary>
    public PolicyCache PolicyCache { get; } = policyCache ?? new();

    /// <summary>Tokens used since the last flush, shared by every actor's view of one opened platform.</summary>
    public TokenUsage TokenUsage { get; } = tokenUsage ?? new();

    public TimeProvider Time => Options.Store.TimeProvider;

    public string Actor => Store.Actor;

    public PlatformContext WithActor(string actor) => new(Store.WithActor(actor), Options, PolicyCache, TokenUsage);

    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the platform is a constant in this assembly
        return Store.DataSource.CreateCommand(sql);
#pragma warning restore CA2100
    }

    /// <summary>
    /// Serializes the platform's read-decide-write changes to one site: held until the transaction
    /// commits, so a second change reads what the first one wrote.
    /// </summary>
    public static async Task LockSiteAsync(StoreTransaction tx, SiteId site, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 7200))");
        cmd.Parameters.Add(new() { Value = site.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// An event, committed with the change it announces. The lock makes positions follow commit
    /// order, so consumers reading after their cursor never skip one.
    /// </summary>
    public NpgsqlBatchCommand Event(string type, SiteId? site, string? subject, object payload)
    {
        var cmd = new NpgsqlBatchCommand($"""
            WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock({OutboxLockKey}))
            INSERT INTO platform.outbox (position, event_type, site_id, subject, payload, actor, at)
            SELECT nextval('platform.outbox_position'), $1, $2, $3, $4, $5, $6 FROM l
            """);
        cmd.Parameters.Add(new() { Value = type });
        cmd.Parameters.Add(new() { Value = (object?)site?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)subject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(payload, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new() { Value = Actor });
        cmd.Parameters.Add(new() { Value = Time.GetUtcNow() });
        return cmd;
    }

    public async Task AppendAsync(StoreTransaction tx, NpgsqlBatchCommand command, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records which site a site-scoped ID belongs to.</summary>
    public NpgsqlBatchCommand Directory(string id, IdKind kind, SiteId site)
    {
        var cmd = new NpgsqlBatchCommand("INSERT INTO platform.id_directory (id, kind, site_id, created_at) VALUES ($1, $2, $3, $4)");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = kind.Prefix });
        cmd.Parameters.Add(new() { Value = site.Value });
        cmd.Parameters.Add(new() { Value = Time.GetUtcNow() });
        return cmd;
    }

    /// <summary>The site a site-scoped ID belongs to; refuses IDs this environment never issued.</summary>
    public async Task<SiteId> SiteOfAsync<T>(T id, CancellationToken ct)
        where T : struct, ITypedId<T>
    {
        await using var cmd = Command("SELECT site_id FROM platform.id_directory WHERE id = $1");
        cmd.Parameters.Add(new() { Value = id.Value });
        return await cmd.ExecuteScalarAsync(ct) is string site
            ? SiteId.Parse(site)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"{T.Kind.Name} {id.Value} does not exist in this environment.");
    }

    /// <summary>Refuses a site this environment does not know (deleted sites are known: they can be restored).</summary>
    public async Task<SiteDirectoryEntry> RequireSiteAsync(SiteId site, CancellationToken ct) =>
        await FindSiteAsync(site, ct) ?? throw new PlatformException(PlatformErrorKind.NotFound, $"site {site} does not exist in this environment.");

    public async Task<SiteDirectoryEntry?> FindSiteAsync(SiteId site, CancellationToken ct)
    {
        await using var cmd = Command($"{SiteDirectoryEntry.Select} WHERE d.site_id = $1");
        cmd.Parameters.Add(new() { Value = site.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? SiteDirectoryEntry.Read(reader) : null;
    }

    /// <summary>Runs a change to one site in a transaction holding the site's lock; commits when the change returns.</summary>
    public async Task<T> ChangeSiteAsync<T>(SiteId site, Func<StoreTransaction, Task<T>> change, CancellationToken ct)
    {
        await using var tx = await Store.BeginTransactionAsync(ct);
        await LockSiteAsync(tx, site, ct);
        var result = await change(tx);
        await tx.CommitAsync(ct);
        return result;
    }

    public JsonElement Json<T>(T value) => JsonSerializer.SerializeToElement(value, PlatformJson.Options);
}
