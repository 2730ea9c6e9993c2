using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace Lifeboat.Storage.Hosting;

public enum PostgresTuning
{
    /// <summary>Every commit reaches the disk: the default for real use.</summary>
    Durable,

    /// <summary>No fsync: for test and benchmark servers whose data is thrown away.</summary>
    Disposable,
}

public sealed record LocalPostgresStatus(bool Initialized, bool Running, int? Port, int? Pid, string? Version, string DataDirectory, string LogFile);

/// <summary>
/// The embedded default: a private PostgreSQL that Lifeboat starts itself when no connection string
/// is configured. It listens on 127.0.0.1 only, on a free port, with a generated password, in a
/// data folder under the Lifeboat home, and is reused by the next run.
/// </summary>
public sealed class LocalPostgres
{
    private const string User = "lifeboat";
    private const string SystemUser = "postgres";

    public LocalPostgres(string home, PostgresTuning tuning = PostgresTuning.Durable)
    {
        Home = Path.GetFullPath(home);
        Tuning = tuning;
    }

    public string Home { get; }

    public PostgresTuning Tuning { get; }

    public string ServerDirectory => Path.Combine(Home, "postgres");

    public string DataDirectory => Path.Combine(ServerDirectory, "data");

    public string LogFile => Path.Combine(ServerDirectory, "server.log");

    private string InstanceFile => Path.Combine(ServerDirectory, "instance.json");

    private string PasswordFile => Path.Combine(ServerDirectory, "password");

    private string RolesFile => Path.Combine(ServerDirectory, "roles.json");

    // initdb refuses to run as root: as root, the server runs as the postgres system user.
    private static bool AsRoot => Environment.IsPrivilegedProcess;

    /// <summary>LIFEBOAT_HOME, else /var/lib/lifeboat for root (its server user cannot enter /root), else ~/.lifeboat.</summary>
    public static string DefaultHome() =>
        Environment.GetEnvironmentVariable("LIFEBOAT_HOME") is { Length: > 0 } home ? home
        : AsRoot ? "/var/lib/lifeboat"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".lifeboat");

    /// <summary>
    /// Initializes the server on first use, starts it if it is not running, and returns the
    /// connections to <paramref name="database"/> (created if missing, owned by the owner role): as
    /// the application role the product runs as, and as the owner that migrates it.
    /// </summary>
    public async Task<DatabaseConnections> EnsureStartedAsync(string database = "lifeboat", IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var admin = await StartAsync(progress, cancellationToken);
        return await DatabaseFor(admin, database, cancellationToken);
    }

    /// <summary>Initializes the server on first use and starts it if it is not running; returns the administrator's connection string.</summary>
    public async Task<string> StartAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (AsRoot)
        {
            await RequireReachableAsync(cancellationToken);
        }

        Directory.CreateDirectory(ServerDirectory);
        await using (await AcquireLockAsync(cancellationToken))
        {
            if (AsRoot)
            {
                // The server writes its log and socket here; the folder is the server user's.
                await Chown(ServerDirectory, cancellationToken);
            }

            var bin = PostgresBinaries.Find() ?? throw new StoreConfigurationException(PostgresBinaries.NotInstalledMessage);
            if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
            {
                progress?.Report($"Creating a private PostgreSQL in {DataDirectory}");
                await InitializeAsync(bin, cancellationToken);
            }

            var instance = ReadInstance();
            if (await IsRunningAsync(bin, cancellationToken) && instance is not null)
            {
                return AdminConnectionString(instance.Port, "postgres");
            }

            var port = instance is not null && IsPortFree(instance.Port) ? instance.Port : FreePort();
            await WriteConfigAsync(port, cancellationToken);
            await File.WriteAllTextAsync(InstanceFile, JsonSerializer.Serialize(new Instance(port, bin)), cancellationToken);
            progress?.Report($"Starting PostgreSQL on 127.0.0.1:{port}");
            var started = await PgAsync(bin, "pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "90", "start"], cancellationToken);
            if (started.ExitCode != 0)
            {
                throw new StoreConfigurationException(
                    $"the private PostgreSQL in {DataDirectory} did not start: {started.Combined}\n{Tail(LogFile)}\nSee {LogFile}.");
            }

            return AdminConnectionString(port, "postgres");
        }
    }

    /// <summary>The administrator's connection string to a database of the running server (for tests, drills and benchmarks that manage databases).</summary>
    public string AdminConnectionString(string database)
    {
        var instance = ReadInstance() ?? throw new StoreConfigurationException("the private PostgreSQL is not started; call StartAsync first.");
        return AdminConnectionString(instance.Port, database);
    }

    public async Task<LocalPostgresStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var bin = PostgresBinaries.Find();
        var initialized = File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
        var running = bin is not null && initialized && await IsRunningAsync(bin, cancellationToken);
        int? pid = null;
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (running && File.Exists(pidFile))
        {
            var first = (await File.ReadAllLinesAsync(pidFile, cancellationToken)).FirstOrDefault();
            pid = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        }

        return new LocalPostgresStatus(initialized, running, ReadInstance()?.Port, pid,
            initialized ? (await File.ReadAllTextAsync(Path.Combine(DataDirectory, "PG_VERSION"), cancellationToken)).Trim() : null,
            DataDirectory, LogFile);
    }

    /// <summary>Stops the server (fast shutdown: sessions are ended, committed data is kept). False when it was not running.</summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken = default)
    {
        var bin = PostgresBinaries.Find();
        if (bin is null || !File.Exists(Path.Combine(DataDirectory, "PG_VERSION")) || !await IsRunningAsync(bin, cancellationToken))
        {
            return false;
        }

        var stopped = await PgAsync(bin, "pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], cancellationToken);
        if (stopped.ExitCode != 0)
        {
            throw new StoreConfigurationException($"the private PostgreSQL did not stop: {stopped.Combined}");
        }

        return true;
    }

    /// <summary>The connections to another database of this server (created if missing, owned by the owner role), for isolated tests and drills.</summary>
    public async Task<DatabaseConnections> CreateDatabaseAsync(string database, CancellationToken cancellationToken = default) =>
        await DatabaseFor(AdminConnectionString("postgres"), database, cancellationToken);

    public async Task DropDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        var instance = ReadInstance() ?? throw new StoreConfigurationException("the private PostgreSQL is not started.");
        await using var connection = new NpgsqlConnection(AdminConnectionString(instance.Port, "postgres"));
        await connection.OpenAsync(cancellationToken);
#pragma warning disable CA2100 // the name is checked by QuoteIdentifier
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {QuoteIdentifier(database)} WITH (FORCE)", connection);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task InitializeAsync(string bin, CancellationToken ct)
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var pwFile = Path.Combine(ServerDirectory, "initdb.pw");
        await WriteOwnerOnlyAsync(pwFile, password, ct);
        try
        {
            if (AsRoot)
            {
                await Chown(pwFile, ct);
            }

            var init = await PgAsync(bin, "initdb",
                ["-D", DataDirectory, "-U", User, $"--pwfile={pwFile}", "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"], ct);
            if (init.ExitCode != 0)
            {
                if (Directory.Exists(DataDirectory))
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }

                throw new StoreConfigurationException($"initdb failed in {DataDirectory}: {init.Combined}");
            }
        }
        finally
        {
            File.Delete(pwFile);
        }

        await WriteOwnerOnlyAsync(PasswordFile, password, ct);
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), "\ninclude 'lifeboat.conf'\n", ct);
    }

    /// <summary>A password file, the owner's alone from the moment it exists (a chmod afterwards would leave a window when others could read it).</summary>
    private static async Task WriteOwnerOnlyAsync(string path, string text, CancellationToken ct)
    {
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        // An existing file keeps its mode on open: make sure it is owner-only before the secret goes in.
        File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct);
    }

    private async Task WriteConfigAsync(int port, CancellationToken ct)
    {
        var lines = new List<string>
        {
            "# Written by Lifeboat at every start; edit postgresql.conf to override.",
            "listen_addresses = '127.0.0.1'",
            $"port = {port}",
            $"unix_socket_directories = '{ServerDirectory}'",
            "max_connections = 300",
            "shared_buffers = 256MB",
            "work_mem = 16MB",
            "maintenance_work_mem = 256MB",
            "max_wal_size = 4GB",
            "checkpoint_timeout = 15min",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
        };
        if (Tuning == PostgresTuning.Disposable)
        {
            lines.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off"]);
        }

        var file = Path.Combine(DataDirectory, "lifeboat.conf");
        await File.WriteAllLinesAsync(file, lines, ct);
        if (AsRoot)
        {
            await Chown(file, ct);
        }
    }

    private async Task<bool> IsRunningAsync(string bin, CancellationToken ct) =>
        (await PgAsync(bin, "pg_ctl", ["-D", DataDirectory, "status"], ct)).ExitCode == 0;

    /// <summary>The database, and both roles with the passwords kept in the home (generated on first use, owner-only).</summary>
    private async Task<DatabaseConnections> DatabaseFor(string admin, string database, CancellationToken ct)
    {
        QuoteIdentifier(database);
        var roles = await RolePasswordsAsync(ct);
        return await DatabaseRoles.EnsureAsync(admin, database, roles.Owner, roles.Application, ct);
    }

    private async Task<RolePasswords> RolePasswordsAsync(CancellationToken ct)
    {
        await using (await AcquireLockAsync(ct))
        {
            if (File.Exists(RolesFile))
            {
                return JsonSerializer.Deserialize<RolePasswords>(await File.ReadAllTextAsync(RolesFile, ct))!;
            }

            var roles = new RolePasswords(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            await using (var file = new FileStream(RolesFile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                await JsonSerializer.SerializeAsync(file, roles, cancellationToken: ct);
            }

            return roles;
        }
    }

    private string AdminConnectionString(int port, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = User,
        Password = File.ReadAllText(PasswordFile).Trim(),
        Database = database,
    }.ConnectionString;

    private async Task<ProcessResult> PgAsync(string bin, string program, IReadOnlyList<string> args, CancellationToken ct) =>
        AsRoot
            ? await ProcessRunner.RunAsync("runuser", ["-u", SystemUser, "--", Path.Combine(bin, program), .. args], ct)
            : await ProcessRunner.RunAsync(Path.Combine(bin, program), args, ct);

    /// <summary>
    /// As root, the server runs as the postgres user, which must be able to enter every folder above
    /// its own (a home made by mktemp -d is 0700): say which one it cannot, before initdb fails on it.
    /// </summary>
    private async Task RequireReachableAsync(CancellationToken ct)
    {
        var folders = new List<string>();
        for (var dir = new DirectoryInfo(ServerDirectory); dir is not null; dir = dir.Parent)
        {
            folders.Insert(0, dir.FullName);
        }

        foreach (var folder in folders.Where(Directory.Exists))
        {
            if ((await ProcessRunner.RunAsync("runuser", ["-u", SystemUser, "--", "test", "-x", folder], ct)).ExitCode != 0)
            {
                var mode = Convert.ToString((int)File.GetUnixFileMode(folder), 8);
                throw new StoreConfigurationException(
                    $"run as root, Lifeboat runs its private PostgreSQL as the '{SystemUser}' user, which cannot enter {folder} (mode {mode}). " +
                    $"Let it pass through (chmod o+x {folder}), or choose a home it can enter with LIFEBOAT_HOME (the default for root is /var/lib/lifeboat). Nothing was created.");
            }
        }
    }

    private static async Task Chown(string path, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync("chown", [$"{SystemUser}:{SystemUser}", path], ct);
        if (result.ExitCode != 0)
        {
            throw new StoreConfigurationException(
                $"could not hand {path} to the '{SystemUser}' user, which runs PostgreSQL for root: {result.Combined}. Install the postgresql package (it creates that user).");
        }
    }

    /// <summary>Serializes starts of the same server by several processes (parallel test runs, workers).</summary>
    private async Task<FileStream> AcquireLockAsync(CancellationToken ct)
    {
        var path = Path.Combine(ServerDirectory, ".lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    private Instance? ReadInstance() =>
        File.Exists(InstanceFile) ? JsonSerializer.Deserialize<Instance>(File.ReadAllText(InstanceFile)) : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Tail(string file) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(10)) : "";

    /// <summary>Database names are restricted to plain identifiers, so they can be spliced into DDL safely.</summary>
    private static string QuoteIdentifier(string name) =>
        name is { Length: > 0 and <= 63 } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')
            ? "\"" + name + "\""
            : throw new StoreConfigurationException($"'{name}' is not a database name Lifeboat creates: use up to 63 lowercase letters, digits or '_'.");

    private sealed record Instance(int Port, string BinDirectory);

    private sealed record RolePasswords(string Owner, string Application);
}
