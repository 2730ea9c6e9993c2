using System.Reflection;
using Lifeboat.Storage.Hosting;
using Npgsql;

namespace Lifeboat.Testing;

/// <summary>
/// The real PostgreSQL a test run uses: LIFEBOAT_TEST_CONNECTION when set (an existing server on
/// which test databases are created), otherwise a private server started with the product's own
/// embedded default under /tmp/lifeboat-tests/&lt;test assembly&gt;, without fsync.
/// </summary>
public static class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static LocalPostgres? _local;
    private static string? _adminConnection;
    private static bool _startedHere;

    /// <summary>
    /// A database of its own, owned by the owner role, as the product's embedded default makes them: the
    /// tests run as the application role, so they meet every privilege the product lacks.
    /// </summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string purpose, CancellationToken ct = default)
    {
        var admin = await EnsureAsync(ct);
        var name = $"t_{Slug(purpose)}_{Guid.NewGuid():n}";
        var connections = await DatabaseRoles.EnsureAsync(admin, name, TestPasswords.Owner, TestPasswords.Application, ct);
        string Pooled(string connection) => new NpgsqlConnectionStringBuilder(connection) { Pooling = true, MaxPoolSize = 50 }.ConnectionString;
        return new TestDatabase(name, Pooled(connections.Application), Pooled(connections.Owner!),
            new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString, admin);
    }

    /// <summary>Stops the private server if this process started it (an external one is left alone).</summary>
    public static async Task StopAsync()
    {
        if (_local is not null && _startedHere)
        {
            NpgsqlConnection.ClearAllPools();
            await _local.StopAsync();
        }
    }

    private static async Task<string> EnsureAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            if (_adminConnection is not null)
            {
                return _adminConnection;
            }

            if (Environment.GetEnvironmentVariable("LIFEBOAT_TEST_CONNECTION") is { Length: > 0 } external)
            {
                _adminConnection = external;
                return external;
            }

            var assembly = Assembly.GetEntryAssembly()?.GetName().Name ?? "lifeboat";
            var home = Path.Combine(Environment.GetEnvironmentVariable("LIFEBOAT_TEST_HOME") ?? "/tmp/lifeboat-tests", assembly);
            _local = new LocalPostgres(home, PostgresTuning.Disposable);
            _startedHere = !(await _local.GetStatusAsync(ct)).Running;
            _adminConnection = await _local.StartAsync(null, ct);
            return _adminConnection;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string Slug(string s) =>
        new(s.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')).Take(20).ToArray());
}

/// <summary>One database of the test server, owned by one test class (or one test).</summary>
public sealed class TestDatabase(string name, string connectionString, string ownerConnectionString, string adminConnectionString, string serverAdminConnectionString)
    : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>As the application role, which the product runs as.</summary>
    public string ConnectionString { get; } = connectionString;

    /// <summary>As the owner role, which migrates and imports.</summary>
    public string OwnerConnectionString { get; } = ownerConnectionString;

    /// <summary>As the server's administrator: for a test that must do what no role of the product can (break a file, stage an attack's aftermath).</summary>
    public string AdminConnectionString { get; } = adminConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverAdminConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>The two roles' passwords on the tests' private server (loopback only, thrown away with it).</summary>
internal static class TestPasswords
{
    public const string Owner = "testowner0000000000000000";

    public const string Application = "testapplication000000000";
}

/// <summary>Register in each test assembly with [assembly: AssemblyFixture(typeof(PostgresServerLifetime))].</summary>
public sealed class PostgresServerLifetime : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await PostgresServer.StopAsync();
}
