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

    private BenchServer(LocalPostgres postgres, string connectionString, MachineInfo machine, TenantStore store)
    {
        _postgres = postgres;
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

    public static async Task<BenchServer> StartAsync(string name, CancellationToken ct)
    {
        var home = Path.Combine(Root, name);
        var postgres = new LocalPostgres(home, PostgresTuning.Durable);
        await postgres.EnsureStartedAsync("postgres", new Log.Printer(), ct);
        try
        {
            // A fresh database: no bloat, statistics or history carried over from an earlier run.
            await postgres.DropDatabaseAsync(Database, ct);
            var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(Database, ct))
            {
                MaxPoolSize = 64,
                ApplicationName = $"lifeboat-bench-{name}",
            }.ConnectionString;
            var store = await TenantStore.OpenAsync(Options(home, connectionString, TimeSpan.Zero), ct);
            var machine = await MachineInfo.ReadAsync(store.DataSource, ct);
            Log.Info($"PostgreSQL {machine.Postgresql} (fsync={machine.PostgresSettings["fsync"]}, synchronous_commit={machine.PostgresSettings["synchronous_commit"]}) in {postgres.DataDirectory}");
            return new BenchServer(postgres, connectionString, machine, store);
        }
        catch
        {
            await postgres.StopAsync(CancellationToken.None);
            throw;
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
