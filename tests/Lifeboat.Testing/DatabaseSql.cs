using System.Collections.Concurrent;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Testing;

/// <summary>
/// SQL on a store's database as its owner role, for tests that look at tables directly or stage what
/// a person with the owner's rights could do (tamper with a plan's targets, read a step's attempts).
/// The product itself has no such access: its application role cannot write around the store.
/// </summary>
public static class DatabaseSql
{
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new();

    /// <summary>A pool as the application role the product runs as: for tests that attack the database the way the product could.</summary>
    public static NpgsqlDataSource AsApplication(StoreOptions options) =>
        Sources.GetOrAdd(options.ConnectionString, connection => NpgsqlDataSource.Create(connection));

    /// <summary>A pool as the owner of the database <paramref name="options"/> reaches (shared per database, kept for the test run).</summary>
    public static NpgsqlDataSource AsOwner(StoreOptions options) =>
        Sources.GetOrAdd(options.OwnerConnectionString ?? throw new InvalidOperationException("these store options name no owner connection"),
            connection => NpgsqlDataSource.Create(connection));
}
