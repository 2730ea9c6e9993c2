namespace Lifeboat.Storage;

/// <summary>Where a tenant is in its lifecycle. The gate checks it on every read and write.</summary>
public enum TenantState
{
    /// <summary>Readable and writable.</summary>
    Active,

    /// <summary>Readable, closed to writes.</summary>
    Suspended,

    /// <summary>Invisible and closed to writes; every byte of its data is still there.</summary>
    Deleted,

    /// <summary>A restore owns the tenant: readable, closed to every other writer.</summary>
    Restoring,

    /// <summary>Its data was removed by the retention job or an approved erasure.</summary>
    Purged,
}

public sealed record TenantInfo(
    TenantId Id,
    TenantState State,
    DateTimeOffset CreatedAt,
    long CreatedPosition,
    DateTimeOffset StateChangedAt,
    long StatePosition,
    string? RestoreId);

public sealed record TenantStateChange(long Position, DateTimeOffset Stamp, TenantState State, string Actor, string? Reason);

/// <summary>A tenant's live data: records, how many carry blobs, and the blobs' bytes.</summary>
public sealed record TenantFootprint(long Records, long Blobs, long BlobBytes);
