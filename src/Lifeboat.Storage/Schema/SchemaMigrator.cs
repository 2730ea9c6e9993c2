using Npgsql;

namespace Lifeboat.Storage.Schema;

/// <summary>
/// Applies pending migrations at start. An advisory lock makes concurrent starts (several workers,
/// parallel test classes) apply each script exactly once; each script runs in its own transaction.
/// Pending means not recorded as applied, not "numbered above the highest applied": numbers may have
/// gaps, and a script merged later with a lower number than one already applied is still applied.
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
                var done = RequireNotNewer(module, await AppliedVersions(connection, module, cancellationToken), migrations);
                foreach (var migration in migrations.Where(m => !done.Contains(m.Version)))
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
            var done = RequireNotNewer(module, await AppliedVersions(connection, module, ct), migrations);
            upToDate &= migrations.All(m => done.Contains(m.Version));
        }

        return upToDate;
    }

    /// <summary>The versions applied, refusing a database that has one this program does not know (a newer Lifeboat migrated it).</summary>
    private static HashSet<int> RequireNotNewer(string module, HashSet<int> applied, IReadOnlyList<Migration> migrations)
    {
        var unknown = applied.Where(v => migrations.All(m => m.Version != v)).Order().ToList();
        return unknown.Count > 0
            ? throw new StoreConfigurationException(
                $"the database's '{module}' schema is at version {unknown[^1]}, newer than this program knows ({(migrations.Count > 0 ? migrations[^1].Version : 0)}); run a newer Lifeboat.")
            : applied;
    }

    private static async Task<HashSet<int>> AppliedVersions(NpgsqlConnection connection, string module, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT version FROM lifeboat.schema_migrations WHERE module = $1", connection);
        cmd.Parameters.Add(new() { Value = module });
        var versions = new HashSet<int>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? tx, CancellationToken ct)
    {
#pragma warning disable CA2100 // the SQL is our own embedded migration text
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
