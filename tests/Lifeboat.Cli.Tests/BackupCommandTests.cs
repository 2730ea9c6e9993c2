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
        var (allExit, all) = await cli.RunAsync("backup", "restore-all", "--into", empty.OwnerConnectionString, "--blobs", Path.Combine(cli.Home, "restored-blobs"));
        allExit.ShouldBe(0, all);
        all.ShouldContain("The environment is back as of");
        var unused = Path.Combine(cli.Home, "never-created-blobs");
        var (againExit, again) = await cli.RunAsync("backup", "restore-all", "--into", empty.OwnerConnectionString, "--blobs", unused);
        againExit.ShouldBe(2);
        again.ShouldContain("the target database is not empty");
        Directory.Exists(unused).ShouldBeFalse("a refused restore creates nothing, not even its blob folder");
    }

    [Fact]
    public async Task Backups_AreSealedWithAKeyCreatedOwnerOnlyInTheHome_AnotherKeyIsRefused_AndRotationKeepsOldBackupsReadable()
    {
        var folder = Path.Combine(cli.Home, "sealed");
        var keyFile = Path.Combine(cli.Home, "backup.key");
        var (fullExit, full) = await cli.RunAsync("backup", "full", "--backups", folder);
        fullExit.ShouldBe(0, full);
        File.GetUnixFileMode(keyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the home's key is the owner's alone");

        var otherKey = Path.Combine(cli.Home, $"other-{Guid.NewGuid():n}.key");
        await File.WriteAllTextAsync(otherKey, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(otherKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (wrongExit, wrong) = await cli.RunAsync("backup", "verify", "--backups", folder, "--key-file", otherKey);
        wrongExit.ShouldNotBe(0, wrong);
        wrong.ShouldContain("is signed with backup key key_");
        wrong.ShouldContain("give the key file that holds it");

        var (rotateExit, rotated) = await cli.RunAsync("backup", "rotate-key");
        rotateExit.ShouldBe(0, rotated);
        rotated.ShouldContain("1 older key(s) kept in");
        var (incrementalExit, incremental) = await cli.RunAsync("backup", "incremental", "--backups", folder);
        incrementalExit.ShouldBe(0, incremental);
        var (verifyExit, verify) = await cli.RunAsync("backup", "verify", "--backups", folder);
        verifyExit.ShouldBe(0, verify);
        verify.ShouldContain("intact");
    }

    [Fact]
    public async Task BackupFull_ListsItsFiles_OnlyWhenAskedWithFiles()
    {
        var folder = Path.Combine(cli.Home, "files");

        var (exit, quiet) = await cli.RunAsync("backup", "full", "--backups", folder);
        var (listedExit, listed) = await cli.RunAsync("backup", "incremental", "--backups", folder, "--files");

        exit.ShouldBe(0, quiet);
        quiet.ShouldContain("Full backup bak_");
        quiet.ShouldContain("file(s)");
        quiet.ShouldNotContain("versions.ndjson.gz", customMessage: "the table of files is printed only when asked");
        quiet.ShouldNotContain("SHA-256");
        listedExit.ShouldBe(0, listed);
        foreach (var file in new[] { "store.ndjson.gz", "platform.ndjson.gz", "versions.ndjson.gz" })
        {
            listed.ShouldContain(file);
        }

        listed.ShouldContain("SHA-256");
    }

    [Fact]
    public async Task BackupList_WhenABackupInTheMiddleOfAChainIsMissing_ShowsTheGap_AndWhatCanNoLongerBeRestored()
    {
        var folder = Path.Combine(cli.Home, "gap");
        var chain = await TakeChainAsync(folder, 5);
        var (kept, missing, after, last) = (chain[1], chain[2], chain[3], chain[4]);
        Unprotect(Path.Combine(folder, missing.Id));
        Directory.Delete(Path.Combine(folder, missing.Id), recursive: true);

        var (exit, list) = await cli.RunAsync("backup", "list", "--backups", folder);

        list.ShouldContain($"Chain {chain[0].Id} of the environment is broken at {missing.Id}: its folder is gone.");
        list.ShouldContain($"{after.Id}, {last.Id} depend on it and can no longer be restored");
        list.ShouldContain($"points up to position {kept.UpTo} ({kept.Id}) still can");
        list.ShouldContain("Take a full backup now (lifeboat backup full)");
        Cells(list, missing.Id).ShouldBe([missing.Id, "✗ missing", "environment", $"{kept.UpTo}–{after.After}", "-", "-", "-", "no"]);
        Cells(list, after.Id)[^1].ShouldBe("no");
        Cells(list, kept.Id)[^1].ShouldBe("yes");
        list.ShouldNotContain("forks");
        exit.ShouldBe(3, "some backups cannot be restored");
    }

    [Fact]
    public async Task BackupList_WithAGarbageManifest_NamesTheDamagedBackup_AndTheLaterOnesAsDependingOnIt_WithoutFrameworkText()
    {
        var folder = Path.Combine(cli.Home, "garbage");
        var chain = await TakeChainAsync(folder, 4);
        var damaged = chain[1].Id;
        var manifest = Path.Combine(folder, damaged, "manifest.json");
        Unprotect(Path.Combine(folder, damaged));
        await File.WriteAllTextAsync(manifest, "{\n  \"format\": \"lifeboat-backup/1\",\n  this is not JSON\n}\n", TestContext.Current.CancellationToken);

        var (listExit, list) = await cli.RunAsync("backup", "list", "--backups", folder);
        var (verifyExit, verify) = await cli.RunAsync("backup", "verify", "--backups", folder);
        var (restoreExit, restore) = await cli.RunAsync("backup", "restore", "--site", "site_01jd8x2k9q4m7t6v5w3y1z0a8b", "--to", $"@{chain[3].UpTo}", "--backups", folder);
        restore = Flat(restore); // a long error wraps at the console's width

        list.ShouldContain($"is broken at {damaged}: manifest of {damaged} is not valid JSON at line 3");
        list.ShouldContain($"{chain[2].Id}, {chain[3].Id} depend on it and can no longer be restored");
        verify.ShouldContain($"manifest of {damaged} is not valid JSON at line 3");
        restoreExit.ShouldBe(2);
        restore.ShouldContain($"it breaks at damaged backup {damaged} (manifest of {damaged} is not valid JSON at line 3");
        restore.ShouldContain($"{chain[2].Id}, {chain[3].Id} depend on it. Points up to position {chain[0].UpTo} ({chain[0].Id}) can still be restored from this chain.");
        foreach (var output in new[] { list, verify, restore })
        {
            output.ShouldNotContain("forks");
            output.ShouldNotContain("LineNumber");
            output.ShouldNotContain("BytePositionInLine");
            output.ShouldNotContain("invalid start");
        }

        listExit.ShouldBe(3, "some backups cannot be restored");
        verifyExit.ShouldBe(3);
    }

    [Fact]
    public async Task RestoreAll_WithoutABlobFolder_OrIntoTheLiveOne_IsRefused_AndChangesNothing()
    {
        var folder = Path.Combine(cli.Home, "for-restore-all");
        (await cli.RunAsync("backup", "full", "--backups", folder)).Exit.ShouldBe(0);
        await using var empty = await PostgresServer.CreateDatabaseAsync("cli-restore-refused");
        var live = Path.Combine(cli.Home, "blobs");
        var liveFiles = Directory.EnumerateFiles(live, "*", SearchOption.AllDirectories).Count();

        var (noBlobsExit, noBlobs) = await cli.RunAsync("backup", "restore-all", "--into", empty.OwnerConnectionString, "--backups", folder);
        var (liveExit, intoLive) = await cli.RunAsync("backup", "restore-all", "--into", empty.OwnerConnectionString, "--backups", folder,
            "--blobs", Path.Combine(cli.Home, "blobs", "..", "blobs") + "/");
        (noBlobs, intoLive) = (Flat(noBlobs), Flat(intoLive));

        noBlobsExit.ShouldBe(2);
        noBlobs.ShouldContain("restore-all needs --blobs");
        noBlobs.ShouldContain(live);
        liveExit.ShouldBe(2);
        intoLive.ShouldContain($"{live} is the live environment's blob folder");
        intoLive.ShouldContain("--allow-live-blobs");
        foreach (var output in new[] { noBlobs, intoLive })
        {
            output.ShouldContain("Nothing was changed");
        }

        Directory.EnumerateFiles(live, "*", SearchOption.AllDirectories).Count().ShouldBe(liveFiles);
        (await TablesAsync(empty.ConnectionString)).ShouldBe(0, "the target database was not touched");

        var (forcedExit, forced) = await cli.RunAsync("backup", "restore-all", "--into", empty.OwnerConnectionString, "--backups", folder, "--blobs", live, "--allow-live-blobs");
        forcedExit.ShouldBe(0, forced);
        forced.ShouldContain("The environment is back as of");
    }

    private async Task<List<(string Id, long After, long UpTo)>> TakeChainAsync(string folder, int backups)
    {
        var site = Match(SiteId(), (await cli.RunAsync("site", "create", $"Chain {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);
        var chain = new List<(string, long, long)>();
        for (var i = 0; i < backups; i++)
        {
            (await cli.RunAsync("flag", "set", site, "new-editor", i % 2 == 0 ? "on" : "off")).Exit.ShouldBe(0);
            var (exit, output) = await cli.RunAsync("backup", i == 0 ? "full" : "incremental", "--backups", folder);
            exit.ShouldBe(0, output);
            var positions = Positions().Match(output);
            chain.Add((Match(BackupId(), output), long.Parse(positions.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(positions.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }

        return chain;
    }

    private static string Flat(string output) => Whitespace().Replace(output, " ");

    /// <summary>The cells of the table row that starts with <paramref name="id"/>.</summary>
    private static string[] Cells(string output, string id) =>
        output.Split('\n').Select(l => l.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).FirstOrDefault(c => c.Length > 1 && c[0] == id)
        ?? throw new InvalidOperationException($"no table row for {id} in: {output}");

    private static void Unprotect(string folder)
    {
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static async Task<long> TablesAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('lifeboat', 'platform')", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
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

    [GeneratedRegex(@"positions (\d+)–(\d+)")]
    private static partial Regex Positions();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
