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
    private const string DatabaseName = "bench";

    private readonly LocalPostgres _postgres;
    private readonly IReadOnlyList<string> _preload;

    private BenchServer(LocalPostgres postgres, BenchDatabase database, MachineInfo machine, TenantStore store, IReadOnlyList<string> preload)
    {
        _postgres = postgres;
        _preload = preload;
        Home = postgres.Home;
        Database = database;
        DataSource = NpgsqlDataSource.Create(database.Admin);
        Machine = machine;
        Store = store;
    }

    /// <summary>The benchmark's database: the product's connections, and the administrator's for the harness.</summary>
    public BenchDatabase Database { get; }

    /// <summary>The administrator's connection: baselines, settings and archiving are the harness's, not the product's.</summary>
    public string ConnectionString => Database.Admin;

    /// <summary>The server itself, for benchmarks that change its configuration or work beside it.</summary>
    public LocalPostgres Postgres => _postgres;

    public string Home { get; }

    public MachineInfo Machine { get; }

    /// <summary>The store under test, connected as the application role the product runs as.</summary>
    public TenantStore Store { get; }

    /// <summary>
    /// The harness's own pool, as the administrator, with the store's pool size: baselines write
    /// through it, and checks read the store's tables through it (the application role cannot).
    /// </summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// Starts the benchmark's server with exactly <paramref name="preload"/> in shared_preload_libraries
    /// (restarting it when the setting was different: a server home is reused between runs) and a fresh
    /// database, in which the preloaded libraries that are extensions (pg_stat_statements) are created.
    /// </summary>
    public static async Task<BenchServer> StartAsync(string name, IReadOnlyList<string> preload, CancellationToken ct)
    {
        var home = Path.Combine(Root, name);
        var postgres = new LocalPostgres(home, PostgresTuning.Durable);
        var serverAdmin = await postgres.StartAsync(new Log.Printer(), ct);
        try
        {
            if (await PreloadAsync(serverAdmin, preload, ct))
            {
                Log.Info($"shared_preload_libraries = '{string.Join(",", preload)}': restarting PostgreSQL");
                NpgsqlConnection.ClearAllPools();
                await postgres.StopAsync(ct);
                await postgres.StartAsync(new Log.Printer(), ct);
            }

            // A fresh database: no bloat, statistics or history carried over from an earlier run.
            await postgres.DropDatabaseAsync(DatabaseName, ct);
            var database = BenchDatabase.Of(postgres, await postgres.CreateDatabaseAsync(DatabaseName, ct), DatabaseName, $"lifeboat-bench-{name}");
            var store = await TenantStore.OpenAsync(Options(home, database, TimeSpan.Zero), ct);
            MachineInfo machine;
            await using (var admin = NpgsqlDataSource.Create(database.Admin))
            {
                machine = await MachineInfo.ReadAsync(admin, ct);
            }

            var server = new BenchServer(postgres, database, machine, store, preload);
            await server.CreatePreloadedExtensionsAsync(server.DataSource, ct);
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
    public async Task<BenchDatabase> CreateDatabaseAsync(string database, CancellationToken ct)
    {
        await _postgres.DropDatabaseAsync(database, ct);
        var created = BenchDatabase.Of(_postgres, await _postgres.CreateDatabaseAsync(database, ct), database,
            new NpgsqlConnectionStringBuilder(ConnectionString).ApplicationName!);
        await using var dataSource = NpgsqlDataSource.Create(created.Admin);
        await CreatePreloadedExtensionsAsync(dataSource, ct);
        return created;
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
        await _postgres.StartAsync(new Log.Printer(), ct);
    }

    /// <summary>Another store on the same database whose restores pause after each chunk.</summary>
    public Task<TenantStore> OpenPacedStoreAsync(TimeSpan restorePause, CancellationToken ct) =>
        TenantStore.OpenAsync(Options(Home, Database, restorePause), ct);

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

    private static StoreOptions Options(string home, BenchDatabase database, TimeSpan restorePause) => database.StoreOptions(Path.Combine(home, "blobs"), restorePause);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (await _postgres.StopAsync(CancellationToken.None))
        {
            Log.Info("PostgreSQL stopped");
        }
    }
}

/// <summary>
/// A benchmark database: the product's connections (application and owner role) and the
/// administrator's, all with the same pool size and application name.
/// </summary>
internal sealed record BenchDatabase(string Application, string Owner, string Admin)
{
    public static BenchDatabase Of(LocalPostgres postgres, DatabaseConnections connections, string database, string applicationName)
    {
        string Pooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 64, ApplicationName = applicationName }.ConnectionString;
        return new(Pooled(connections.Application), Pooled(connections.Owner!), Pooled(postgres.AdminConnectionString(database)));
    }

    public StoreOptions StoreOptions(string blobs, TimeSpan restorePause = default) => new()
    {
        ConnectionString = Application,
        OwnerConnectionString = Owner,
        BlobDirectory = blobs,
        Actor = "bench",
        RestorePause = restorePause,
    };
}
