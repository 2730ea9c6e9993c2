using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Sample.Participant;

/// <summary>A document as the search index holds it: what the product sent to be found.</summary>
public sealed record IndexedDocument(string Id, string Product, string Title, string Text);

/// <summary>What a site's index holds: its documents, a fingerprint of them, and its lifecycle state (null: never indexed).</summary>
public sealed record IndexState(long Documents, string Sha256, TenantState? State);

/// <summary>The outcome of a restore: the documents now, and how many records it changed (0 when repeated).</summary>
public sealed record IndexRestore(long Documents, int Changed, string Detail);

/// <summary>
/// The sample SaaS's search index: per site (a tenant of its own store, keyed by the site ID) the
/// documents its products sent to be found. Its store is versioned like Lifeboat's, so a site's
/// index can be brought back to any instant of the window; it keeps its own clock, so it restores
/// by time.
/// </summary>
public sealed class SearchIndex : IAsyncDisposable
{
    public static readonly CollectionDefinition Documents = new("search.documents", "product");

    private readonly TenantStore _store;
    private readonly ConcurrentDictionary<TenantId, SemaphoreSlim> _siteLocks = new();

    private SearchIndex(TenantStore store) => _store = store;

    /// <summary>Opens the index on a database of its own (never Lifeboat's: the same site IDs would collide).</summary>
    public static async Task<SearchIndex> OpenAsync(string connectionString, string blobDirectory, string? ownerConnectionString = null, CancellationToken ct = default)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT to_regclass('platform.site_directory') IS NOT NULL", connection);
            if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
            {
                throw new InvalidOperationException(
                    $"database '{connection.Database}' is Lifeboat's own; the search index needs a database of its own (its tenants are the same site IDs).");
            }
        }

        return new SearchIndex(await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = connectionString,
            OwnerConnectionString = ownerConnectionString,
            BlobDirectory = blobDirectory,
            Actor = "search",
        }, ct));
    }

    public async Task IndexAsync(TenantId site, IndexedDocument document, CancellationToken ct)
    {
        if (await _store.Tenants.FindAsync(site, ct) is null)
        {
            try
            {
                await _store.Tenants.CreateAsync(site, ct);
            }
            catch (TenantAlreadyExistsException)
            {
                // Created by a concurrent call.
            }
        }

        await _store.Records.PutAsync(site, Documents, document.Id, document, ct);
    }

    public async Task<bool> RemoveAsync(TenantId site, string id, CancellationToken ct) =>
        (await _store.Records.DeleteAsync(site, Documents.Name, id, ct)).Deleted > 0;

    public async Task<IReadOnlyList<IndexedDocument>> ListAsync(TenantId site, CancellationToken ct) =>
        (await _store.Records.ListAsync(site, Documents.Name, ct)).Select(r => r.As<IndexedDocument>()).ToList();

    /// <summary>Documents whose title or text holds every word of the query.</summary>
    public async Task<IReadOnlyList<IndexedDocument>> SearchAsync(TenantId site, string query, CancellationToken ct)
    {
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (await ListAsync(site, ct))
            .Where(d => words.All(w => d.Title.Contains(w, StringComparison.OrdinalIgnoreCase) || d.Text.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }

    /// <summary>Drops a site's index (the site was deleted); its history stays, so a restore brings it back.</summary>
    public async Task<bool> DeleteSiteAsync(TenantId site, string reason, CancellationToken ct) =>
        await _store.Tenants.DeleteAsync(site, reason, ct) is not null;

    /// <summary>The site's index now, or at a time; it reads whatever the site's state (deleted, being restored).</summary>
    public async Task<IndexState> StateAsync(TenantId site, DateTimeOffset? at, CancellationToken ct)
    {
        var info = await _store.Tenants.FindAsync(site, ct);
        if (info is null || info.CreatedAt > at)
        {
            return new IndexState(0, Fingerprint([]), null);
        }

        var digests = await _store.Records.DigestAsync(site, at is { } t ? RecoveryPoint.AtTime(t) : null, ct);
        var state = at is { } time
            ? (await _store.Tenants.HistoryAsync(site, ct)).Last(c => c.Stamp <= time).State
            : info.RestoreId is null ? info.State : TenantState.Restoring;
        return new IndexState(digests.Sum(d => d.Records), Fingerprint(digests), state);
    }

    /// <summary>
    /// Brings the site's index to what it was at <paramref name="time"/>. Repeating it converges: a
    /// second call for the same job finds nothing to change, and a call after this process died in the
    /// middle of one resumes that restore (its ID is the job's and the site's).
    /// </summary>
    public async Task<IndexRestore> RestoreAsync(TenantId site, string job, DateTimeOffset time, CancellationToken ct)
    {
        var gate = _siteLocks.GetOrAdd(site, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var info = await _store.Tenants.FindAsync(site, ct);
            if (info is null)
            {
                return new IndexRestore(0, 0, "nothing of this site was ever indexed");
            }

            // Indexed only after the point: at the point it held nothing, which is the index just created.
            var point = info.CreatedAt > time ? RecoveryPoint.AtPosition(info.CreatedPosition) : RecoveryPoint.AtTime(time);
            var id = $"{job}:{site}";
            RestoreResult result;
            if (await _store.Restores.GetAsync(id, ct) is null or { FinishedAt: null })
            {
                var restore = await _store.Restores.BeginAsync(site, point, id, ct);
                await restore.RestoreRecordsAsync(null, ct);
                result = await restore.CompleteAsync(ct);
            }
            else
            {
                result = await _store.Restores.RestoreAsync(site, point, ct);
            }

            var now = await StateAsync(site, null, ct);
            return new IndexRestore(now.Documents, result.Records, $"{result.Records} record(s) changed; {now.Documents} document(s), {now.State}");
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        foreach (var gate in _siteLocks.Values)
        {
            gate.Dispose();
        }
    }

    private static string Fingerprint(IReadOnlyList<CollectionDigest> digests) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', digests.Select(d => $"{d.Collection} {d.Records} {d.Sha256}")))));
}
