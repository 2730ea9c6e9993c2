using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Storage.Hosting;
using Npgsql;

namespace Lifeboat.Bench.VsPgBackRest;

/// <summary>
/// A restored copy of the whole cluster, started beside the live one on its own port and socket,
/// replaying archived WAL up to the recovery target and then promoted: the place the site is read from.
/// </summary>
internal sealed class SideInstance : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly string _logFile;

    private SideInstance(string dataDirectory, string connectionString)
    {
        _dataDirectory = dataDirectory;
        _logFile = dataDirectory + ".log";
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>
    /// Starts the restored data directory and waits until recovery reached its target and the server
    /// was promoted (it accepts read-only connections before that, while it is still replaying).
    /// </summary>
    public static async Task<SideInstance> StartAsync(string dataDirectory, NpgsqlConnectionStringBuilder live, CancellationToken ct)
    {
        var port = FreePort();
        // postgresql.auto.conf is read last, so these win over the live server's port and socket copied with the cluster.
        await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.auto.conf"), string.Create(CultureInfo.InvariantCulture, $"""

            port = {port}
            unix_socket_directories = '{Path.GetDirectoryName(dataDirectory)}'

            """), ct);
        var side = new SideInstance(dataDirectory, new NpgsqlConnectionStringBuilder(live.ConnectionString) { Port = port, Pooling = false }.ConnectionString);
        var bin = PostgresBinaries.Find() ?? throw new InvalidOperationException(PostgresBinaries.NotInstalledMessage);
        var started = await PgBackRest.AsServerUserAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "-l", side._logFile, "-w", "-t", "3600", "start"], ct);
        if (started.ExitCode != 0)
        {
            throw new InvalidOperationException($"the restored cluster did not start: {started.Combined}\n{Tail(side._logFile)}");
        }

        await using var connection = new NpgsqlConnection(side.ConnectionString);
        await connection.OpenAsync(ct);
        await using var inRecovery = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        while ((bool)(await inRecovery.ExecuteScalarAsync(ct))!)
        {
            await Task.Delay(20, ct);
        }

        return side;
    }

    public async ValueTask DisposeAsync()
    {
        var bin = PostgresBinaries.Find();
        if (bin is not null)
        {
            await PgBackRest.AsServerUserAsync(Path.Combine(bin, "pg_ctl"), ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }

        await PgBackRest.AsServerUserAsync("rm", ["-rf", _dataDirectory, _logFile], CancellationToken.None);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string file) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(15)) : "";
}
