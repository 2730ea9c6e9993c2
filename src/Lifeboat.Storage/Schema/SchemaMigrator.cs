using Npgsql;

namespace Lifeboat.Storage.Schema;

/// <summary>
/// Applies pending migrations at start. An advisory lock makes concurrent starts (several workers,
/// parallel test classes) apply each script exactly once; each script runs in its own transaction.
/// </summary>
public static class SchemaMigrator
{
    private const long MigrationLockKey = 0x4C69_6665_626F_6174; // "Lifeboat"

    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, IReadOnlyList<MigrationSource> sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(sources);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var known = sources.Select(source => (source.Module, Migrations: source.Load())).ToList();
        // Up to date: nothing to lock or create, so the application role (which may create nothing) opens a migrated store.
        // A schema newer than this program is refused here, before anything is tried.
        if (await UpToDateAsync(connection, known, cancellationToken))
        {
            return 0;
        }

        await Execute(connection, $"SELECT pg_advisory_lock({MigrationLockKey})", null, cancellationToken);
        try
        {
            await Execute(connection, """
                CREATE SCHEMA IF NOT EXISTS lifeboat;
                CREATE TABLE IF NOT EXISTS lifeboat.schema_migrations (
                    module     text NOT NULL,
                    version    integer NOT NULL,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (module, version));
                """, null, cancellationToken);

            var applied = 0;
            foreach (var (module, migrations) in known)
            {
                var current = RequireNotNewer(module, await CurrentVersion(connection, module, cancellationToken), migrations);
                foreach (var migration in migrations.Where(m => m.Version > current))
                {
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await Execute(connection, migration.Sql, tx, cancellationToken);
                    await using (var record = new NpgsqlCommand(
                        "INSERT INTO lifeboat.schema_migrations (module, version, name) VALUES ($1, $2, $3)", connection, tx))
                    {
                        record.Parameters.Add(new() { Value = migration.Module });
                        record.Parameters.Add(new() { Value = migration.Version });
                        record.Parameters.Add(new() { Value = migration.Name });
                        await record.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await tx.CommitAsync(cancellationToken);
                    applied++;
                }
            }

            return applied;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new StoreConfigurationException(
                $"the schema has migrations to apply, and the role {connection.UserName} may not apply them ({e.MessageText}): " +
                "give the owner role's connection as well: lifeboat --owner-connection, LIFEBOAT_OWNER_CONNECTION, the server's Lifeboat:OwnerConnection, " +
                "or StoreOptions.OwnerConnectionString.");
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({MigrationLockKey})", null, CancellationToken.None);
        }
    }

    private static async Task<bool> UpToDateAsync(NpgsqlConnection connection, IReadOnlyList<(string Module, IReadOnlyList<Migration> Migrations)> known,
        CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('lifeboat.schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
            {
                return false;
            }
        }

        var upToDate = true;
        foreach (var (module, migrations) in known)
        {
            upToDate &= RequireNotNewer(module, await CurrentVersion(connection, module, ct), migrations) == migrations.Count;
        }

        return upToDate;
    }

    private static int RequireNotNewer(string module, int current, IReadOnlyList<Migration> migrations) =>
        current > migrations.Count
            ? throw new StoreConfigurationException(
                $"the database's '{module}' schema is at version {current}, newer than this program knows ({migrations.Count}); run a newer Lifeboat.")
            : current;

    private static async Task<int> CurrentVersion(NpgsqlConnection connection, string module, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM lifeboat.schema_migrations WHERE module = $1", connection);
        cmd.Parameters.Add(new() { Value = module });
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? tx, CancellationToken ct)
    {
#pragma warning disable CA2100 // the SQL is our own embedded migration text
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
