using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Npgsql;

namespace Lifeboat.Platform.Access;

/// <summary>An emergency access grant: asked for, then (maybe) confirmed, in force until it expires or is ended.</summary>
public sealed record EmergencyGrant(
    EmergencyAccessId Id,
    OperatorId Operator,
    string RequestedBy,
    string Reason,
    DateTimeOffset RequestedAt,
    string? ConfirmedBy,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? EndedAt,
    string? EndedBy)
{
    public bool InForceAt(DateTimeOffset now) => ConfirmedAt is not null && EndedAt is null && ExpiresAt > now;
}

/// <summary>
/// Break glass: when the people who hold a permission cannot be reached, an operator asks for
/// emergency access with a reason and a different admin confirms it; the asker then holds every
/// permission for <see cref="Duration"/>. It is loud on purpose: the confirmation is an event in the
/// outbox (<c>access.emergency-granted</c>) and in the audit log, and every request made with it is
/// audited (<see cref="RecordUseAsync"/>). Second-person rules still compare principals: emergency
/// access never lets anyone approve what they asked for themselves.
/// </summary>
public sealed class EmergencyAccess
{
    /// <summary>How long confirmed emergency access lasts; an unconfirmed request lapses after the same time.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromHours(1);

    private const string Columns = "grant_id, operator_id, requested_by, reason, requested_at, confirmed_by, confirmed_at, expires_at, ended_at, ended_by";

    private readonly PlatformContext _context;
    private readonly AuditLog _audit;
    private readonly Operators _operators;

    internal EmergencyAccess(PlatformContext context, AuditLog audit, Operators operators)
    {
        _context = context;
        _audit = audit;
        _operators = operators;
    }

    /// <summary>The acting operator asks for emergency access; nothing is granted until a different admin confirms.</summary>
    public async Task<EmergencyGrant> RequestAsync(string reason, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "emergency access needs a reason: say what is broken and why the usual people cannot act.");
        }

        var asker = await ActingOperatorAsync(cancellationToken);
        var id = TypedId.New<EmergencyAccessId>(_context.Time);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("INSERT INTO platform.emergency_access (grant_id, operator_id, requested_by, reason, requested_at) VALUES ($1, $2, $3, $4, $5)"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = asker.Id.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = reason.Trim() });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await _audit.WriteAsync(id.Value, "emergency.requested", null, [id.Value, asker.Id.Value], new { login = asker.Login, reason = reason.Trim() }, cancellationToken, tx);
        await _context.AppendAsync(tx, _context.Event("access.emergency-requested", null, id.Value, new { login = asker.Login, reason = reason.Trim() }), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>A different admin (the acting principal) confirms a request: the asker holds every permission for <see cref="Duration"/>.</summary>
    public async Task<EmergencyGrant> ConfirmAsync(EmergencyAccessId id, CancellationToken cancellationToken = default)
    {
        var grant = await GetAsync(id, cancellationToken);
        if (await _context.Store.Principals.SameAsync(grant.RequestedBy, _context.Actor, cancellationToken))
        {
            await _audit.WriteAsync(id.Value, "emergency.self-confirmation-refused", null, [id.Value], new { requestedBy = grant.RequestedBy }, cancellationToken);
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{Storage.Principals.Describe(_context.Actor, grant.RequestedBy)} asked for emergency access {id}, so cannot confirm it: a different admin must.");
        }

        var confirmer = await ActingOperatorAsync(cancellationToken);
        if (!confirmer.Roles.Contains(Roles.Admin))
        {
            throw new AccessDeniedException(Permissions.EmergencyConfirm, $"only an admin can confirm emergency access; {confirmer.Login} is not one (roles: {string.Join(", ", confirmer.Roles)}).");
        }

        var now = _context.Time.GetUtcNow();
        if (grant.ConfirmedAt is not null || grant.EndedAt is not null || now - grant.RequestedAt > Duration)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, grant.ConfirmedAt is not null
                ? $"emergency access {id} was confirmed already, by {grant.ConfirmedBy}."
                : $"emergency access {id} is no longer waiting (it was ended, or asked for more than {Duration.TotalMinutes:0} minutes ago); ask again.");
        }

        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("UPDATE platform.emergency_access SET confirmed_by = $2, confirmed_at = $3, expires_at = $4 WHERE grant_id = $1 AND confirmed_at IS NULL"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = now + Duration });
            if (await cmd.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"emergency access {id} was confirmed by someone else meanwhile.");
            }
        }

        var details = new { login = grant.RequestedBy, confirmedBy = _context.Actor, reason = grant.Reason, expiresAt = now + Duration };
        await _audit.WriteAsync(id.Value, "emergency.granted", null, [id.Value, grant.Operator.Value], details, cancellationToken, tx);
        await _context.AppendAsync(tx, _context.Event("access.emergency-granted", null, id.Value, details), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>Ends emergency access before it expires (anyone who may request or confirm it). Returns whether it changed anything.</summary>
    public async Task<bool> EndAsync(EmergencyAccessId id, CancellationToken cancellationToken = default)
    {
        await GetAsync(id, cancellationToken);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using var cmd = tx.Command("UPDATE platform.emergency_access SET ended_at = $2, ended_by = $3 WHERE grant_id = $1 AND ended_at IS NULL");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        var changed = await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (changed)
        {
            await _audit.WriteAsync(id.Value, "emergency.ended", null, [id.Value], new { }, cancellationToken, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>Audits one use of emergency access: what was done with it, by whom.</summary>
    public Task RecordUseAsync(EmergencyAccessId id, string what, CancellationToken cancellationToken = default) =>
        _audit.WriteAsync(id.Value, "emergency.used", null, [id.Value], new { what }, cancellationToken);

    public async Task<EmergencyGrant> GetAsync(EmergencyAccessId id, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.emergency_access WHERE grant_id = $1");
        cmd.Parameters.Add(new() { Value = id.Value });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? Read(reader)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"emergency access {id} does not exist in this environment.");
    }

    /// <summary>Requests and grants, newest first (at most 200).</summary>
    public async Task<IReadOnlyList<EmergencyGrant>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.emergency_access ORDER BY grant_id DESC LIMIT 200");
        var list = new List<EmergencyGrant>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>The grant in force for an operator now, if any.</summary>
    internal static async Task<EmergencyGrant?> InForceAsync(PlatformContext context, OperatorId id, CancellationToken ct)
    {
        await using var cmd = context.Command($"""
            SELECT {Columns} FROM platform.emergency_access
            WHERE operator_id = $1 AND confirmed_at IS NOT NULL AND ended_at IS NULL AND expires_at > $2
            ORDER BY expires_at DESC LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private async Task<OperatorAccount> ActingOperatorAsync(CancellationToken ct)
    {
        var account = await _operators.FindAsync(_context.Actor, ct);
        return account is { Disabled: false }
            ? account
            : throw new AccessDeniedException(Permissions.EmergencyRequest, $"{_context.Actor} is not an enabled operator account; emergency access is asked for and confirmed by people.");
    }

    private static EmergencyGrant Read(NpgsqlDataReader r) => new(
        EmergencyAccessId.Parse(r.GetString(0)), OperatorId.Parse(r.GetString(1)), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetString(9));
}
