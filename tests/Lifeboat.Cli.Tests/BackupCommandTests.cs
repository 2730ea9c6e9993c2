using System.Text.RegularExpressions;

namespace Lifeboat.Cli.Tests;

public sealed partial class BackupCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task BackupFullIncrementalListVerifyRpoAndRestore_WorkEndToEnd_AndRestoreAllFillsAnEmptyDatabase()
    {
        var site = Match(SiteId(), (await cli.RunAsync("site", "create", $"Acme {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);
        var (fullExit, full) = await cli.RunAsync("backup", "full");
        (await cli.RunAsync("flag", "set", site, "new-editor", "on")).Exit.ShouldBe(0);
        var (incrementalExit, incremental) = await cli.RunAsync("backup", "incremental", "--site", site);

        fullExit.ShouldBe(0, full);
        full.ShouldContain("Full backup bak_");
        full.ShouldContain("versions.ndjson.gz");
        incrementalExit.ShouldBe(2, "a site's incremental follows a full backup of that site, not of the environment");
        incremental.ShouldContain($"error: there is no full backup of site {site} to follow");
        (await cli.RunAsync("backup", "full", "--site", site)).Exit.ShouldBe(0);
        (await cli.RunAsync("flag", "set", site, "new-editor", "off")).Exit.ShouldBe(0);
        var (_, siteIncremental) = await cli.RunAsync("backup", "incremental", "--site", site);
        var upTo = long.Parse(PositionsTo().Match(siteIncremental).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var (_, list) = await cli.RunAsync("backup", "list");
        list.ShouldContain("3 backup(s) in 2 chain(s)");
        var (verifyExit, verify) = await cli.RunAsync("backup", "verify");
        verifyExit.ShouldBe(0, verify);
        verify.ShouldContain("intact");
        (await cli.RunAsync("backup", "rpo")).Output.ShouldContain(site);

        var (restoreExit, restored) = await cli.RunAsync("backup", "restore", "--site", site, "--to", $"@{upTo}");
        restoreExit.ShouldBe(0, restored);
        restored.ShouldContain($"Restored site {site} to position:{upTo}");
        restored.ShouldContain("To undo this restore: lifeboat store restore");
        var (uncoveredExit, uncovered) = await cli.RunAsync("backup", "restore", "--site", site, "--to", "@999999999");
        uncoveredExit.ShouldBe(2);
        uncovered.ShouldContain("error:");

        await using var empty = await PostgresServer.CreateDatabaseAsync("cli-restore-all");
        var (allExit, all) = await cli.RunAsync("backup", "restore-all", "--into", empty.ConnectionString, "--blobs", Path.Combine(cli.Home, "restored-blobs"));
        allExit.ShouldBe(0, all);
        all.ShouldContain("The environment is back as of");
        var (againExit, again) = await cli.RunAsync("backup", "restore-all", "--into", empty.ConnectionString);
        againExit.ShouldBe(2);
        again.ShouldContain("the target database is not empty");
    }

    [Fact]
    public async Task BackupVerify_OfADamagedBackup_ExitsThreeNamingTheFile()
    {
        var home = Path.Combine(cli.Home, "damaged");
        var (_, full) = await cli.RunAsync("backup", "full", "--backups", home);
        var id = Match(BackupId(), full);
        var file = Path.Combine(home, id, "store.ndjson.gz");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.AppendAllTextAsync(file, "!", TestContext.Current.CancellationToken);

        var (exit, output) = await cli.RunAsync("backup", "verify", id, "--backups", home);

        exit.ShouldBe(3);
        output.ShouldContain("store.ndjson.gz");
        output.ShouldContain("altered");
        (await cli.RunAsync("backup", "verify", "bak_01jd8x2k9q4m7t6v5w3y1z0a8b", "--backups", home)).Output.ShouldContain("does not exist");
    }

    private static string Match(Regex pattern, string output) =>
        pattern.Match(output) is { Success: true } m ? m.Value : throw new InvalidOperationException($"'{pattern}' not in: {output}");

    [GeneratedRegex("site_[0-9a-z]{26}")]
    private static partial Regex SiteId();

    [GeneratedRegex("bak_[0-9a-z]{26}")]
    private static partial Regex BackupId();

    [GeneratedRegex(@"positions \d+–(\d+)")]
    private static partial Regex PositionsTo();
}
