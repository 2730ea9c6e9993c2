namespace Lifeboat.Storage;

/// <summary>What a restore changes (or would change) in one collection.</summary>
public sealed record CollectionChange(string Collection, int Reverted, int Undeleted, int Deleted, long BlobBytes)
{
    public int Total => Reverted + Undeleted + Deleted;
}

/// <summary>The dry run of a restore: what it would change, and nothing changed.</summary>
public sealed record RestorePreview(
    TenantId Tenant,
    RecoveryPoint Point,
    TenantState StateNow,
    TenantState StateAtPoint,
    IReadOnlyList<CollectionChange> Changes)
{
    public int Records => Changes.Sum(c => c.Total);

    public long BlobBytes => Changes.Sum(c => c.BlobBytes);
}

public sealed record RestoreResult(
    string RestoreId,
    TenantId Tenant,
    RecoveryPoint Point,
    RecoveryPoint UndoPoint,
    TenantState StateBefore,
    TenantState StateAfter,
    IReadOnlyList<CollectionChange> Changes,
    TimeSpan Duration)
{
    public int Records => Changes.Sum(c => c.Total);

    public long BlobBytes => Changes.Sum(c => c.BlobBytes);
}

public sealed record RestoreInfo(
    string RestoreId,
    TenantId Tenant,
    RecoveryPoint Point,
    RecoveryPoint UndoPoint,
    TenantState PriorState,
    string Actor,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Outcome);

/// <summary>
/// A tenant as someone found it before restoring it later: its state and the latest commit position
/// then. A restore begun with it refuses to start if the tenant changed since, so nothing written
/// after the decision to restore is reverted without a new decision.
/// </summary>
public sealed record RestoreExpectation(TenantState State, long Position);
