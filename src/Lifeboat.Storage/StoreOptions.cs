using System.Text.Json;

namespace Lifeboat.Storage;

public sealed class StoreOptions
{
    /// <summary>PostgreSQL connection string of the role the store runs as. Hosts resolve it (an external server, or the embedded one).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// The owner role's connection string: migrations, and imports from backups (which write versions at
    /// their original positions), run as it. Null: <see cref="ConnectionString"/> does both, and the
    /// database cannot hold the store to its invariants (see 0007_roles.sql).
    /// </summary>
    public string? OwnerConnectionString { get; init; }

    /// <summary>Where blob bytes live, content-addressed by SHA-256.</summary>
    public required string BlobDirectory { get; init; }

    /// <summary>How far back any tenant can be restored; older history may be compacted.</summary>
    public TimeSpan RetentionWindow { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Blob files younger than this are never collected, so a write in flight keeps its bytes.</summary>
    public TimeSpan BlobGracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The clock for policy decisions (retention cut-off). Commit stamps come from the database clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public JsonSerializerOptions JsonOptions { get; init; } = new(JsonSerializerDefaults.Web);

    /// <summary>Who writes, when a caller does not say (see <see cref="TenantStore.WithActor"/>).</summary>
    public string Actor { get; init; } = "lifeboat";

    /// <summary>
    /// Records a restore writes per transaction. Each chunk commits on its own, so a long restore holds no
    /// huge transaction whose flush other tenants' commits would queue behind, and its progress survives a crash.
    /// </summary>
    public int RestoreChunkSize { get; init; } = 1000;

    /// <summary>
    /// How long a restore waits after each chunk, leaving the CPU and the disk to other tenants' writes
    /// in between. Zero (the default) restores at full speed; a pause trades the restore's speed for
    /// other tenants' write latency (docs/benchmarks.md has measured figures).
    /// </summary>
    public TimeSpan RestorePause { get; init; } = TimeSpan.Zero;

    /// <summary>Apply pending schema migrations when the store opens.</summary>
    public bool Migrate { get; init; } = true;
}
