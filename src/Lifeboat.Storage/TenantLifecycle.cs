using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// Creates tenants and moves them through their lifecycle. Deleting a tenant only changes its state:
/// its data stays, intact, until the retention job purges it after the retention window.
/// </summary>
public sealed class TenantLifecycle
{
    private const string InfoColumns = "tenant_id, state, created_at, created_position, state_changed_at, state_position, restore_id";

    private readonly StoreContext _context;

    internal TenantLifecycle(StoreContext context) => _context = context;

    public Task<TenantInfo> CreateAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        CreateAsync(tenant, null, cancellationToken);

    /// <summary>Creates the tenant, Active; inside <paramref name="transaction"/> its first records can commit with it.</summary>
    public async Task<TenantInfo> CreateAsync(TenantId tenant, StoreTransaction? transaction, CancellationToken cancellationToken = default)
    {
        Require(tenant);
        await using var cmd = _context.Command($"""
            WITH g AS (SELECT * FROM lifeboat.take_position()),
            h AS (INSERT INTO lifeboat.tenant_history (tenant_id, position, stamp, state, actor, reason)
                  SELECT $1, g.pos, g.stamp, 'Active', $2, 'created' FROM g)
            INSERT INTO lifeboat.tenants (tenant_id, state, created_position, created_at, state_position, state_changed_at)
            SELECT $1, 'Active', g.pos, g.stamp, g.pos, g.stamp FROM g
            RETURNING {InfoColumns}
            """, transaction?.Connection, transaction?.Transaction);
        cmd.Parameters.Add(new() { Value = tenant.Value });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return ReadInfo(reader);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && transaction is null)
        {
            var existing = await GetAsync(tenant, cancellationToken);
            throw new TenantAlreadyExistsException(tenant, existing.State == TenantState.Purged
                ? $"tenant {tenant} existed and was purged; tenant IDs are never reused. Choose a new ID."
                : $"tenant {tenant} already exists (it is {existing.State}).");
        }
    }

    public async Task<TenantInfo> GetAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        await FindAsync(tenant, cancellationToken)
        ?? throw new TenantNotFoundException(tenant, $"tenant {tenant} does not exist. Check the tenant ID.");

    public async Task<TenantInfo?> FindAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        Require(tenant);
        await using var cmd = _context.Command($"SELECT {InfoColumns} FROM lifeboat.tenants WHERE tenant_id = $1");
        cmd.Parameters.Add(new() { Value = tenant.Value });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadInfo(reader) : null;
    }

    /// <summary>Tenants in ID order, optionally only those in one state (Restoring included).</summary>
    public async Task<IReadOnlyList<TenantInfo>> ListAsync(TenantState? state = null, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"""
            SELECT {InfoColumns} FROM lifeboat.tenants
            WHERE $1::text IS NULL
               OR ($1 = 'Restoring' AND restore_id IS NOT NULL)
               OR (restore_id IS NULL AND state = $1)
            ORDER BY tenant_id
            """);
        cmd.Parameters.Add(new() { Value = (object?)state?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<TenantInfo>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadInfo(reader));
        }

        return list;
    }

    /// <summary>Closes the tenant to writes; reads go on. Suspending a suspended tenant changes nothing.</summary>
    public Task<TenantStateChange?> SuspendAsync(TenantId tenant, string reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Active], TenantState.Suspended, reason, null, cancellationToken);

    public Task<TenantStateChange?> SuspendAsync(TenantId tenant, string reason, StoreTransaction? transaction, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Active], TenantState.Suspended, reason, transaction, cancellationToken);

    public Task<TenantStateChange?> ResumeAsync(TenantId tenant, string reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Suspended], TenantState.Active, reason, null, cancellationToken);

    public Task<TenantStateChange?> ResumeAsync(TenantId tenant, string reason, StoreTransaction? transaction, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Suspended], TenantState.Active, reason, transaction, cancellationToken);

    /// <summary>Soft delete: the tenant becomes invisible and closed to writes; nothing is removed.</summary>
    public Task<TenantStateChange?> DeleteAsync(TenantId tenant, string reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Active, TenantState.Suspended], TenantState.Deleted, reason, null, cancellationToken);

    public Task<TenantStateChange?> DeleteAsync(TenantId tenant, string reason, StoreTransaction? transaction, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Active, TenantState.Suspended], TenantState.Deleted, reason, transaction, cancellationToken);

    public Task<TenantStateChange?> UndeleteAsync(TenantId tenant, string reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Deleted], TenantState.Active, reason, null, cancellationToken);

    public Task<TenantStateChange?> UndeleteAsync(TenantId tenant, string reason, StoreTransaction? transaction, CancellationToken cancellationToken = default) =>
        ChangeAsync(tenant, [TenantState.Deleted], TenantState.Active, reason, transaction, cancellationToken);

    /// <summary>
    /// How much live data each tenant holds (records, blobs, blob bytes), optionally only in
    /// collections whose names start with <paramref name="collectionPrefix"/>. Counts only: no
    /// document is read, so it is safe for blast-radius reports over many tenants.
    /// </summary>
    public async Task<IReadOnlyDictionary<TenantId, TenantFootprint>> FootprintAsync(IReadOnlyCollection<TenantId> tenants, string? collectionPrefix = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        await using var cmd = _context.Command("""
            SELECT tenant_id, count(*), count(blob_sha256), coalesce(sum(blob_size), 0)::bigint
            FROM lifeboat.records
            WHERE tenant_id = ANY($1) AND NOT deleted AND ($2::text IS NULL OR starts_with(collection, $2))
            GROUP BY tenant_id
            """);
        cmd.Parameters.Add(new() { Value = tenants.Select(t => t.Value).ToArray() });
        cmd.Parameters.Add(new() { Value = (object?)collectionPrefix ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var result = tenants.Distinct().ToDictionary(t => t, _ => new TenantFootprint(0, 0, 0));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[TenantId.Parse(reader.GetString(0))] = new TenantFootprint(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return result;
    }

    /// <summary>Every lifecycle change of the tenant, oldest first.</summary>
    public async Task<IReadOnlyList<TenantStateChange>> HistoryAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        await GetAsync(tenant, cancellationToken);
        await using var cmd = _context.Command("SELECT position, stamp, state, actor, reason FROM lifeboat.tenant_history WHERE tenant_id = $1 ORDER BY position");
        cmd.Parameters.Add(new() { Value = tenant.Value });
        var list = new List<TenantStateChange>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new TenantStateChange(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), Enum.Parse<TenantState>(reader.GetString(2)),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return list;
    }

    /// <summary>Returns the change, or null when the tenant was already in that state.</summary>
    internal async Task<TenantStateChange?> ChangeAsync(TenantId tenant, TenantState[] from, TenantState to, string reason, StoreTransaction? transaction, CancellationToken ct)
    {
        Require(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return await Errors.Gated(_context, tenant, async () =>
        {
            await using var cmd = _context.Command("SELECT changed, pos, stamp FROM lifeboat.change_tenant_state($1, $2, $3, $4, $5)", transaction?.Connection, transaction?.Transaction);
            cmd.Parameters.Add(new() { Value = tenant.Value });
            cmd.Parameters.Add(new() { Value = from.Select(s => s.ToString()).ToArray() });
            cmd.Parameters.Add(new() { Value = to.ToString() });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = reason });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return reader.GetBoolean(0)
                ? new TenantStateChange(reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2), to, _context.Actor, reason)
                : null;
        });
    }

    internal static TenantInfo ReadInfo(NpgsqlDataReader reader)
    {
        var restoreId = reader.IsDBNull(6) ? null : reader.GetString(6);
        return new TenantInfo(
            TenantId.Parse(reader.GetString(0)),
            restoreId is not null ? TenantState.Restoring : Enum.Parse<TenantState>(reader.GetString(1)),
            reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt64(5), restoreId);
    }

    private static void Require(TenantId tenant)
    {
        if (tenant.Value is null)
        {
            throw new InvalidIdentifierException("a tenant ID is required; parse it with TenantId.Parse.");
        }
    }
}
