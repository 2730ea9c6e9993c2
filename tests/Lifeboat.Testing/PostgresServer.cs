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

    public static async Task<TestDatabase> CreateDatabaseAsync(string purpose, CancellationToken ct = default)
    {
        var admin = await EnsureAsync(ct);
        var name = $"t_{Slug(purpose)}_{Guid.NewGuid():n}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true, MaxPoolSize = 50 };
        return new TestDatabase(name, builder.ConnectionString, admin);
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
            _adminConnection = await _local.EnsureStartedAsync("postgres", null, ct);
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
public sealed class TestDatabase(string name, string connectionString, string adminConnectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>Register in each test assembly with [assembly: AssemblyFixture(typeof(PostgresServerLifetime))].</summary>
public sealed class PostgresServerLifetime : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await PostgresServer.StopAsync();
}
