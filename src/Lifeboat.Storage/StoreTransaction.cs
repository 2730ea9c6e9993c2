using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// One database transaction across several store calls, so that, for example, a tenant's creation,
/// its first records and the event announcing it commit together. All writes in it share one commit
/// position. Only Lifeboat's own assemblies add raw statements to it.
/// </summary>
public sealed class StoreTransaction : IAsyncDisposable
{
    internal StoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    internal NpgsqlConnection Connection { get; }

    internal NpgsqlTransaction Transaction { get; }

    /// <summary>A statement of the platform's own tables, in this transaction (the store's own tables are the store's).</summary>
    internal NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // callers pass their own constant SQL
        return new NpgsqlCommand(sql, Connection, Transaction);
#pragma warning restore CA2100
    }

    public Task CommitAsync(CancellationToken cancellationToken = default) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
