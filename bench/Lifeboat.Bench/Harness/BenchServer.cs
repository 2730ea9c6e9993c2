using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Npgsql;

namespace Lifeboat.Bench.Harness;

/// <summary>
/// The private PostgreSQL of one benchmark, started with the product's own <see cref="LocalPostgres"/>
/// in <see cref="PostgresTuning.Durable"/> tuning: fsync, synchronous commit and full-page writes on,
/// so every figure includes the cost of a commit that has reached the disk. Each run gets a fresh
/// database, and the server is stopped when the run ends.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string Root = "/tmp/lifeboat-bench";
    private const string Database = "bench";

    private readonly LocalPostgres _postgres;
    private readonly IReadOnlyList<string> _preload;

    private BenchServer(LocalPostgres postgres, string connectionString, MachineInfo machine, TenantStore store, IReadOnlyList<string> preload)
    {
        _postgres = postgres;
        _preload = preload;
        Home = postgres.Home;
        ConnectionString = connectionString;
        Machine = machine;
        Store = store;
    }

    public string ConnectionString { get; }

    /// <summary>The server itself, for benchmarks that change its configuration or work beside it.</summary>
    public LocalPostgres Postgres => _postgres;

    public string Home { get; }

    public MachineInfo Machine { get; }

    /// <summary>The store under test; its data source is shared by the baselines, so both sides use the same pool and statement preparation.</summary>
    public TenantStore Store { get; }

    public NpgsqlDataSource DataSource => Store.DataSource;

    /// <summary>
    /// Starts the benchmark's server with exactly <paramref name="preload"/> in shared_preload_libraries
    /// (restarting it when the setting was different: a server home is reused between runs) and a fresh
    /// database, in which the preloaded libraries that are extensions (pg_stat_statements) are created.
    /// </summary>
    public static async Task<BenchServer> StartAsync(string name, IReadOnlyList<string> preload, CancellationToken ct)
    {
        var home = Path.Combine(Root, name);
        var postgres = new LocalPostgres(home, PostgresTuning.Durable);
        var admin = await postgres.EnsureStartedAsync("postgres", new Log.Printer(), ct);
        try
        {
            if (await PreloadAsync(admin, preload, ct))
            {
                Log.Info($"shared_preload_libraries = '{string.Join(",", preload)}': restarting PostgreSQL");
                NpgsqlConnection.ClearAllPools();
                await postgres.StopAsync(ct);
                await postgres.EnsureStartedAsync("postgres", new Log.Printer(), ct);
            }

            // A fresh database: no bloat, statistics or history carried over from an earlier run.
            await postgres.DropDatabaseAsync(Database, ct);
            var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(Database, ct))
            {
                MaxPoolSize = 64,
                ApplicationName = $"lifeboat-bench-{name}",
            }.ConnectionString;
            var store = await TenantStore.OpenAsync(Options(home, connectionString, TimeSpan.Zero), ct);
            var server = new BenchServer(postgres, connectionString, await MachineInfo.ReadAsync(store.DataSource, ct), store, preload);
            await server.CreatePreloadedExtensionsAsync(store.DataSource, ct);
            Log.Info($"PostgreSQL {server.Machine.Postgresql} (fsync={server.Machine.PostgresSettings["fsync"]}, synchronous_commit={server.Machine.PostgresSettings["synchronous_commit"]}) in {postgres.DataDirectory}");
            return server;
        }
        catch
        {
            await postgres.StopAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Another fresh database on this server (dropped first if an earlier run left it), with the same
    /// pool settings and preloaded extensions as the benchmark's own: a second environment beside the first.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string database, CancellationToken ct)
    {
        await _postgres.DropDatabaseAsync(database, ct);
        var connectionString = new NpgsqlConnectionStringBuilder(await _postgres.CreateDatabaseAsync(database, ct))
        {
            MaxPoolSize = 64,
            ApplicationName = new NpgsqlConnectionStringBuilder(ConnectionString).ApplicationName,
        }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await CreatePreloadedExtensionsAsync(dataSource, ct);
        return connectionString;
    }

    /// <summary>Sets shared_preload_libraries to exactly <paramref name="preload"/>; true when a restart is needed for it to take effect.</summary>
    private static async Task<bool> PreloadAsync(string admin, IReadOnlyList<string> preload, CancellationToken ct)
    {
        var wanted = string.Join(",", preload);
        await using var dataSource = NpgsqlDataSource.Create(admin);
        await using var show = dataSource.CreateCommand("SELECT current_setting('shared_preload_libraries')");
        if (((string)(await show.ExecuteScalarAsync(ct))!).Replace(" ", "", StringComparison.Ordinal) == wanted)
        {
            return false;
        }

        // ALTER SYSTEM takes no parameters; the names are the benchmarks' own constants.
        await using var set = dataSource.CreateCommand(preload.Count == 0
            ? "ALTER SYSTEM RESET shared_preload_libraries"
            : $"ALTER SYSTEM SET shared_preload_libraries = '{wanted}'");
        await set.ExecuteNonQueryAsync(ct);
        return true;
    }

    private async Task CreatePreloadedExtensionsAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        if (_preload.Contains(StatementStats.Extension))
        {
            await using var cmd = dataSource.CreateCommand($"CREATE EXTENSION IF NOT EXISTS {StatementStats.Extension}");
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Restarts the server, so settings that need a restart (archive_mode) take effect; pooled connections are dropped.</summary>
    public async Task RestartAsync(CancellationToken ct)
    {
        await _postgres.StopAsync(ct);
        // Pooled connections died with the server; drop them so nothing picks one up.
        NpgsqlConnection.ClearAllPools();
        DataSource.Clear();
        await _postgres.EnsureStartedAsync("postgres", new Log.Printer(), ct);
    }

    /// <summary>Another store on the same database whose restores pause after each chunk.</summary>
    public Task<TenantStore> OpenPacedStoreAsync(TimeSpan restorePause, CancellationToken ct) =>
        TenantStore.OpenAsync(Options(Home, ConnectionString, restorePause), ct);

    public async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        cmd.CommandTimeout = 0;
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new() { Value = p });
        }

        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Where the server's WAL is, in bytes: the difference of two readings is the WAL written in between.</summary>
    public Task<long> WalPositionAsync(CancellationToken ct) =>
        ScalarAsync<long>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint", ct);

    /// <summary>Vacuums, analyzes and checkpoints, so the measured steps start from the same settled state.</summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        Log.Info("  settling: VACUUM ANALYZE, CHECKPOINT");
        await ExecAsync("VACUUM ANALYZE", ct);
        await ExecAsync("CHECKPOINT", ct);
    }

    private static StoreOptions Options(string home, string connectionString, TimeSpan restorePause) => new()
    {
        ConnectionString = connectionString,
        BlobDirectory = Path.Combine(home, "blobs"),
        Actor = "bench",
        RestorePause = restorePause,
    };

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (await _postgres.StopAsync(CancellationToken.None))
        {
            Log.Info("PostgreSQL stopped");
        }
    }
}
