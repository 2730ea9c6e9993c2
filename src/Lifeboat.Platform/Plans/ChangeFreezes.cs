using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Plans;

/// <summary>A change freeze in force: which incident it is for, why, and whom to ask.</summary>
public sealed record ChangeFreeze(string Incident, string Reason, string Contact, DateTimeOffset BegunAt, string BegunBy)
{
    public string Describe() => $"incident {Incident}'s change freeze (commander {Contact}, since {BegunAt:u}: {Reason})";
}

/// <summary>
/// Change freezes: while one is on, every change plan not tagged to its incident is refused at submit, at
/// run, and before each target of a running plan (which halts). The platform keeps them by incident ID
/// without knowing incidents; the incident module begins and lifts them, decides who may, and keeps the
/// contact (the commander) current. Beginning and lifting are audited; a freeze is lifted, never removed.
/// </summary>
public sealed class ChangeFreezes
{
    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    internal ChangeFreezes(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    /// <summary>Begins <paramref name="incident"/>'s freeze; refused while one is on for it already.</summary>
    public async Task<ChangeFreeze> BeginAsync(string incident, string reason, string contact, CancellationToken cancellationToken = default)
    {
        RequireText(incident, "the incident", 100);
        RequireText(reason, "the freeze's reason", 500);
        RequireText(contact, "the contact", 200);
        var now = _context.Time.GetUtcNow();
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("""
            INSERT INTO platform.change_freezes (incident, reason, contact, begun_at, begun_by) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (incident) WHERE lifted_at IS NULL DO NOTHING
            """))
        {
            cmd.Parameters.Add(new() { Value = incident });
            cmd.Parameters.Add(new() { Value = reason.Trim() });
            cmd.Parameters.Add(new() { Value = contact });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            if (await cmd.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var on = (await ActiveAsync(cancellationToken)).FirstOrDefault(f => f.Incident == incident);
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"{on?.Describe() ?? $"incident {incident}'s change freeze"} is on already; nothing changed.");
            }
        }

        await _audit.WriteAsync(incident, "freeze-begun", null, [incident], new { reason, contact }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return new ChangeFreeze(incident, reason.Trim(), contact, now, _context.Actor);
    }

    /// <summary>Lifts <paramref name="incident"/>'s freeze, with why; refused when none is on.</summary>
    public async Task LiftAsync(string incident, string reason, CancellationToken cancellationToken = default)
    {
        RequireText(reason, "the reason for lifting the freeze", 500);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("""
            UPDATE platform.change_freezes SET lifted_at = $2, lifted_by = $3, lift_reason = $4
            WHERE incident = $1 AND lifted_at IS NULL
            """))
        {
            cmd.Parameters.Add(new() { Value = incident });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = reason.Trim() });
            if (await cmd.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"incident {incident} has no change freeze on; nothing changed.");
            }
        }

        await _audit.WriteAsync(incident, "freeze-lifted", null, [incident], new { reason }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Names whom to ask about <paramref name="incident"/>'s freeze (its commander changed); no freeze on, nothing to do.</summary>
    public async Task SetContactAsync(string incident, string contact, CancellationToken cancellationToken = default)
    {
        RequireText(contact, "the contact", 200);
        await using var cmd = _context.Command("UPDATE platform.change_freezes SET contact = $2 WHERE incident = $1 AND lifted_at IS NULL");
        cmd.Parameters.Add(new() { Value = incident });
        cmd.Parameters.Add(new() { Value = contact });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The freezes on now, oldest first.</summary>
    public async Task<IReadOnlyList<ChangeFreeze>> ActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT incident, reason, contact, begun_at, begun_by FROM platform.change_freezes WHERE lifted_at IS NULL ORDER BY begun_at, freeze_id");
        var list = new List<ChangeFreeze>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ChangeFreeze(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4)));
        }

        return list;
    }

    /// <summary>
    /// Why a plan tagged <paramref name="incident"/> may not run or be submitted now, or null. A plan passes
    /// when it is tagged to one of the incidents whose freeze is on: that incident's own repair work.
    /// </summary>
    internal async Task<string?> RefusalAsync(string? incident, CancellationToken ct)
    {
        var on = await ActiveAsync(ct);
        if (on.Count == 0 || (incident is not null && on.Any(f => f.Incident == incident)))
        {
            return null;
        }

        var freeze = on[0];
        var more = on.Count > 1 ? $" (and {on.Count - 1} more: {string.Join(", ", on.Skip(1).Select(f => f.Incident))})" : "";
        return $"{freeze.Describe()} is on{more}: change plans not tagged to that incident are refused. " +
            $"If this change is part of the incident's work, tag it with the incident (--incident {freeze.Incident}); otherwise wait for the freeze to be lifted, or ask {freeze.Contact}.";
    }

    private static void RequireText(string? value, string what, int max)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > max)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is required, at most {max} characters.");
        }
    }
}
