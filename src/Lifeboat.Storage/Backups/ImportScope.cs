namespace Lifeboat.Storage.Backups;

/// <summary>What an import brings back: one tenant (into a live store) or every tenant (into an empty one), up to a point.</summary>
public sealed record ImportScope
{
    /// <summary>The one tenant to import; null imports every tenant, and then the store must be empty.</summary>
    public TenantId? Tenant { get; init; }

    /// <summary>Versions and lifecycle changes after this point are left out.</summary>
    public required RecoveryPoint Point { get; init; }

    /// <summary>
    /// Tables beyond tenant data whose staged rows are inserted (rows already present are kept).
    /// For one tenant, only tables tied to tenants are used, and only that tenant's rows.
    /// </summary>
    public IReadOnlyList<TableSpec> Tables { get; init; } = [];

    /// <summary>Sequences to move forward to at least these values (never back), so new IDs do not collide with restored ones.</summary>
    public IReadOnlyDictionary<string, long> Sequences { get; init; } = new Dictionary<string, long>();
}

/// <summary>What an import added. Nothing already in the store is changed or removed.</summary>
public sealed record ImportResult(
    int TenantsCreated,
    long LifecycleChanges,
    long Versions,
    long TableRows,
    IReadOnlyList<TenantId> PurgedTenantsSkipped,
    long LatestPosition);

/// <summary>Where an import is: a stretch of its work, and how far into it (<see cref="Total"/> null when unknown).</summary>
public sealed record ImportProgress(string Step, long Done, long? Total);
