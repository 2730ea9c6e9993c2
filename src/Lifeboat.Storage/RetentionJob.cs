using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// The only routine removal of data. History older than the retention window is compacted, keeping
/// for every record the version visible when the window began, so every point inside the window
/// stays exactly restorable; tenants deleted for longer than the window are purged; blob files no
/// remaining version refers to are removed.
/// </summary>
public sealed class RetentionJob
{
    private readonly StoreContext _context;
    private readonly BlobStore _blobs;

    internal RetentionJob(StoreContext context, BlobStore blobs)
    {
        _context = context;
        _blobs = blobs;
    }

    public async Task<RetentionReport> RunAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var cutoff = _context.Time.GetUtcNow() - _context.Options.RetentionWindow;
        var tenants = new List<(string Id, string State, bool Restoring, DateTimeOffset Changed)>();
        await using (var cmd = _context.Command("SELECT tenant_id, state, restore_id IS NOT NULL, state_changed_at FROM lifeboat.tenants WHERE state <> 'Purged' ORDER BY tenant_id"))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tenants.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }

        long compacted = 0;
        var purged = new List<TenantId>();
        foreach (var (id, state, restoring, changed) in tenants.Where(t => !t.Restoring))
        {
            if (state == "Deleted" && changed < cutoff)
            {
                if (await PurgeAsync(TenantId.Parse(id), cutoff, cancellationToken))
                {
                    purged.Add(TenantId.Parse(id));
                    progress?.Report($"purged tenant {id} (deleted {changed:u})");
                }

                continue;
            }

            compacted += await CompactAsync(id, cutoff, cancellationToken);
        }

        progress?.Report($"compacted {compacted} versions older than {cutoff:u}");
        await TrimDestructiveEventsAsync(cutoff, cancellationToken);
        var (files, bytes) = await _blobs.CollectGarbageAsync(cancellationToken);
        progress?.Report($"removed {files} unreferenced blob files ({bytes} bytes)");
        return new RetentionReport(cutoff, compacted, purged, files, bytes);
    }

    /// <summary>
    /// Purges one tenant now, if it has been deleted for longer than the retention window (what the
    /// job would do on its next run). False when it was already purged.
    /// </summary>
    public async Task<bool> PurgeTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var cutoff = _context.Time.GetUtcNow() - _context.Options.RetentionWindow;
        await using (var cmd = _context.Command("SELECT state, restore_id IS NOT NULL, state_changed_at FROM lifeboat.tenants WHERE tenant_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = tenant.Value });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new TenantNotFoundException(tenant, $"tenant {tenant} does not exist.");
            }

            var (state, restoring, changed) = (reader.GetString(0), reader.GetBoolean(1), reader.GetFieldValue<DateTimeOffset>(2));
            if (state == "Purged")
            {
                return false;
            }

            if (state != "Deleted" || restoring || changed >= cutoff)
            {
                throw new TenantStateException(tenant, restoring ? TenantState.Restoring : Enum.Parse<TenantState>(state), state != "Deleted" || restoring
                    ? $"tenant {tenant} is {(restoring ? "Restoring" : state)}; only a tenant deleted for longer than the retention window can be purged."
                    : $"tenant {tenant} was deleted at {changed:u}; it can be purged after {changed + _context.Options.RetentionWindow:u}, when the retention window has passed.");
            }
        }

        return await PurgeAsync(tenant, cutoff, cancellationToken);
    }

    /// <summary>The database removes only what is older than its own window, whatever cut-off it is given (0006_roles.sql).</summary>
    private async Task<long> CompactAsync(string tenant, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var cmd = _context.Command("SELECT lifeboat.compact_history($1, $2)");
        cmd.Parameters.Add(new() { Value = tenant });
        cmd.Parameters.Add(new() { Value = cutoff });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<bool> PurgeAsync(TenantId tenant, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT lifeboat.purge_tenant($1, $2, $3)", connection, tx);
        cmd.Parameters.Add(new() { Value = tenant.Value });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = $"deleted for longer than the retention window of {_context.Options.RetentionWindow.TotalDays:0.##} days" });
        if (await cmd.ExecuteScalarAsync(ct) is not long removed)
        {
            // The database holds its own window and clock: a tenant it does not find deleted long enough stays.
            return false;
        }

        await Audit(connection, tx, _context, "tenant.purged", tenant, new { records = removed, cutoff }, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private async Task TrimDestructiveEventsAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var cmd = _context.Command("SELECT lifeboat.trim_logs($1)");
        cmd.Parameters.Add(new() { Value = cutoff });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    internal static async Task Audit(NpgsqlConnection connection, NpgsqlTransaction tx, StoreContext context, string action, TenantId tenant, object details, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details) VALUES ($1, $2, $3, $4, $5)", connection, tx);
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        cmd.Parameters.Add(new() { Value = action });
        cmd.Parameters.Add(new() { Value = tenant.Value });
        cmd.Parameters.Add(new() { Value = System.Text.Json.JsonSerializer.Serialize(details, Json.Web), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

public sealed record RetentionReport(DateTimeOffset Cutoff, long VersionsCompacted, IReadOnlyList<TenantId> TenantsPurged, int BlobFilesRemoved, long BlobBytesRemoved);
