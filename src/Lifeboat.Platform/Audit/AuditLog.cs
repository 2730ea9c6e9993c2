using System.Text.Json;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Audit;

public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Subject, string Step, string? ContentHash, JsonElement Ids, JsonElement Details);

/// <summary>
/// The platform's append-only audit log, outside tenant data: every step of every plan (asked,
/// refused, approved, ran, halted…), every alert, every override of a guardrail.
/// </summary>
public sealed class AuditLog
{
    private readonly PlatformContext _context;

    internal AuditLog(PlatformContext context) => _context = context;

    public async Task<IReadOnlyList<AuditEntry>> OfAsync(string subject, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT audit_id, at, actor, subject, step, content_hash, ids::text, details::text FROM platform.audit_log WHERE subject = $1 ORDER BY audit_id");
        cmd.Parameters.Add(new() { Value = subject });
        return await ReadAsync(cmd, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> RecentAsync(int max = 100, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT audit_id, at, actor, subject, step, content_hash, ids::text, details::text FROM platform.audit_log ORDER BY audit_id DESC LIMIT $1");
        cmd.Parameters.Add(new() { Value = max });
        return await ReadAsync(cmd, cancellationToken);
    }

    private const string InsertSql = "INSERT INTO platform.audit_log (at, actor, subject, step, content_hash, ids, details) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    internal async Task WriteAsync(string subject, string step, string? contentHash, IEnumerable<string> ids, object details, CancellationToken ct, StoreTransaction? tx = null)
    {
        await using var cmd = tx is null ? _context.Command(InsertSql) : tx.Command(InsertSql);
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = subject });
        cmd.Parameters.Add(new() { Value = step });
        cmd.Parameters.Add(new() { Value = (object?)contentHash ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(ids.ToArray()), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(details, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The same entry as <see cref="WriteAsync"/> writes, as a statement of a batch that commits with the change it records.</summary>
    internal NpgsqlBatchCommand Entry(string subject, string step, IEnumerable<string> ids, object details)
    {
        var cmd = new NpgsqlBatchCommand(InsertSql);
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = subject });
        cmd.Parameters.Add(new() { Value = step });
        cmd.Parameters.Add(new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(ids.ToArray()), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(details, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        return cmd;
    }

    private static async Task<IReadOnlyList<AuditEntry>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<AuditEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            using var ids = JsonDocument.Parse(reader.GetString(6));
            using var details = JsonDocument.Parse(reader.GetString(7));
            list.Add(new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), ids.RootElement.Clone(), details.RootElement.Clone()));
        }

        return list;
    }
}
