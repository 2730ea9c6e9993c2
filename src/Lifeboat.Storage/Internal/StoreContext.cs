using System.Collections.Concurrent;
using Npgsql;

namespace Lifeboat.Storage.Internal;

/// <summary>What every part of one store shares: the database, the options and who is acting.</summary>
internal sealed class StoreContext(NpgsqlDataSource dataSource, NpgsqlDataSource? ownerDataSource, StoreOptions options, string actor, CollectionRegistry collections)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The owner role's connections (imports write versions at their original positions), when the host gave them.</summary>
    public NpgsqlDataSource? OwnerDataSource { get; } = ownerDataSource;

    public StoreOptions Options { get; } = options;

    public string Actor { get; } = actor;

    public CollectionRegistry Collections { get; } = collections;

    public BlobFiles BlobFiles { get; } = new(options.BlobDirectory, options.TimeProvider);

    public TimeProvider Time => Options.TimeProvider;

    public StoreContext WithActor(string actor) => new(DataSource, OwnerDataSource, Options, actor, Collections);

    public NpgsqlCommand Command(string sql, NpgsqlConnection? connection = null, NpgsqlTransaction? tx = null)
    {
#pragma warning disable CA2100 // every statement of the store is a constant in this assembly
        return connection is null ? DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection, tx);
#pragma warning restore CA2100
    }
}

/// <summary>
/// Checks once per process that a collection's indexed fields match what the database recorded,
/// so two programs can never file the same field under different index slots.
/// </summary>
internal sealed class CollectionRegistry
{
    private readonly ConcurrentDictionary<string, string[]> _verified = new(StringComparer.Ordinal);

    public async ValueTask EnsureAsync(NpgsqlDataSource dataSource, CollectionDefinition collection, CancellationToken ct)
    {
        if (_verified.TryGetValue(collection.Name, out var known) && known.SequenceEqual(collection.IndexedFields, StringComparer.Ordinal))
        {
            return;
        }

        await using var cmd = dataSource.CreateCommand("""
            WITH ins AS (
                INSERT INTO lifeboat.collections (name, indexed_fields) VALUES ($1, $2)
                ON CONFLICT (name) DO NOTHING RETURNING indexed_fields)
            SELECT indexed_fields FROM ins
            UNION ALL
            SELECT indexed_fields FROM lifeboat.collections WHERE name = $1
            LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = collection.Name });
        cmd.Parameters.Add(new() { Value = collection.IndexedFields.ToArray() });
        // When another writer registers the same new collection at the same moment, ON CONFLICT waits
        // for it and inserts nothing, yet the statement's snapshot predates that row: the next one sees it.
        var stored = (string[]?)await cmd.ExecuteScalarAsync(ct) ?? (string[])(await cmd.ExecuteScalarAsync(ct))!;
        if (!stored.SequenceEqual(collection.IndexedFields, StringComparer.Ordinal))
        {
            throw new StoreConfigurationException(
                $"collection '{collection.Name}' is indexed by [{string.Join(", ", stored)}] in this database, but the code declares [{string.Join(", ", collection.IndexedFields)}]. Declare the same fields in the same order.");
        }

        _verified[collection.Name] = stored;
    }
}
