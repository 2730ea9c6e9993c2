using System.Text.RegularExpressions;

namespace Lifeboat.Cli.Tests;

public sealed partial class PlatformCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task SiteCreate_ThenList_ShowsItInItsRegion()
    {
        var name = $"Acme {Guid.NewGuid():n}"[..20];
        var (exit, created) = await cli.RunAsync("site", "create", name, "--region", "eu-west");
        var site = SiteIdIn(created);

        var (_, listed) = await cli.RunAsync("site", "list", "--region", "eu-west");

        exit.ShouldBe(0);
        listed.ShouldContain(site);
        listed.ShouldContain(name);
        (await cli.RunAsync("site", "list", "--region", "us-east")).Output.ShouldNotContain(site);
    }

    [Fact]
    public async Task AppUninstall_GivenASiteId_ExitsTwoNamingBothKinds_AndChangesNothing()
    {
        await cli.RunAsync("app", "register", "app_legacyinsights", "Legacy Insights", "--vendor", "Example");
        var site = SiteIdIn((await cli.RunAsync("site", "create", $"Beta {Guid.NewGuid():n}"[..20], "--region", "us-east")).Output);
        await cli.RunAsync("app", "install", site, "app_legacyinsights");

        var (exit, output) = await cli.RunAsync("app", "uninstall", site);

        exit.ShouldBe(2);
        output.ShouldContain($"error: '{site}' is a site ID (site_…), but an app installation ID (ain_…) is expected here.");
        (await cli.RunAsync("app", "installed", site)).Output.ShouldContain("app_legacyinsights");
    }

    [Fact]
    public async Task SiteCreate_InAnUnknownRegion_ExitsTwoListingTheRegions()
    {
        var (exit, output) = await cli.RunAsync("site", "create", "Nowhere", "--region", "mars");

        exit.ShouldBe(2);
        output.ShouldContain("unknown region 'mars'; sites can live in: us-east, eu-west, ap-southeast.");
    }

    [Fact]
    public async Task ContactsOfADeletedSite_AreStillListed_AndExportedAsCsv()
    {
        var site = SiteIdIn((await cli.RunAsync("site", "create", $"Gamma {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);
        (await cli.RunAsync("contact", "add", site, "--role", "Billing", "--name", "Pat, Finance", "--phone", "+44 20 7946 0000")).Exit.ShouldBe(0);
        (await cli.RunAsync("site", "delete", site, "--reason", "test")).Exit.ShouldBe(0);

        (await cli.RunAsync("contact", "list", site)).Output.ShouldContain("Pat, Finance");
        var csv = (await cli.RunAsync("contact", "export")).Output;
        csv.ShouldStartWith("contact,site,role,name,email,phone\r\n");
        csv.ShouldContain($",{site},Billing,\"Pat, Finance\",,+44 20 7946 0000");
    }

    [Fact]
    public async Task ContactExportToAFile_IsReadableByItsOwnerOnly_EvenOverAFileOthersCouldRead()
    {
        var site = SiteIdIn((await cli.RunAsync("site", "create", $"Delta {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);
        (await cli.RunAsync("contact", "add", site, "--role", "Billing", "--name", "Robin", "--email", "robin@example.com")).Exit.ShouldBe(0);
        var folder = Directory.CreateTempSubdirectory("lifeboat-cli-export-").FullName;
        try
        {
            var file = Path.Combine(folder, "contacts.csv");
            await File.WriteAllTextAsync(file, "an older export", TestContext.Current.CancellationToken);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var (exit, output) = await cli.RunAsync("contact", "export", "--out", file);

            exit.ShouldBe(0, output);
            File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            (await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).ShouldContain("robin@example.com");
            Directory.GetFiles(folder).ShouldBe([file], "no staging file is left beside it");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ContactAdd_WithNoWayToReachThem_ExitsTwo()
    {
        var site = SiteIdIn((await cli.RunAsync("site", "create", $"Delta {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);

        var (exit, output) = await cli.RunAsync("contact", "add", site, "--role", "Admin", "--name", "Dana");

        exit.ShouldBe(2);
        output.ShouldContain("has no way to reach them");
    }

    [Fact]
    public async Task MissingRequiredOption_ExitsTwoWithUsage()
    {
        var (exit, output) = await cli.RunAsync("licence", "grant", "site_01jd8x2k9q4m7t6v5w3y1z0a8b", "prd_tracker");

        exit.ShouldBe(2);
        output.ShouldContain("Option '--seats' is required.");
    }

    private static string SiteIdIn(string output) => SiteIdPattern().Match(output) is { Success: true } m ? m.Value : throw new InvalidOperationException($"no site ID in: {output}");

    [GeneratedRegex("site_[0-9a-z]{26}")]
    private static partial Regex SiteIdPattern();
}
