using Npgsql;

namespace Lifeboat.Storage.Internal;

/// <summary>
/// Turns the gate's SQL errors (SQLSTATE LBxxx, raised in one place: the gate functions; LBSxx carries the tenant's state) into the
/// store's exceptions, keeping the database's message, which already names the tenant and its state.
/// </summary>
internal static class Errors
{
    public static bool IsGateError(PostgresException e) => e.SqlState.StartsWith("LB", StringComparison.Ordinal) || e.SqlState == TooOld;

    /// <summary>The gate's refusal of a write to a tenant that changed after the transaction took its position (0007_roles.sql).</summary>
    private const string TooOld = "40001";

    public static StoreException Translate(PostgresException e, TenantId tenant)
    {
        var message = e.Hint is { Length: > 0 } hint ? $"{e.MessageText}. {hint}" : e.MessageText;
        return e.SqlState switch
        {
            "LB404" => new TenantNotFoundException(tenant, message),
            "LBSAC" => new TenantStateException(tenant, TenantState.Active, message),
            "LBSSU" => new TenantStateException(tenant, TenantState.Suspended, message),
            "LBSDE" => new TenantStateException(tenant, TenantState.Deleted, message),
            "LBSRE" => new TenantStateException(tenant, TenantState.Restoring, message),
            "LBSPU" => new TenantStateException(tenant, TenantState.Purged, message),
            TooOld => new TransactionTooOldException(tenant, message, e),
            _ => new StoreException(message, e),
        };
    }

    /// <summary>Runs a database call for one tenant, translating gate errors; a breaker's refusal is recorded as a trip.</summary>
    public static async Task<T> Gated<T>(StoreContext context, TenantId tenant, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PostgresException e) when (e.SqlState == BreakerRefusal)
        {
            throw await new Breaker(context).RecordAsync(e, tenant);
        }
        catch (PostgresException e) when (IsGateError(e))
        {
            throw Translate(e, tenant);
        }
    }

    /// <summary>The SQLSTATE of a write the breaker refused (0005_breaker.sql).</summary>
    public const string BreakerRefusal = "LBBRK";
}
