namespace Lifeboat.Storage;

/// <summary>
/// Base of every error the store reports on purpose. The message says what was wrong and what to do;
/// nothing was changed by the call that threw it.
/// </summary>
public class StoreException : Exception
{
    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

public sealed class InvalidIdentifierException(string message) : StoreException(message);

public sealed class TenantNotFoundException(TenantId tenant, string message) : StoreException(message)
{
    public TenantId Tenant { get; } = tenant;
}

public sealed class TenantAlreadyExistsException(TenantId tenant, string message) : StoreException(message)
{
    public TenantId Tenant { get; } = tenant;
}

/// <summary>The tenant's lifecycle state does not allow the call; <see cref="State"/> names it.</summary>
public sealed class TenantStateException(TenantId tenant, TenantState state, string message) : StoreException(message)
{
    public TenantId Tenant { get; } = tenant;

    public TenantState State { get; } = state;
}

public sealed class RecoveryPointException(string message) : StoreException(message);

/// <summary>
/// A transaction that writes several tenants took its position before one of them changed state or
/// was restored: its write there would be older than that change. Nothing was written; retry the
/// whole transaction, which takes a new position.
/// </summary>
public sealed class TransactionTooOldException(TenantId tenant, string message, Exception inner) : StoreException(message, inner)
{
    public TenantId Tenant { get; } = tenant;
}

public sealed class RestoreInProgressException(TenantId tenant, string restoreId, string message) : StoreException(message)
{
    public TenantId Tenant { get; } = tenant;

    public string RestoreId { get; } = restoreId;
}

/// <summary>A restore was prepared for the tenant as it was (<see cref="Expected"/>); it has changed since (<see cref="State"/>, or writes).</summary>
public sealed class TenantChangedException(TenantId tenant, TenantState state, RestoreExpectation expected, string message) : StoreException(message)
{
    public TenantId Tenant { get; } = tenant;

    public TenantState State { get; } = state;

    public RestoreExpectation Expected { get; } = expected;
}

public sealed class RecordStateException(string message) : StoreException(message);

public sealed class BlobIntegrityException(string message) : StoreException(message);

public sealed class ErasureException(string message) : StoreException(message);

/// <summary>
/// The breaker refused a destructive write (see <see cref="Breaker"/>): nothing of the write was
/// committed, and <see cref="Trip"/> stays open until a person resets it.
/// </summary>
public sealed class BreakerTrippedException(BreakerTrip trip, string message) : StoreException(message)
{
    public BreakerTrip Trip { get; } = trip;
}

/// <summary>A breaker trip or limit that cannot be changed as asked.</summary>
public sealed class BreakerException(string message) : StoreException(message);

/// <summary>The code and the database disagree (for example on a collection's indexed fields).</summary>
public sealed class StoreConfigurationException(string message) : StoreException(message);
