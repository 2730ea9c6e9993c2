using Lifeboat.Storage.Internal;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// The only routine removal of data. History older than the retention window is compacted, keeping
/// for every record the version visible when the window began, so every point inside the window
/// stays exactly restorable; tenants deleted for longer than the window are purged; blob files no
/// remaining version refers to are set aside, and removed a grace period later if still nothing does
/// (see <see cref="BlobCollector"/>).
/// </summary>
public sealed class RetentionJob
{
    private readonly StoreContext _context;
    private readonly BlobCollector _blobs;

    internal RetentionJob(StoreContext context)
    {
        _context = context;
        _blobs = new BlobCollector(context);
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
        var blobs = await _blobs.CollectAsync(cancellationToken);
        progress?.Report($"set aside {blobs.Quarantined} unreferenced blob files; removed {blobs.Removed} set aside a grace period ago ({blobs.BytesRemoved} bytes)");
        return new RetentionReport(cutoff, compacted, purged, blobs.Removed, blobs.BytesRemoved, blobs.Quarantined, blobs.BroughtBack);
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

    private async Task<long> CompactAsync(string tenant, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var allow = new NpgsqlCommand("SELECT set_config('lifeboat.removal', 'retention', true)", connection, tx))
        {
            await allow.ExecuteNonQueryAsync(ct);
        }

        await using var cmd = new NpgsqlCommand("""
            DELETE FROM lifeboat.record_history h
            USING (
                SELECT collection, record_id, max(position) AS keep FROM (
                    SELECT collection, record_id, position FROM lifeboat.record_history WHERE tenant_id = $1 AND stamp <= $2
                    UNION ALL
                    SELECT collection, record_id, position FROM lifeboat.records WHERE tenant_id = $1 AND stamp <= $2) v
                GROUP BY collection, record_id) k
            WHERE h.tenant_id = $1 AND h.collection = k.collection AND h.record_id = k.record_id
              AND h.stamp <= $2 AND h.position < k.keep
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = tenant });
        cmd.Parameters.Add(new() { Value = cutoff });
        var removed = await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    private async Task<bool> PurgeAsync(TenantId tenant, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var connection = await _context.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var removed = await RemoveTenantData(connection, tx, tenant, "retention",
            $"deleted for longer than the retention window of {_context.Options.RetentionWindow.TotalDays:0.##} days", cutoff, _context.Actor, ct);
        if (removed is null)
        {
            return false;
        }

        await Audit(connection, tx, _context, "tenant.purged", tenant, new { records = removed, cutoff }, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private async Task TrimDestructiveEventsAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var cmd = _context.Command("DELETE FROM lifeboat.destructive_events WHERE stamp < $1");
        cmd.Parameters.Add(new() { Value = cutoff });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Removes every record and version of the tenant and marks it Purged. With a cut-off, only a tenant
    /// still Deleted since before it is removed (it may have been restored meanwhile). Null when nothing was done.
    /// </summary>
    internal static async Task<long?> RemoveTenantData(NpgsqlConnection connection, NpgsqlTransaction tx, TenantId tenant, string removal, string reason,
        DateTimeOffset? deletedBefore, string actor, CancellationToken ct)
    {
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(lifeboat.tenant_lock_key($1)), set_config('lifeboat.removal', $2, true)", connection, tx))
        {
            lockCmd.Parameters.Add(new() { Value = tenant.Value });
            lockCmd.Parameters.Add(new() { Value = removal });
            await lockCmd.ExecuteNonQueryAsync(ct);
        }

        await using (var check = new NpgsqlCommand("SELECT state, restore_id, state_changed_at FROM lifeboat.tenants WHERE tenant_id = $1 FOR UPDATE", connection, tx))
        {
            check.Parameters.Add(new() { Value = tenant.Value });
            await using var reader = await check.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct) || reader.GetString(0) == "Purged" || !reader.IsDBNull(1) ||
                (deletedBefore is { } before && (reader.GetString(0) != "Deleted" || reader.GetFieldValue<DateTimeOffset>(2) >= before)))
            {
                return null;
            }
        }

        await using var cmd = new NpgsqlCommand("""
            WITH r AS (DELETE FROM lifeboat.records WHERE tenant_id = $1 RETURNING 1),
                 h AS (DELETE FROM lifeboat.record_history WHERE tenant_id = $1 RETURNING 1)
            SELECT (SELECT count(*) FROM r) + (SELECT count(*) FROM h)
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = tenant.Value });
        var removed = (long)(await cmd.ExecuteScalarAsync(ct))!;
        await using var state = new NpgsqlCommand("SELECT changed FROM lifeboat.change_tenant_state($1, ARRAY['Active','Suspended','Deleted'], 'Purged', $2, $3)", connection, tx);
        state.Parameters.Add(new() { Value = tenant.Value });
        state.Parameters.Add(new() { Value = actor });
        state.Parameters.Add(new() { Value = reason });
        await state.ExecuteNonQueryAsync(ct);
        return removed;
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

/// <summary>
/// What a retention run did. Blob files go in two runs: <see cref="BlobFilesQuarantined"/> were set aside
/// (nothing referred to them); <see cref="BlobFilesRemoved"/> had been set aside a grace period ago and
/// still nothing referred to them; <see cref="BlobFilesBroughtBack"/> had been set aside, but a version
/// or an import refers to them now.
/// </summary>
public sealed record RetentionReport(DateTimeOffset Cutoff, long VersionsCompacted, IReadOnlyList<TenantId> TenantsPurged, int BlobFilesRemoved, long BlobBytesRemoved,
    int BlobFilesQuarantined, int BlobFilesBroughtBack);
