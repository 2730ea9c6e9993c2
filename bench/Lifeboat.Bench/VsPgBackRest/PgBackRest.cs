using System.Globalization;
using Lifeboat.Storage.Hosting;
using Npgsql;

namespace Lifeboat.Bench.VsPgBackRest;

/// <summary>
/// pgBackRest (the Debian package) set up the way its user guide sets up a single server: a local
/// repository, WAL archived by <c>archive-push</c>, full and incremental backups, and point-in-time
/// restore into another data directory. Every command runs as the server's system user, which owns
/// the data directory (when the benchmark runs as root, the product's server runs as <c>postgres</c>).
/// </summary>
internal sealed class PgBackRest
{
    public const string Stanza = "bench";
    private const string SystemUser = "postgres";

    private PgBackRest(string directory)
    {
        Directory = directory;
    }

    /// <summary>Holds the configuration, the repository, logs, and the side instances restored into.</summary>
    public string Directory { get; }

    public string ConfigFile => Path.Combine(Directory, "pgbackrest.conf");

    public string Repository => Path.Combine(Directory, "repo");

    private static bool AsRoot => Environment.IsPrivilegedProcess;

    /// <summary>The <c>archive_command</c> the server runs for every finished WAL segment.</summary>
    public string ArchiveCommand => $"pgbackrest --config={ConfigFile} --stanza={Stanza} archive-push %p";

    /// <summary>Writes a fresh configuration and an empty repository (an earlier run's are removed).</summary>
    public static async Task<PgBackRest> CreateAsync(string home, LocalPostgres server, NpgsqlConnectionStringBuilder connection, CancellationToken ct)
    {
        var directory = Path.Combine(home, "pgbackrest");
        if (System.IO.Directory.Exists(directory))
        {
            await RunAsync("rm", ["-rf", directory], ct);
        }

        System.IO.Directory.CreateDirectory(directory);
        var tool = new PgBackRest(directory);
        // pgBackRest connects over the server's socket as the product's superuser; the password comes from a pgpass file.
        var pgpass = Path.Combine(directory, "pgpass");
        await File.WriteAllTextAsync(pgpass, $"*:*:*:{connection.Username}:{connection.Password}\n", ct);
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(tool.ConfigFile, string.Create(CultureInfo.InvariantCulture, $"""
            [global]
            repo1-path={tool.Repository}
            repo1-retention-full=2
            log-path={Path.Combine(directory, "log")}
            lock-path={Path.Combine(directory, "lock")}
            log-level-console=warn
            log-level-file=info
            start-fast=y
            compress-type=lz4
            process-max={Environment.ProcessorCount}

            [{Stanza}]
            pg1-path={server.DataDirectory}
            pg1-port={connection.Port}
            pg1-socket-path={server.ServerDirectory}
            pg1-user={connection.Username}

            """), ct);
        if (AsRoot)
        {
            await RunAsync("chown", ["-R", $"{SystemUser}:{SystemUser}", directory], ct);
        }

        return tool;
    }

    public Task StanzaCreateAsync(CancellationToken ct) => PgBackRestAsync(ct, $"--stanza={Stanza}", "stanza-create");

    /// <summary>A backup of the whole cluster: <c>full</c> or <c>incr</c> (what changed since the last one).</summary>
    public Task BackupAsync(string type, CancellationToken ct) => PgBackRestAsync(ct, $"--stanza={Stanza}", $"--type={type}", "backup");

    /// <summary>
    /// Restores the whole cluster into <paramref name="dataDirectory"/>, configured to replay the archived WAL up to
    /// <paramref name="target"/> and then open for writes. The side instance archives nothing.
    /// </summary>
    public Task RestoreAsync(string dataDirectory, DateTimeOffset target, CancellationToken ct) =>
        PgBackRestAsync(ct, $"--stanza={Stanza}", $"--pg1-path={dataDirectory}", "--type=time",
            $"--target={target.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00",
            "--target-action=promote", "--archive-mode=off", "restore");

    /// <summary>
    /// Restores the whole cluster, as of the newest backup, into <paramref name="dataDirectory"/>: recovery stops as soon as
    /// the copy is consistent and the instance is promoted. What a team does when the whole database is lost.
    /// </summary>
    public Task RestoreLatestAsync(string dataDirectory, CancellationToken ct) =>
        PgBackRestAsync(ct, $"--stanza={Stanza}", $"--pg1-path={dataDirectory}", "--type=immediate", "--target-action=promote", "--archive-mode=off", "restore");

    /// <summary>Bytes the repository holds (backups and archived WAL).</summary>
    public long RepositoryBytes() => DirectoryBytes(Repository);

    public static long DirectoryBytes(string path) =>
        System.IO.Directory.Exists(path)
            ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;

    /// <summary>Runs a program as the server's system user (as root) or as the current user.</summary>
    public static Task<ProcessResult> AsServerUserAsync(string program, IReadOnlyList<string> args, CancellationToken ct) =>
        AsRoot
            ? ProcessRunner.RunAsync("runuser", ["-u", SystemUser, "--", program, .. args], ct)
            : ProcessRunner.RunAsync(program, args, ct);

    private async Task PgBackRestAsync(CancellationToken ct, params string[] args)
    {
        var result = await AsServerUserAsync("env", [$"PGPASSFILE={Path.Combine(Directory, "pgpass")}", "pgbackrest", $"--config={ConfigFile}", .. args], ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbackrest {string.Join(' ', args)} failed ({result.ExitCode}): {result.Combined}");
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(program, args, ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {result.Combined}");
        }
    }
}
