using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// One database transaction across several store calls and the caller's own statements, so that,
/// for example, a tenant's creation, its first records and the event announcing it commit together.
/// All writes in it share one commit position.
/// </summary>
public sealed class StoreTransaction : IAsyncDisposable
{
    internal StoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public NpgsqlCommand Command(string sql)
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
