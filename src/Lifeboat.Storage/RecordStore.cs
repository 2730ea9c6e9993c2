using System.Text.Json;
using Lifeboat.Storage.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Storage;

/// <summary>
/// Records: JSON documents in named collections, owned by a tenant, addressed by stable IDs.
/// Every write appends a version; delete writes a tombstone; nothing here can remove a version.
/// </summary>
public sealed class RecordStore
{
    internal const string Columns = "collection, record_id, position, stamp, actor, deleted, doc, blob_sha256, blob_size";

    private const string PutOne = """
        WITH g AS (SELECT * FROM lifeboat.gate_write($1)),
        w AS (
            INSERT INTO lifeboat.records AS r
                (tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size)
            SELECT $1, $2, $3, g.pos, g.stamp, $4, false, $5, $6, $7, $8, $9, $10 FROM g
            ON CONFLICT (tenant_id, collection, record_id) DO UPDATE SET
                position = excluded.position, stamp = excluded.stamp, actor = excluded.actor, deleted = false, doc = excluded.doc,
                ix1 = excluded.ix1, ix2 = excluded.ix2, ix3 = excluded.ix3, blob_sha256 = excluded.blob_sha256, blob_size = excluded.blob_size)
        SELECT g.pos, g.stamp FROM g
        """;

    private const string PutMany = """
        INSERT INTO lifeboat.records AS r
            (tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size)
        SELECT $1, $2, u.id, g.pos, g.stamp, $3, false, u.doc, u.ix1, u.ix2, u.ix3, u.sha, u.size
        FROM lifeboat.take_position() g,
             unnest($4::text[], $5::jsonb[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::bigint[]) AS u(id, doc, ix1, ix2, ix3, sha, size)
        ON CONFLICT (tenant_id, collection, record_id) DO UPDATE SET
            position = excluded.position, stamp = excluded.stamp, actor = excluded.actor, deleted = false, doc = excluded.doc,
            ix1 = excluded.ix1, ix2 = excluded.ix2, ix3 = excluded.ix3, blob_sha256 = excluded.blob_sha256, blob_size = excluded.blob_size
        """;

    // The destructive-event log is written by the records' trigger, for this path and every other.
    private const string DeleteMany = """
        WITH g AS (SELECT * FROM lifeboat.take_position()),
        d AS (
            UPDATE lifeboat.records r SET position = g.pos, stamp = g.stamp, actor = $3, deleted = true, doc = NULL,
                ix1 = NULL, ix2 = NULL, ix3 = NULL, blob_sha256 = NULL, blob_size = NULL
            FROM g
            WHERE r.tenant_id = $1 AND r.collection = $2 AND r.record_id = ANY($4) AND NOT r.deleted
            RETURNING r.record_id)
        SELECT count(*)::int FROM d
        """;

    private readonly StoreContext _context;

    internal RecordStore(StoreContext context) => _context = context;

    public WriteBatch Batch(TenantId tenant) => new(tenant, _context.Options.JsonOptions);

    public Task<WriteResult> PutAsync<T>(TenantId tenant, CollectionDefinition collection, string id, T value, CancellationToken cancellationToken = default) =>
        PutAsync(tenant, collection, id, JsonSerializer.SerializeToElement(value, _context.Options.JsonOptions), cancellationToken);

    public async Task<WriteResult> PutAsync(TenantId tenant, CollectionDefinition collection, string id, JsonElement document, CancellationToken cancellationToken = default)
    {
        var batch = Batch(tenant).Put(collection, id, document);
        var put = batch.Puts[0];
        await _context.Collections.EnsureAsync(_context.DataSource, collection, cancellationToken);
        return await Errors.Gated(_context, tenant, async () =>
        {
            await using var cmd = _context.Command(PutOne);
            cmd.Parameters.Add(new() { Value = tenant.Value });
            cmd.Parameters.Add(new() { Value = collection.Name });
            cmd.Parameters.Add(new() { Value = put.Id });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = put.Json, NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new() { Value = (object?)put.Keys[0] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = (object?)put.Keys[1] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = (object?)put.Keys[2] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            cmd.Parameters.Add(new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new WriteResult(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
        });
    }

    /// <summary>Commits every write of the batch at one position, or none of them.</summary>
    public async Task<WriteResult> WriteAsync(WriteBatch batch, CancellationToken cancellationToken = default) =>
        await WriteAsync(batch, null, cancellationToken);

    /// <summary>Writes the batch inside <paramref name="transaction"/> (when given), which commits it with the caller's other work.</summary>
    public async Task<WriteResult> WriteAsync(WriteBatch batch, StoreTransaction? transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var collection in batch.Puts.Select(p => p.Collection).DistinctBy(c => c.Name))
        {
            await _context.Collections.EnsureAsync(_context.DataSource, collection, cancellationToken);
        }

        var tenant = batch.Tenant;
        return await Errors.Gated(_context, tenant, async () =>
        {
            await using var db = transaction is null ? _context.DataSource.CreateBatch() : new NpgsqlBatch(transaction.Connection, transaction.Transaction);
            var gate = new NpgsqlBatchCommand("SELECT pos, stamp FROM lifeboat.gate_write($1)");
            gate.Parameters.Add(new() { Value = tenant.Value });
            db.BatchCommands.Add(gate);

            foreach (var group in batch.Puts.GroupBy(p => p.Collection.Name, StringComparer.Ordinal))
            {
                var puts = group.ToArray();
                var cmd = new NpgsqlBatchCommand(PutMany);
                cmd.Parameters.Add(new() { Value = tenant.Value });
                cmd.Parameters.Add(new() { Value = group.Key });
                cmd.Parameters.Add(new() { Value = _context.Actor });
                cmd.Parameters.Add(new() { Value = puts.Select(p => p.Id).ToArray() });
                cmd.Parameters.Add(new() { Value = puts.Select(p => p.Json).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
                for (var slot = 0; slot < CollectionDefinition.MaxIndexedFields; slot++)
                {
                    var s = slot;
                    cmd.Parameters.Add(new() { Value = puts.Select(p => p.Keys[s]).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                }

                cmd.Parameters.Add(new() { Value = puts.Select(p => p.Blob is null ? null : Convert.FromHexString(p.Blob.Sha256)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                cmd.Parameters.Add(new() { Value = puts.Select(p => p.Blob?.Size).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                db.BatchCommands.Add(cmd);
            }

            foreach (var group in batch.Deletes.GroupBy(d => d.Collection, StringComparer.Ordinal))
            {
                db.BatchCommands.Add(DeleteCommand(tenant, group.Key, group.Select(d => d.Id).ToArray()));
            }

            foreach (var extra in batch.Extra)
            {
                db.BatchCommands.Add(extra);
            }

            await using var reader = await db.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var result = new WriteResult(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
            while (await reader.NextResultAsync(cancellationToken))
            {
            }

            return result;
        });
    }

    /// <summary>Deletes records by writing tombstones; returns how many were live. Deleting twice is not an error.</summary>
    public async Task<DeleteResult> DeleteAsync(TenantId tenant, string collection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Identifiers.CollectionName(collection);
        foreach (var id in ids)
        {
            Identifiers.RecordId(id);
        }

        return await Errors.Gated(_context, tenant, async () =>
        {
            await using var db = _context.DataSource.CreateBatch();
            var gate = new NpgsqlBatchCommand("SELECT pos, stamp FROM lifeboat.gate_write($1)");
            gate.Parameters.Add(new() { Value = tenant.Value });
            db.BatchCommands.Add(gate);
            db.BatchCommands.Add(DeleteCommand(tenant, collection, ids.Distinct(StringComparer.Ordinal).ToArray()));
            await using var reader = await db.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var (position, stamp) = (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new DeleteResult(reader.GetInt32(0), position, stamp);
        });
    }

    public Task<DeleteResult> DeleteAsync(TenantId tenant, string collection, string id, CancellationToken cancellationToken = default) =>
        DeleteAsync(tenant, collection, [id], cancellationToken);

    /// <summary>Brings a deleted record back with the content of its last live version.</summary>
    public async Task<WriteResult> UndeleteAsync(TenantId tenant, string collection, string id, CancellationToken cancellationToken = default)
    {
        Identifiers.CollectionName(collection);
        Identifiers.RecordId(id);
        return await Errors.Gated(_context, tenant, async () =>
        {
            await using var cmd = _context.Command("""
                WITH g AS (SELECT * FROM lifeboat.gate_write($1)),
                cur AS (SELECT deleted FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND record_id = $3),
                last_live AS (
                    SELECT h.* FROM lifeboat.record_history h
                    WHERE h.tenant_id = $1 AND h.collection = $2 AND h.record_id = $3 AND NOT h.deleted
                    ORDER BY h.position DESC LIMIT 1),
                upd AS (
                    UPDATE lifeboat.records r SET position = g.pos, stamp = g.stamp, actor = $4, deleted = false, doc = l.doc,
                        ix1 = l.ix1, ix2 = l.ix2, ix3 = l.ix3, blob_sha256 = l.blob_sha256, blob_size = l.blob_size
                    FROM g, last_live l
                    WHERE r.tenant_id = $1 AND r.collection = $2 AND r.record_id = $3 AND r.deleted
                    RETURNING g.pos, g.stamp)
                SELECT (SELECT deleted FROM cur), (SELECT count(*) FROM last_live), u.pos, u.stamp
                FROM g LEFT JOIN upd u ON true
                """);
            cmd.Parameters.Add(new() { Value = tenant.Value });
            cmd.Parameters.Add(new() { Value = collection });
            cmd.Parameters.Add(new() { Value = id });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
            {
                throw new RecordStateException($"record '{id}' of '{collection}' does not exist in tenant {tenant}; there is nothing to undelete.");
            }

            if (!reader.GetBoolean(0))
            {
                throw new RecordStateException($"record '{id}' of '{collection}' in tenant {tenant} is not deleted; there is nothing to undelete.");
            }

            if (reader.IsDBNull(2))
            {
                throw new RecordStateException(
                    $"record '{id}' of '{collection}' in tenant {tenant} has no live version left inside the retention window; restore the tenant to an earlier point instead.");
            }

            return new WriteResult(reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3));
        });
    }

    public async Task<StoredRecord?> GetAsync(TenantId tenant, string collection, string id, CancellationToken cancellationToken = default)
    {
        Identifiers.CollectionName(collection);
        Identifiers.RecordId(id);
        var found = await ReadGatedAsync(tenant, $"SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND record_id = $3 AND NOT deleted",
            [collection, id], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The live records of a collection, in ID order.</summary>
    public Task<IReadOnlyList<StoredRecord>> ListAsync(TenantId tenant, string collection, CancellationToken cancellationToken = default) =>
        ReadGatedAsync(tenant, $"SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND NOT deleted ORDER BY record_id",
            [Identifiers.CollectionName(collection)], cancellationToken);

    /// <summary>Live records whose indexed <paramref name="field"/> equals <paramref name="value"/>.</summary>
    public async Task<IReadOnlyList<StoredRecord>> QueryAsync(TenantId tenant, CollectionDefinition collection, string field, object value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(value);
        var slot = collection.SlotOf(field);
        await _context.Collections.EnsureAsync(_context.DataSource, collection, cancellationToken);
        return await ReadGatedAsync(tenant,
            $"SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND ix{slot} = $3 ORDER BY record_id",
            [collection.Name, CollectionDefinition.FormatKey(value)], cancellationToken);
    }

    /// <summary>
    /// Live records whose indexed <paramref name="field"/> equals any of <paramref name="values"/>, in one
    /// statement (not one per value), ordered by that field and then ID. No values, no records.
    /// </summary>
    public async Task<IReadOnlyList<StoredRecord>> QueryAnyAsync(TenantId tenant, CollectionDefinition collection, string field, IEnumerable<object> values,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(values);
        var keys = values.Select(CollectionDefinition.FormatKey).Distinct(StringComparer.Ordinal).ToArray();
        if (keys.Length == 0)
        {
            return [];
        }

        var slot = collection.SlotOf(field);
        await _context.Collections.EnsureAsync(_context.DataSource, collection, cancellationToken);
        return await ReadGatedAsync(tenant,
            $"SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND ix{slot} = ANY($3) ORDER BY ix{slot}, record_id",
            [collection.Name, keys], cancellationToken);
    }

    /// <summary>
    /// How many live records of the collection, in each of the given tenants, have <paramref name="field"/>
    /// equal to <paramref name="value"/>. A count over the index: no document is read.
    /// </summary>
    public async Task<long> CountAsync(IReadOnlyCollection<TenantId> tenants, CollectionDefinition collection, string field, object value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(value);
        var slot = collection.SlotOf(field);
        await using var cmd = _context.Command($"SELECT count(*) FROM lifeboat.records WHERE tenant_id = ANY($1) AND collection = $2 AND ix{slot} = $3");
        cmd.Parameters.Add(new() { Value = tenants.Select(t => t.Value).ToArray() });
        cmd.Parameters.Add(new() { Value = collection.Name });
        cmd.Parameters.Add(new() { Value = CollectionDefinition.FormatKey(value) });
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The tombstones of a collection: records deleted and not (yet) brought back.</summary>
    public Task<IReadOnlyList<StoredRecord>> ListDeletedAsync(TenantId tenant, string collection, CancellationToken cancellationToken = default) =>
        ReadGatedAsync(tenant, $"SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND deleted ORDER BY record_id",
            [Identifiers.CollectionName(collection)], cancellationToken);

    /// <summary>Every version of one record, oldest first.</summary>
    public Task<IReadOnlyList<StoredRecord>> HistoryAsync(TenantId tenant, string collection, string id, CancellationToken cancellationToken = default) =>
        ReadGatedAsync(tenant, $"""
            SELECT {Columns} FROM (
                SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND collection = $2 AND record_id = $3
                UNION ALL
                SELECT {Columns} FROM lifeboat.record_history WHERE tenant_id = $1 AND collection = $2 AND record_id = $3) v
            ORDER BY position
            """, [Identifiers.CollectionName(collection), Identifiers.RecordId(id)], cancellationToken);

    /// <summary>
    /// The tenant's live records as they were at <paramref name="point"/> (or now), every collection,
    /// ordered by collection and ID. Used to validate restores against the recovery point.
    /// </summary>
    public Task<IReadOnlyList<StoredRecord>> SnapshotAsync(TenantId tenant, RecoveryPoint? point = null, CancellationToken cancellationToken = default)
    {
        if (point is not { } p)
        {
            return ReadGatedAsync(tenant, $"SELECT {Columns} FROM lifeboat.records WHERE tenant_id = $1 AND NOT deleted ORDER BY collection, record_id", [], cancellationToken);
        }

        var committed = PointSql.Committed(p, "v", "$2");
        return ReadGatedAsync(tenant, $"""
            SELECT {Columns} FROM (
                SELECT DISTINCT ON (collection, record_id) {Columns} FROM (
                    SELECT {Columns} FROM lifeboat.records v WHERE tenant_id = $1 AND {committed}
                    UNION ALL
                    SELECT {Columns} FROM lifeboat.record_history v WHERE tenant_id = $1 AND {committed}) v
                ORDER BY collection, record_id, position DESC) s
            WHERE NOT deleted ORDER BY collection, record_id
            """, [PointSql.Value(p)], cancellationToken);
    }

    /// <summary>
    /// A fingerprint of the tenant's live records per collection — count and a SHA-256 over every
    /// record's ID, content and blob hash in ID order — as they are now, or as they were at
    /// <paramref name="point"/>. Equal digests mean equal data; a restore is validated by comparing
    /// the digest at its recovery point with the digest after it. Only hashes leave the database,
    /// so it runs whatever the tenant's state (a Deleted or Restoring tenant too).
    /// </summary>
    public async Task<IReadOnlyList<CollectionDigest>> DigestAsync(TenantId tenant, RecoveryPoint? point = null, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command(DigestSql(point));
        cmd.Parameters.Add(new() { Value = tenant.Value });
        if (point is { } at)
        {
            cmd.Parameters.Add(PointSql.Parameter(at));
        }

        var list = new List<CollectionDigest>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new CollectionDigest(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return list;
    }

    /// <summary>The digest's statement: $1 the tenant, $2 the point (when there is one). Both read only the tenant's key ranges.</summary>
    internal static string DigestSql(RecoveryPoint? point)
    {
        var versions = point is not { } p
            ? "SELECT collection, record_id, deleted, doc, blob_sha256 FROM lifeboat.records WHERE tenant_id = $1"
            : $"""
                SELECT DISTINCT ON (collection, record_id) collection, record_id, deleted, doc, blob_sha256 FROM (
                    SELECT collection, record_id, position, deleted, doc, blob_sha256 FROM lifeboat.records v WHERE tenant_id = $1 AND {PointSql.Committed(p, "v", "$2")}
                    UNION ALL
                    SELECT collection, record_id, position, deleted, doc, blob_sha256 FROM lifeboat.record_history v WHERE tenant_id = $1 AND {PointSql.Committed(p, "v", "$2")}) v
                ORDER BY collection, record_id, position DESC
                """;
        return $"""
            SELECT collection, count(*), encode(sha256(string_agg(decode(md5(record_id || chr(31) || doc::text || chr(31) || coalesce(encode(blob_sha256, 'hex'), '')), 'hex'), ''::bytea ORDER BY record_id COLLATE "C")), 'hex')
            FROM ({versions}) live WHERE NOT deleted
            GROUP BY collection ORDER BY collection COLLATE "C"
            """;
    }

    internal NpgsqlBatchCommand DeleteCommand(TenantId tenant, string collection, string[] ids)
    {
        var cmd = new NpgsqlBatchCommand(DeleteMany);
        cmd.Parameters.Add(new() { Value = tenant.Value });
        cmd.Parameters.Add(new() { Value = collection });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = ids });
        return cmd;
    }

    /// <summary>Every read passes the gate first, in the same round trip.</summary>
    internal async Task<IReadOnlyList<StoredRecord>> ReadGatedAsync(TenantId tenant, string sql, object[] parameters, CancellationToken ct)
    {
        return await Errors.Gated(_context, tenant, async () =>
        {
            await using var db = _context.DataSource.CreateBatch();
            var gate = new NpgsqlBatchCommand("SELECT lifeboat.gate_read($1)");
            gate.Parameters.Add(new() { Value = tenant.Value });
            db.BatchCommands.Add(gate);
#pragma warning disable CA2100 // SQL is assembled from constants of this class
            var read = new NpgsqlBatchCommand(sql);
#pragma warning restore CA2100
            read.Parameters.Add(new() { Value = tenant.Value });
            foreach (var p in parameters)
            {
                read.Parameters.Add(new() { Value = p });
            }

            db.BatchCommands.Add(read);
            await using var reader = await db.ExecuteReaderAsync(cancellationToken: ct);
            await reader.NextResultAsync(ct);
            var records = new List<StoredRecord>();
            while (await reader.ReadAsync(ct))
            {
                records.Add(ReadRecord(reader));
            }

            return (IReadOnlyList<StoredRecord>)records;
        });
    }

    internal static StoredRecord ReadRecord(NpgsqlDataReader reader, int offset = 0)
    {
        JsonElement? doc = null;
        if (!reader.IsDBNull(offset + 6))
        {
            using var parsed = JsonDocument.Parse(reader.GetString(offset + 6));
            doc = parsed.RootElement.Clone();
        }

        BlobReference? blob = reader.IsDBNull(offset + 7)
            ? null
            : new BlobReference(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(offset + 7)), reader.GetInt64(offset + 8));
        return new StoredRecord(
            reader.GetString(offset), reader.GetString(offset + 1), reader.GetInt64(offset + 2), reader.GetFieldValue<DateTimeOffset>(offset + 3),
            reader.GetString(offset + 4), reader.GetBoolean(offset + 5), doc, blob);
    }
}
