using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>The ID of a permanent-erase request: its own kind, so no other ID can be passed where it is expected.</summary>
public readonly record struct ErasureId
{
    private ErasureId(string value) => Value = value;

    public string Value { get; }

    public static ErasureId Parse(string value) =>
        value is { Length: 30 } && value.StartsWith("ers_", StringComparison.Ordinal) && Identifiers.IsToken(value[4..], 26)
            ? new ErasureId(value)
            : throw new InvalidIdentifierException(value?.StartsWith("ers_", StringComparison.Ordinal) == true
                ? $"'{value}' is not a valid erasure ID: expected 'ers_' and 26 letters or digits."
                : $"'{value}' is not an erasure ID: erasure IDs start with 'ers_'. Pass the ID that `erase request` printed.");

    internal static ErasureId New(TimeProvider time) => new(SortableIds.New("ers", time));

    public override string ToString() => Value ?? "";
}

public sealed record ErasureRequest(
    ErasureId Id,
    TenantId Tenant,
    string RequestedBy,
    string Reason,
    DateTimeOffset RequestedAt,
    string? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    string? ExecutedBy,
    DateTimeOffset? ExecutedAt);

/// <summary>
/// Permanent erase, for compliance: the only way to remove a tenant's data before the retention
/// window ends. It takes a request, an approval by a second person, and an execution; each step is
/// written to the append-only audit log.
/// </summary>
public sealed class Erasures
{
    private const string Columns = "erasure_id, tenant_id, requested_by, reason, requested_at, approved_by, approved_at, executed_by, executed_at";

    private readonly StoreContext _context;
    private readonly TenantLifecycle _tenants;

    private readonly Principals _principals;

    internal Erasures(StoreContext context, TenantLifecycle tenants, Principals principals)
    {
        _context = context;
        _tenants = tenants;
        _principals = principals;
    }

    public async Task<ErasureRequest> RequestAsync(TenantId tenant, string reason, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ErasureException("an erasure needs a reason (the legal or contractual ground); give one.");
        }

        var info = await _tenants.GetAsync(tenant, cancellationToken);
        if (info.State == TenantState.Purged)
        {
            throw new ErasureException($"tenant {tenant} is already Purged; there is nothing left to erase.");
        }

        var id = ErasureId.New(_context.Time);
        await using var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("INSERT INTO lifeboat.erasures (erasure_id, tenant_id, requested_by, reason, requested_at) VALUES ($1, $2, $3, $4, $5)", connection, tx))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = tenant.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = reason });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await RetentionJob.Audit(connection, tx, _context, "erasure.requested", tenant, new { erasure = id.Value, reason }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>Approval by a second person: anyone but the requester, however their name is spelled (<see cref="Principals"/>).</summary>
    public async Task<ErasureRequest> ApproveAsync(ErasureId erasure, CancellationToken cancellationToken = default)
    {
        var request = await GetAsync(erasure, cancellationToken);
        if (await _principals.SameAsync(request.RequestedBy, _context.Actor, cancellationToken))
        {
            throw new ErasureException(
                $"{Principals.Describe(_context.Actor, request.RequestedBy)} requested erasure {erasure} and cannot also approve it; a second person must approve it.");
        }

        if (request.ApprovedBy is not null)
        {
            throw new ErasureException($"erasure {erasure} was already approved by {request.ApprovedBy} at {request.ApprovedAt:u}.");
        }

        await using var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // The database checks the second person too, and is the only way an approval is written.
        await using (var cmd = new NpgsqlCommand("SELECT lifeboat.approve_erasure($1, $2)", connection, tx))
        {
            cmd.Parameters.Add(new() { Value = erasure.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            await Refused(() => cmd.ExecuteNonQueryAsync(cancellationToken));
        }

        await RetentionJob.Audit(connection, tx, _context, "erasure.approved", request.Tenant, new { erasure = erasure.Value, requestedBy = request.RequestedBy }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(erasure, cancellationToken);
    }

    /// <summary>Removes every record, version and blob reference of the tenant, now. Only an approved request can run.</summary>
    public async Task<ErasureRequest> ExecuteAsync(ErasureId erasure, CancellationToken cancellationToken = default)
    {
        var request = await GetAsync(erasure, cancellationToken);
        if (request.ApprovedBy is null)
        {
            throw new ErasureException(
                $"erasure {erasure} has no approval: a second person (not {request.RequestedBy}) must approve it before it can run.");
        }

        if (request.ExecutedAt is not null)
        {
            throw new ErasureException($"erasure {erasure} already ran at {request.ExecutedAt:u} (by {request.ExecutedBy}).");
        }

        await using var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        long removed;
        await using (var cmd = new NpgsqlCommand("SELECT lifeboat.erase_tenant($1, $2)", connection, tx))
        {
            cmd.Parameters.Add(new() { Value = erasure.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            removed = await Refused(() => cmd.ExecuteScalarAsync(cancellationToken)) as long?
                ?? throw new ErasureException(
                    $"tenant {request.Tenant} cannot be erased now: it is being restored or is already purged. Check `lifeboat store tenants`.");
        }

        await RetentionJob.Audit(connection, tx, _context, "erasure.executed", request.Tenant,
            new { erasure = erasure.Value, requestedBy = request.RequestedBy, approvedBy = request.ApprovedBy, records = removed }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(erasure, cancellationToken);
    }

    public async Task<ErasureRequest> GetAsync(ErasureId erasure, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM lifeboat.erasures WHERE erasure_id = $1");
        cmd.Parameters.Add(new() { Value = erasure.Value ?? throw new InvalidIdentifierException("an erasure ID is required.") });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new ErasureException($"erasure {erasure} does not exist. List requests with `lifeboat store erase list`.");
        }

        return Read(reader);
    }

    public async Task<IReadOnlyList<ErasureRequest>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM lifeboat.erasures ORDER BY requested_at");
        var list = new List<ErasureRequest>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>The database's own refusals of the two-person rule, worded like the store's.</summary>
    private static async Task<T> Refused<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PostgresException e) when (e.SqlState is "LB403" or "LB404" or "LB409")
        {
            throw new ErasureException($"{e.MessageText}.");
        }
    }

    private static ErasureRequest Read(NpgsqlDataReader r) => new(
        ErasureId.Parse(r.GetString(0)), TenantId.Parse(r.GetString(1)), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));
}
