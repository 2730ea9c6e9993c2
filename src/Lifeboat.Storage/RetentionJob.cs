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

    /// <summary>The database removes only what is older than its own window, whatever cut-off it is given (0007_roles.sql).</summary>
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

/// <summary>
/// What a retention run did. Blob files go in two runs: <see cref="BlobFilesQuarantined"/> were set aside
/// (nothing referred to them); <see cref="BlobFilesRemoved"/> had been set aside a grace period ago and
/// still nothing referred to them; <see cref="BlobFilesBroughtBack"/> had been set aside, but a version
/// or an import refers to them now.
/// </summary>
public sealed record RetentionReport(DateTimeOffset Cutoff, long VersionsCompacted, IReadOnlyList<TenantId> TenantsPurged, int BlobFilesRemoved, long BlobBytesRemoved,
    int BlobFilesQuarantined, int BlobFilesBroughtBack);
