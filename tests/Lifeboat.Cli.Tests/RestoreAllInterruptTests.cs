using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat backup restore-all` as a real process, stopped with Ctrl-C (SIGINT) while it copies blob files.</summary>
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

        using var process = Start("backup", "restore-all", "--into", empty.OwnerConnectionString, "--blobs", blobs, "--backups", backups, "--home", cli.Home);
        var output = process.StandardOutput.ReadToEndAsync(ct);
        // Ctrl-C once blob files are being copied: the run is then half-way through both its files and its rows.
        while (!process.HasExited && !(Directory.Exists(blobs) && Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Any()))
        {
            await Task.Delay(5, ct);
        }

        process.HasExited.ShouldBeFalse($"restore-all finished before it could be stopped: {await output}");
        var kill = new ProcessStartInfo("kill") { RedirectStandardError = true, UseShellExecute = false };
        kill.ArgumentList.Add("-INT");
        kill.ArgumentList.Add($"{process.Id}");
        using (var signal = Process.Start(kill)!)
        {
            await signal.WaitForExitAsync(ct);
            signal.ExitCode.ShouldBe(0, await signal.StandardError.ReadToEndAsync(ct));
        }

        await process.WaitForExitAsync(ct);
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
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "lifeboat"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }
}
