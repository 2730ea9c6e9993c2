using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;
using Npgsql;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat backup restore-all` as a real process, stopped with Ctrl-C (SIGINT) while it loads rows, with blob files already in place.</summary>
public sealed class RestoreAllInterruptTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static readonly CollectionDefinition Attachments = new("tracker.attachments");

    [Fact(Timeout = 300_000)]
    public async Task CtrlC_DuringRestoreAll_SaysWhatItLeft_RemovesTheBlobFilesItCopied_AndTheSameCommandThenSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        var backups = Path.Combine(cli.Home, "ctrl-c-backups");
        var files = await StoreManyBlobsAsync(3_000, ct);
        (await cli.RunAsync("backup", "full", "--backups", backups)).Exit.ShouldBe(0);
        await using var empty = await PostgresServer.CreateDatabaseAsync("cli-restore-ctrl-c");
        var blobs = Path.Combine(cli.Home, "ctrl-c-blobs");

        // The restore is held, mid-import, on a lock this test holds on the history table of the target's (empty) schema,
        // so Ctrl-C lands while rows are loading and blob files are in place, however fast or slow the machine.
        await CreateEmptySchemaAsync(empty.OwnerConnectionString, ct);
        await using var holder = new NpgsqlConnection(empty.AdminConnectionString);
        await holder.OpenAsync(ct);
        await using var hold = await holder.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("LOCK TABLE lifeboat.record_history IN ACCESS EXCLUSIVE MODE", holder, hold))
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        using var process = Start("backup", "restore-all", "--into", empty.OwnerConnectionString, "--blobs", blobs, "--backups", backups, "--home", cli.Home);
        var output = process.StandardOutput.ReadToEndAsync(ct);
        await WaitUntilAsync(process, output, "the restore to wait on the held lock with blob files in place", async () =>
            await BlockedByAsync(holder, ct) && Directory.Exists(blobs) && Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Any(), ct);
        SigIntIgnored(process.Id).ShouldBeFalse("the restore must be started with SIGINT at its default disposition, or Ctrl-C never reaches it");

        var kill = new ProcessStartInfo("kill") { RedirectStandardError = true, UseShellExecute = false };
        kill.ArgumentList.Add("-INT");
        kill.ArgumentList.Add($"{process.Id}");
        using (var signal = Process.Start(kill)!)
        {
            await signal.WaitForExitAsync(ct);
            signal.ExitCode.ShouldBe(0, await signal.StandardError.ReadToEndAsync(ct));
        }

        await process.WaitForExitAsync(ct);
        await hold.RollbackAsync(ct);
        var said = string.Join(' ', (await output).Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));

        process.ExitCode.ShouldBe(1, said);
        said.ShouldContain("cancelled: restore-all was stopped before it finished");
        said.ShouldContain("the target database holds Lifeboat's empty schema and no data");
        said.ShouldContain("Running the same command again is safe");
        Directory.Exists(blobs).ShouldBeFalse("the blob files copied so far are removed, with the folder the run created");

        var (exit, again) = await cli.RunAsync("backup", "restore-all", "--into", empty.OwnerConnectionString, "--blobs", blobs, "--backups", backups);
        exit.ShouldBe(0, again);
        again.ShouldContain("The environment is back as of");
        Directory.EnumerateFiles(Path.Combine(blobs, "sha256"), "*", SearchOption.AllDirectories).Count().ShouldBe(files);
    }

    /// <summary>Lifeboat's schema, with no data: what a stopped restore-all leaves, and what it accepts as its target.</summary>
    private async Task CreateEmptySchemaAsync(string connectionString, CancellationToken ct)
    {
        var options = new StoreOptions { ConnectionString = connectionString, OwnerConnectionString = connectionString, BlobDirectory = Path.Combine(cli.Home, "schema-only-blobs"), Actor = "test" };
        await using var store = await TenantStore.OpenAsync(TenantStore.CreateDataSource(connectionString), options, ownsDataSource: true,
            [MigrationSource.Store, LifeboatPlatform.Migrations], ct);
    }

    /// <summary>Whether another session is waiting on a lock this connection holds.</summary>
    /// <remarks>pg_locks, not pg_stat_activity: inside the holder's transaction pg_stat_activity repeats its first snapshot, taken before the restore connected.</remarks>
    private static async Task<bool> BlockedByAsync(NpgsqlConnection holder, CancellationToken ct)
    {
        await using var blocked = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid)))", holder);
        return (bool)(await blocked.ExecuteScalarAsync(ct))!;
    }

    private static async Task WaitUntilAsync(Process process, Task<string> output, string what, Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            if (process.HasExited)
            {
                Assert.Fail($"restore-all ended (exit {process.ExitCode}) while the test waited for {what}: {await output} {await process.StandardError.ReadToEndAsync(ct)}");
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>Whether the process ignores SIGINT (bit 2 of SigIgn in /proc/PID/status), as a process started in the background by a non-interactive shell does.</summary>
    private static bool SigIntIgnored(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

    /// <summary>A site with many small attachments, each its own blob file; returns how many files.</summary>
    private async Task<int> StoreManyBlobsAsync(int count, CancellationToken ct)
    {
        await using var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = cli.Connections.Application,
                OwnerConnectionString = cli.Connections.Owner,
                BlobDirectory = Path.Combine(cli.Home, "blobs"),
                Actor = "test",
            },
        }, ct);
        var site = await platform.Sites.CreateAsync($"Files {Guid.NewGuid():n}"[..20], "eu-west", cancellationToken: ct);
        var random = new Random(16);
        for (var first = 0; first < count; first += 500)
        {
            var batch = platform.Store.Records.Batch(site.Id.Tenant);
            for (var i = first; i < Math.Min(count, first + 500); i++)
            {
                var bytes = new byte[1024];
                random.NextBytes(bytes);
                var blob = await platform.Store.Blobs.StoreContentAsync(new MemoryStream(bytes), ct);
                batch.PutBlob(Attachments, $"file-{i}", blob, JsonSerializer.SerializeToElement(new { name = $"file-{i}.bin" }));
            }

            await platform.Store.Records.WriteAsync(batch, ct);
        }

        return count;
    }

    private static Process Start(params string[] args)
    {
        // A test host started in the background by a non-interactive shell ignores SIGINT, and its children inherit
        // that: .NET then never sees Ctrl-C. `env --default-signal=INT` gives the CLI the disposition a terminal gives it.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lifeboat"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }
}
