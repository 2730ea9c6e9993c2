using Npgsql;

namespace Lifeboat.Storage.Hosting;

/// <summary>
/// Where a store's database is reached: as the application role the product runs as, and as the
/// owner role that migrates it and imports backups (null: the application connection does both, and
/// the database cannot hold the product to the store's invariants).
/// </summary>
public sealed record DatabaseConnections(string Application, string? Owner)
{
    /// <summary>LIFEBOAT_OWNER_CONNECTION, for a server of your own whose owner role is not the application's.</summary>
    public static string? OwnerFromEnvironment =>
        Environment.GetEnvironmentVariable("LIFEBOAT_OWNER_CONNECTION") is { Length: > 0 } owner ? owner : null;
}

/// <summary>
/// The two roles of a Lifeboat database: <see cref="Owner"/> owns the schemas, migrates them and
/// imports backups; <see cref="Application"/> is what the product runs as, and holds only what the
/// migrations grant it (0007_roles.sql). Created with an administrator's connection.
/// </summary>
public static class DatabaseRoles
{
    public const string Owner = "lifeboat_owner";

    public const string Application = "lifeboat_app";

    /// <summary>
    /// Creates (or updates) both roles with these passwords, a database owned by the owner (handing it
    /// the objects of a database created before the roles existed), and returns its connections.
    /// </summary>
    public static async Task<DatabaseConnections> EnsureAsync(string adminConnectionString, string database, string ownerPassword, string applicationPassword,
        CancellationToken cancellationToken = default)
    {
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString);
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = "postgres", Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            // Roles are the cluster's, and concurrent starts (workers, parallel tests) change them: one at a time,
            // or PostgreSQL refuses the second ALTER ROLE ("tuple concurrently updated").
            await ExecAsync(connection, $"SELECT pg_advisory_lock({RolesLockKey})", cancellationToken);
            try
            {
                await EnsureRolesAsync(connection, database, ownerPassword, applicationPassword, cancellationToken);
            }
            finally
            {
                await ExecAsync(connection, $"SELECT pg_advisory_unlock({RolesLockKey})", CancellationToken.None);
            }
        }

        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await ExecAsync(connection, $"ALTER DATABASE {Identifier(database)} OWNER TO {Owner}", cancellationToken);
            await ExecAsync(connection, $"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CREATE ON SCHEMA public TO {Owner}", cancellationToken);
            await HandOverAsync(connection, cancellationToken);
        }

        return new DatabaseConnections(
            new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = database, Username = Application, Password = applicationPassword }.ConnectionString,
            new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = database, Username = Owner, Password = ownerPassword }.ConnectionString);
    }

    private const long RolesLockKey = 0x4C42_524F_4C45_5321; // "LBROLES!"

    private static async Task EnsureRolesAsync(NpgsqlConnection connection, string database, string ownerPassword, string applicationPassword,
        CancellationToken cancellationToken)
    {
        await ExecAsync(connection, $"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Owner}') THEN
                    CREATE ROLE {Owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
                END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Application}') THEN
                    CREATE ROLE {Application} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$
            """, cancellationToken);
        await ExecAsync(connection, $"ALTER ROLE {Owner} PASSWORD {Literal(ownerPassword)}", cancellationToken);
        await ExecAsync(connection, $"ALTER ROLE {Application} PASSWORD {Literal(applicationPassword)}", cancellationToken);
        // So the settle waits of backups and the detector see every writer's transaction, whatever its role.
        await ExecAsync(connection, $"GRANT pg_read_all_stats TO {Application}", cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new() { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            try
            {
                await ExecAsync(connection, $"CREATE DATABASE {Identifier(database)} OWNER {Owner}", cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // created by a concurrent process: fine
            }
        }
    }

    /// <summary>
    /// A database migrated before the roles existed belongs to whoever migrated it: hand its schemas and
    /// their objects to the owner, so the next migration (run as the owner) can alter them.
    /// </summary>
    private static Task HandOverAsync(NpgsqlConnection connection, CancellationToken ct) => ExecAsync(connection, $"""
        DO $$
        DECLARE
            r record;
        BEGIN
            FOR r IN SELECT n.nspname FROM pg_namespace n
                     WHERE n.nspname IN ('lifeboat', 'platform') AND n.nspowner <> '{Owner}'::regrole LOOP
                EXECUTE format('ALTER SCHEMA %I OWNER TO {Owner}', r.nspname);
            END LOOP;
            FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname IN ('lifeboat', 'platform') AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> '{Owner}'::regrole LOOP
                EXECUTE format('ALTER TABLE %s OWNER TO {Owner}', r.name);
            END LOOP;
            FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname IN ('lifeboat', 'platform') AND c.relkind = 'S' AND c.relowner <> '{Owner}'::regrole LOOP
                EXECUTE format('ALTER SEQUENCE %s OWNER TO {Owner}', r.name);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname IN ('lifeboat', 'platform') AND p.proowner <> '{Owner}'::regrole LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO {Owner}', r.name);
            END LOOP;
        END $$
        """, ct);

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
#pragma warning disable CA2100 // role names are constants; passwords and names go through Literal and Identifier
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Literal(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c))
            ? $"'{value}'"
            : throw new StoreConfigurationException("a generated role password must be letters and digits.");

    private static string Identifier(string name) =>
        name is { Length: > 0 and <= 63 } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')
            ? "\"" + name + "\""
            : throw new StoreConfigurationException($"'{name}' is not a database name Lifeboat creates: use up to 63 lowercase letters, digits or '_'.");
}
