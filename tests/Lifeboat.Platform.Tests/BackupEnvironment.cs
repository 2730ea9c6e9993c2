using Lifeboat.Platform.Backups;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Tests;

/// <summary>
/// An environment of its own for one backup test: database, blob folder, backup folder and clock,
/// so that chains, retention and a lost database never reach another test.
/// </summary>
internal sealed class BackupEnvironment : IAsyncDisposable
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "lifeboat-backup-tests");

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _folder = Path.Combine(Root, Guid.NewGuid().ToString("n"));

    private BackupEnvironment(TestDatabase database)
    {
        Database = database;
        BackupFolder = Path.Combine(_folder, "backups");
    }

    public TestDatabase Database { get; }

    public TestClock Clock { get; } = new();

    public string BackupFolder { get; }

    /// <summary>This environment's backup keys (one, generated): what an operator's key file would hold.</summary>
    public Lifeboat.Platform.Backups.Sealing.BackupKeyring Keys { get; } = Lifeboat.Platform.Backups.Sealing.BackupKeyring.Generate();

    public LifeboatPlatform Platform { get; private set; } = null!;

    public BackupService Backups => Platform.Backups;

    public TenantStore Store => Platform.Store;

    public static async Task<BackupEnvironment> CreateAsync()
    {
        var env = new BackupEnvironment(await PostgresServer.CreateDatabaseAsync("backup"));
        env.Platform = await LifeboatPlatform.OpenAsync(env.Options(env.Database, "blobs"));
        await env.Platform.Provisioning.RegisterProductAsync(PlatformFixture.Tracker, "Tracker");
        await env.Platform.Apps.RegisterAsync(PlatformFixture.LegacyApp, "Legacy Insights", "Example Vendor");
        return env;
    }

    /// <summary>Options for a platform on <paramref name="database"/> (as the product reaches it: the application role, and the owner that migrates).</summary>
    public PlatformOptions Options(TestDatabase database, string blobFolder) => Options(database.ConnectionString, blobFolder, database.OwnerConnectionString);

    /// <summary>Options for a platform on <paramref name="connectionString"/>, with its own blob folder, sharing this environment's backups and clock.</summary>
    public PlatformOptions Options(string connectionString, string blobFolder, string? ownerConnectionString = null) => new()
    {
        Store = new StoreOptions
        {
            ConnectionString = connectionString,
            OwnerConnectionString = ownerConnectionString,
            BlobDirectory = Path.Combine(_folder, blobFolder),
            TimeProvider = Clock,
            Actor = "test",
        },
        Backups = new BackupOptions { Directory = BackupFolder, SettleTimeout = TimeSpan.FromSeconds(20), Keys = Keys },
    };

    /// <summary>A new, empty database, as after the loss of the live one.</summary>
    public async Task<TestDatabase> EmptyDatabaseAsync()
    {
        var database = await PostgresServer.CreateDatabaseAsync("restored");
        _owned.Add(database);
        return database;
    }

    public async Task<LifeboatPlatform> OpenAsync(PlatformOptions options)
    {
        var platform = await LifeboatPlatform.OpenAsync(options);
        _owned.Insert(0, platform);
        return platform;
    }

    public string PathOf(BackupManifest backup, string file) => Path.Combine(BackupFolder, backup.Id.Value, file);

    /// <summary>Changes one byte's worth of a backup file, as a failing disk or a careless hand would.</summary>
    public static void Alter(string path)
    {
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.AppendAllText(path, "!");
    }

    public static void Remove(string path)
    {
        File.SetUnixFileMode(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Delete(path);
    }

    /// <summary>Every version, tenant and lifecycle change in a database, as text, for comparing two environments.</summary>
    public static async Task<List<string>> DumpAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // the tests' own constant SQL
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // the tests' own constant SQL
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Platform.DisposeAsync();
        await Database.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            foreach (var dir in Directory.EnumerateDirectories(_folder, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Directory.Delete(_folder, recursive: true);
        }
    }
}
