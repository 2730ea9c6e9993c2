using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace Lifeboat.Bench.Harness;

/// <summary>What the figures were measured on, read at run time and written into every result file.</summary>
internal sealed record MachineInfo(
    int Nproc,
    double MemoryGib,
    string Cpu,
    string Os,
    string Dotnet,
    string Postgresql,
    IReadOnlyDictionary<string, string> PostgresSettings)
{
    // The settings that decide what a commit costs and how much fits in memory.
    private static readonly string[] Settings =
    [
        "fsync", "synchronous_commit", "full_page_writes", "wal_level", "wal_sync_method", "shared_buffers", "wal_buffers",
        "work_mem", "max_wal_size", "checkpoint_timeout", "shared_preload_libraries",
    ];

    public static async Task<MachineInfo> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var version = dataSource.CreateCommand("SHOW server_version");
        var pg = (string)(await version.ExecuteScalarAsync(ct))!;

        await using var cmd = dataSource.CreateCommand(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY($1) ORDER BY name");
        cmd.Parameters.Add(new() { Value = Settings });
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                settings[reader.GetString(0)] = reader.GetString(1);
            }
        }

        return new MachineInfo(
            Environment.ProcessorCount, // what nproc prints: the processors this process may run on
            Stats.Round(MemTotalKib() / 1024.0 / 1024.0, 1),
            CpuModel(),
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            pg,
            settings);
    }

    private static long MemTotalKib()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } line
            ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()
            : RuntimeInformation.ProcessArchitecture.ToString();
}
