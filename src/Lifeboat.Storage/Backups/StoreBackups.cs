using Lifeboat.Storage.Internal;

namespace Lifeboat.Storage.Backups;

/// <summary>
/// The store's side of backups: consistent, tenant-aware exports of versions by position range, and
/// imports of them into a store that lacks them. Where the files go, how they are hashed and chained,
/// and which sites they cover is the caller's business.
/// </summary>
public sealed class StoreBackups
{
    internal static readonly TableSpec Collections = new("lifeboat.collections");

    private readonly StoreContext _context;

    internal StoreBackups(StoreContext context) => _context = context;

    /// <summary>
    /// The store's tables outside tenant data that an environment backup carries: the collections'
    /// index layout, erasures, restores, the breaker's limits and trips, and the append-only audit and
    /// destructive-event logs.
    /// </summary>
    public static IReadOnlyList<TableSpec> StoreTables { get; } =
    [
        Collections,
        new("lifeboat.erasures"),
        new("lifeboat.restores"),
        new("lifeboat.audit", "audit_id", "lifeboat.audit_audit_id_seq"),
        new("lifeboat.destructive_events", "event_id", "lifeboat.destructive_events_event_id_seq"),
        new("lifeboat.breaker_limits"),
        new("lifeboat.breaker_trips"),
        new("lifeboat.breaker_resets"),
    ];

    /// <summary>
    /// Takes the export's bound and snapshot (see <see cref="ExportSession"/>). Writers never wait for
    /// it; it waits (up to the request's timeout) for transactions that began before it to finish.
    /// </summary>
    public Task<ExportSession> BeginExportAsync(ExportRequest request, CancellationToken cancellationToken = default) =>
        ExportSession.BeginAsync(_context, WithStoreTables(request), cancellationToken);

    /// <summary>Starts an import (see <see cref="ImportSession"/>); refused at once when the store must not take it.</summary>
    public Task<ImportSession> BeginImportAsync(ImportScope scope, CancellationToken cancellationToken = default) =>
        ImportSession.BeginAsync(_context, scope, cancellationToken);

    /// <summary>
    /// Opens the bytes of a blob by its SHA-256 (lowercase hex) for copying, or null when the file is missing
    /// (a file the retention job set aside is brought back). The caller checks the hash.
    /// </summary>
    public Stream? OpenBlob(string sha256)
    {
        if (sha256 is not { Length: 64 } || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new InvalidIdentifierException($"'{sha256}' is not a SHA-256 in lowercase hex.");
        }

        var path = _context.BlobFiles.PathOf(sha256);
        return _context.BlobFiles.IsInPlace(sha256) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true) : null;
    }

    /// <summary>The schema version of every module applied to this database ("store" → 1, …).</summary>
    public async Task<IReadOnlyDictionary<string, int>> SchemaVersionsAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT module, max(version) FROM lifeboat.schema_migrations GROUP BY module ORDER BY module");
        var versions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetString(0)] = reader.GetInt32(1);
        }

        return versions;
    }

    private static ExportRequest WithStoreTables(ExportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Tables = [.. StoreTables.Concat(request.Tables).DistinctBy(t => t.Name)] };
    }
}
