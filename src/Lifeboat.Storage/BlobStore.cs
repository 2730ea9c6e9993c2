using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.Storage.Internal;

namespace Lifeboat.Storage;

/// <summary>
/// Blobs: bytes stored once per SHA-256 under the blob directory, made read-only, and referenced by
/// versioned records, so a restore brings back a tenant's blobs at the same recovery point as the
/// rest of its data. Bytes are verified against their hash on every read.
/// </summary>
public sealed class BlobStore
{
    /// <summary>
    /// Every blob reference of one tenant, by the tenant's key range. A statement of its own, not one with
    /// "$1 IS NULL OR tenant_id = $1": under the generic plan a prepared statement switches to, that form
    /// cannot use the tenant's index and reads every tenant's versions.
    /// </summary>
    internal const string VerifyTenantSql = """
        SELECT blob_sha256, min(blob_size), min(tenant_id), min(collection), min(record_id), count(*)::int
        FROM (SELECT tenant_id, collection, record_id, blob_sha256, blob_size FROM lifeboat.records WHERE tenant_id = $1 AND blob_sha256 IS NOT NULL
              UNION ALL
              SELECT tenant_id, collection, record_id, blob_sha256, blob_size FROM lifeboat.record_history WHERE tenant_id = $1 AND blob_sha256 IS NOT NULL) v
        GROUP BY blob_sha256
        """;

    /// <summary>Every blob reference of every tenant (the environment's verification).</summary>
    private const string VerifyAllSql = """
        SELECT blob_sha256, min(blob_size), min(tenant_id), min(collection), min(record_id), count(*)::int
        FROM (SELECT tenant_id, collection, record_id, blob_sha256, blob_size FROM lifeboat.records WHERE blob_sha256 IS NOT NULL
              UNION ALL
              SELECT tenant_id, collection, record_id, blob_sha256, blob_size FROM lifeboat.record_history WHERE blob_sha256 IS NOT NULL) v
        GROUP BY blob_sha256
        """;

    private const int InMemoryLimit = 16 * 1024 * 1024;

    private readonly StoreContext _context;
    private readonly RecordStore _records;

    internal BlobStore(StoreContext context, RecordStore records)
    {
        _context = context;
        _records = records;
    }

    /// <summary>
    /// Writes the bytes (once per content) and returns their reference; no record is written. When the
    /// bytes are stored already, their file's grace period starts again (or the file comes back from the
    /// retention job's quarantine), so the file is not collected before the caller's record refers to it.
    /// </summary>
    public async Task<BlobReference> StoreContentAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var files = _context.BlobFiles;
        BlobFiles.CreateFolder(files.Incoming);
        var temp = Path.Combine(files.Incoming, Guid.NewGuid().ToString("n"));
        string sha;
        long size;
        try
        {
            await using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 81920,
                Options = FileOptions.Asynchronous,
                UnixCreateMode = BlobFiles.WritableFile,
            }))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                file.Flush(flushToDisk: true); // durable before it is named by its hash
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                size = file.Length;
            }

            if (files.Renew(sha) || files.BringBack(sha))
            {
                File.Delete(temp);
            }
            else
            {
                files.Place(temp, sha);
            }
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return new BlobReference(sha, size);
    }

    /// <summary>Stores the bytes and writes the record that refers to them, with optional JSON metadata.</summary>
    public async Task<WriteResult> PutAsync(TenantId tenant, CollectionDefinition collection, string id, Stream content,
        JsonElement? metadata = null, CancellationToken cancellationToken = default)
    {
        // Bytes of a write the gate then refuses are unreferenced; the retention job collects them.
        Identifiers.RecordId(id);
        var blob = await StoreContentAsync(content, cancellationToken);
        return await _records.WriteAsync(_records.Batch(tenant).PutBlob(collection, id, blob, metadata ?? EmptyObject()), cancellationToken);
    }

    /// <summary>Opens the blob of a live record after checking its bytes against their hash; null when there is no such record.</summary>
    public async Task<BlobContent?> OpenAsync(TenantId tenant, string collection, string id, CancellationToken cancellationToken = default)
    {
        var record = await _records.GetAsync(tenant, collection, id, cancellationToken);
        if (record is null)
        {
            return null;
        }

        if (record.Blob is not { } blob)
        {
            throw new RecordStateException($"record '{id}' of '{collection}' in tenant {tenant} carries no blob.");
        }

        var path = PathOf(blob.Sha256);
        if (!_context.BlobFiles.IsInPlace(blob.Sha256))
        {
            throw new BlobIntegrityException(
                $"blob '{id}' of '{collection}' in tenant {tenant} is missing its bytes ({path}); restore the file from a backup, then run `lifeboat store verify`.");
        }

        if (blob.Size <= InMemoryLimit)
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            Check(tenant, collection, id, blob, path, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            return new BlobContent(record, new MemoryStream(bytes, writable: false));
        }

        Check(tenant, collection, id, blob, path, await HashFileAsync(path, cancellationToken));
        return new BlobContent(record, new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
    }

    public async Task<byte[]?> ReadAllBytesAsync(TenantId tenant, string collection, string id, CancellationToken cancellationToken = default)
    {
        await using var content = await OpenAsync(tenant, collection, id, cancellationToken);
        if (content is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await content.Content.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Re-hashes the bytes of every blob version inside retention (of one tenant, or all tenants,
    /// deleted ones included: a restore will need them) and reports each missing or altered file. A file
    /// the retention job set aside although a version refers to it is brought back.
    /// </summary>
    public async Task<BlobVerificationReport> VerifyAsync(TenantId? tenant = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command(tenant is null ? VerifyAllSql : VerifyTenantSql);
        if (tenant is { } t)
        {
            cmd.Parameters.Add(new() { Value = t.Value });
        }

        var refs = new List<(string Sha, long Size, string Tenant, string Collection, string Id, int Versions)>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                refs.Add((Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0)), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5)));
            }
        }

        var problems = new List<BlobProblem>();
        long bytes = 0;
        for (var i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var path = PathOf(r.Sha);
            if (!_context.BlobFiles.IsInPlace(r.Sha))
            {
                problems.Add(new BlobProblem(r.Tenant, r.Collection, r.Id, r.Sha, path, "missing", r.Versions));
            }
            else
            {
                var actual = await HashFileAsync(path, cancellationToken);
                bytes += new FileInfo(path).Length;
                if (!string.Equals(actual, r.Sha, StringComparison.Ordinal))
                {
                    problems.Add(new BlobProblem(r.Tenant, r.Collection, r.Id, r.Sha, path, $"altered: the bytes hash to {actual}", r.Versions));
                }
            }

            progress?.Report(i + 1);
        }

        return new BlobVerificationReport(refs.Count, bytes, problems);
    }

    /// <summary>Where the bytes of a blob live in the blob folder (whether or not they are there).</summary>
    internal string PathOf(string sha256) => _context.BlobFiles.PathOf(sha256);

    private static void Check(TenantId tenant, string collection, string id, BlobReference blob, string path, string actual)
    {
        if (!string.Equals(actual, blob.Sha256, StringComparison.Ordinal))
        {
            throw new BlobIntegrityException(
                $"blob '{id}' of '{collection}' in tenant {tenant} failed its integrity check: the bytes at {path} hash to {actual}, not {blob.Sha256}. The file was altered on disk; restore it from a backup.");
        }
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
    }

    private static JsonElement EmptyObject()
    {
        using var doc = JsonDocument.Parse("{}");
        return doc.RootElement.Clone();
    }
}

/// <summary>A blob's record and its verified bytes.</summary>
public sealed class BlobContent(StoredRecord record, Stream content) : IAsyncDisposable
{
    public StoredRecord Record { get; } = record;

    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

public sealed record BlobProblem(string Tenant, string Collection, string RecordId, string Sha256, string Path, string Problem, int Versions);

public sealed record BlobVerificationReport(int BlobsChecked, long BytesChecked, IReadOnlyList<BlobProblem> Problems)
{
    public bool Intact => Problems.Count == 0;
}
