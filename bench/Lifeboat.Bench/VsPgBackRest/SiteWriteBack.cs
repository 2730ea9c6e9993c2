using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Bench.VsPgBackRest;

/// <summary>
/// The last part of a restore with a whole-cluster backup: the site's rows are read from the restored
/// side instance and written back into the live database, while every other site stays as it is.
/// The rows travel as a binary COPY into a staging table; one transaction then makes the site's
/// records equal to them (as new versions, so history is kept), and the site is opened again.
/// </summary>
internal static class SiteWriteBack
{
    private const string Columns = "tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size";

    /// <summary>Returns the number of records written back.</summary>
    public static async Task<long> RunAsync(string sideConnection, string liveAdminConnection, LifeboatPlatform live, SiteId site, CancellationToken ct)
    {
        await using var side = new NpgsqlConnection(sideConnection);
        await side.OpenAsync(ct);
        var sideState = await StateAsync(side, site, ct);

        // Written as the administrator: the application role cannot write the store's tables around the store.
        await using var connection = new NpgsqlConnection(liveAdminConnection);
        await connection.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Exec(connection, "CREATE TEMP TABLE staging (LIKE lifeboat.records) ON COMMIT DROP", site, ct);
        // A tenant ID is lowercase letters, digits, '_' and '-' (TenantId.Parse), so it can stand in the COPY query.
        await using (var from = await side.BeginRawBinaryCopyAsync(
            $"COPY (SELECT {Columns} FROM lifeboat.records WHERE tenant_id = '{site.Tenant.Value}') TO STDOUT (FORMAT BINARY)", ct))
        await using (var to = await connection.BeginRawBinaryCopyAsync($"COPY staging ({Columns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            await from.CopyToAsync(to, ct);
        }

        // Records that differ take the side's content, records born after the point become tombstones,
        // and records that were gone from the live table come back; each as a new version. Three
        // statements, so each one's versioning trigger sees only its own rows.
        var written = await Exec(connection, """
            WITH g AS (SELECT * FROM lifeboat.take_position())
            UPDATE lifeboat.records r SET position = g.pos, stamp = g.stamp, actor = 'pgbackrest-write-back',
                deleted = s.deleted, doc = s.doc, ix1 = s.ix1, ix2 = s.ix2, ix3 = s.ix3, blob_sha256 = s.blob_sha256, blob_size = s.blob_size
            FROM g, staging s
            WHERE r.tenant_id = $1 AND s.collection = r.collection AND s.record_id = r.record_id
              AND (r.deleted, r.doc, r.blob_sha256) IS DISTINCT FROM (s.deleted, s.doc, s.blob_sha256)
            """, site, ct);
        written += await Exec(connection, """
            WITH g AS (SELECT * FROM lifeboat.take_position())
            UPDATE lifeboat.records r SET position = g.pos, stamp = g.stamp, actor = 'pgbackrest-write-back', deleted = true, doc = NULL,
                ix1 = NULL, ix2 = NULL, ix3 = NULL, blob_sha256 = NULL, blob_size = NULL
            FROM g
            WHERE r.tenant_id = $1 AND NOT r.deleted
              AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.collection = r.collection AND s.record_id = r.record_id)
            """, site, ct);
        written += await Exec(connection, """
            WITH g AS (SELECT * FROM lifeboat.take_position())
            INSERT INTO lifeboat.records (tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size)
            SELECT s.tenant_id, s.collection, s.record_id, g.pos, g.stamp, 'pgbackrest-write-back', s.deleted, s.doc, s.ix1, s.ix2, s.ix3, s.blob_sha256, s.blob_size
            FROM g, staging s
            WHERE NOT EXISTS (SELECT 1 FROM lifeboat.records r WHERE r.tenant_id = $1 AND r.collection = s.collection AND r.record_id = s.record_id)
            """, site, ct);
        await tx.CommitAsync(ct);

        // The site's lifecycle state as it was at the point (the damage deleted it).
        if (sideState == "Active" && (await live.Store.Tenants.GetAsync(site.Tenant, ct)).State == Storage.TenantState.Deleted)
        {
            await live.Sites.UndeleteAsync(site, "written back from a pgBackRest point-in-time restore", ct);
        }

        return written;
    }

    private static async Task<string> StateAsync(NpgsqlConnection connection, SiteId site, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT state FROM lifeboat.tenants WHERE tenant_id = $1", connection);
        cmd.Parameters.Add(new() { Value = site.Tenant.Value });
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<long> Exec(NpgsqlConnection connection, string sql, SiteId site, CancellationToken ct)
    {
#pragma warning disable CA2100 // constant SQL of this class
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        if (sql.Contains("$1", StringComparison.Ordinal))
        {
            cmd.Parameters.Add(new() { Value = site.Tenant.Value });
        }

        cmd.CommandTimeout = 0;
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
