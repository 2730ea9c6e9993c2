using System.Text.RegularExpressions;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat policy`: the environment's policy, and no other way of choosing one.</summary>
public sealed partial class PolicyCommandTests(CliFixture cli) : IClassFixture<CliFixture>, IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-cli-policy-").FullName;

    [Fact]
    public async Task APolicyFileGivenWithDashDashPolicy_IsRefused_SayingHowToProposeIt_AndNothingIsSubmitted()
    {
        var loose = await WriteAsync("loose.yaml", "second-approver-above:\n  sites: 100\nbulk-limits:\n  delete-site: 100\n");
        var plan = await WriteAsync("plan.yaml", $"action: delete-site\ntarget: site\nreason: close the fleet\ntargets: [{await NewSiteAsync()}]\n");

        var (exit, wrapped) = await cli.RunAsync("--policy", loose, "plan", "submit", plan);
        var output = Regex.Replace(wrapped, @"\s+", " ");

        exit.ShouldBe(2);
        output.ShouldContain($"error: --policy ({loose}) no longer chooses the policy: plans are held to the environment's policy, kept in Lifeboat's database and changed by two people.");
        output.ShouldContain($"lifeboat policy propose {loose}");
        output.ShouldContain("Nothing was done.");
        (await cli.RunAsync("plan", "list")).Output.ShouldNotContain("delete-site");
    }

    [Fact]
    public async Task APolicyProposedByOnePerson_IsInForceOnlyOnceAnotherApprovesItsHash()
    {
        var file = await WriteAsync("canary.yaml", "waves:\n  canary-percent: 10\n");

        var (proposeExit, proposed) = await cli.RunAsAsync("alice", "policy", "propose", file, "--reason", "bigger canaries");
        var version = VersionPattern().Match(proposed).Groups[1].Value;
        var hash = HashPattern().Match(proposed).Groups[1].Value;
        var (selfExit, self) = await cli.RunAsAsync("ALICE", "policy", "approve", version, "--hash", hash);
        var before = (await cli.RunAsync("policy", "show")).Output;
        var (approveExit, approved) = await cli.RunAsAsync("bob", "policy", "approve", version, "--hash", hash);

        proposeExit.ShouldBe(0);
        selfExit.ShouldBe(2);
        self.ShouldContain($"proposed policy version {version} and cannot also approve it");
        before.ShouldNotContain("canary-percent: 10");
        approveExit.ShouldBe(0, approved);
        approved.ShouldContain($"Policy version {version} approved by bob: in force now");
        var shown = (await cli.RunAsync("policy", "show")).Output;
        shown.ShouldContain($"# policy version {version} (approved by bob): in force");
        shown.ShouldContain($"# content hash {hash}");
        shown.ShouldContain("canary-percent: 10");
        var history = (await cli.RunAsync("policy", "history")).Output;
        history.ShouldContain("InForce");
        history.ShouldContain("bigger canaries");
        history.ShouldContain("the built-in safe defaults");
    }

    [Fact]
    public async Task AnInvalidPolicy_IsRefusedNamingTheLine()
    {
        var file = await WriteAsync("typo.yaml", "waves:\n  canary-percent: 10\nbulk-limitz:\n  delete-site: 3\n");

        var (exit, output) = await cli.RunAsync("policy", "propose", file);

        exit.ShouldBe(2);
        output.ShouldContain("error: policy typo.yaml, line 3:");
    }

    [Fact]
    public async Task APolicyFileLeftInTheHome_IsNotedAsNoLongerUsed_AndTheCommandStillRuns()
    {
        Directory.CreateDirectory(cli.Home);
        var inHome = Path.Combine(cli.Home, "policy.yaml");
        await File.WriteAllTextAsync(inHome, "second-approver-above:\n  sites: 100\n");
        try
        {
            var (exit, wrapped) = await cli.RunAsync("policy", "show");
            var output = Regex.Replace(wrapped, @"\s+", " ");

            exit.ShouldBe(0);
            output.ShouldContain($"note: the home's policy.yaml ({inHome}) no longer chooses the policy");
            output.ShouldNotContain("sites: 100");
        }
        finally
        {
            File.Delete(inHome);
        }
    }

    [Fact]
    public async Task APlanWhoseTargetsFileIsMissing_ExitsTwoNamingThePathItLookedFor()
    {
        var plan = await WriteAsync("missing.yaml", "action: delete-site\ntarget: site\nreason: close the fleet\ntargets-file: sites.txt\n");

        var (exit, wrapped) = await cli.RunAsync("plan", "submit", plan);

        exit.ShouldBe(2);
        Regex.Replace(wrapped, @"\s+", " ").ShouldContain($"error: plan missing.yaml names the targets-file 'sites.txt', which does not exist (looked for {Path.Combine(_folder, "sites.txt")};");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private async Task<string> NewSiteAsync() =>
        SitePattern().Match((await cli.RunAsync("site", "create", $"Policy {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output).Value;

    [GeneratedRegex("site_[0-9a-z]{26}")]
    private static partial Regex SitePattern();

    [GeneratedRegex(@"Policy version (\d+) proposed")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("content hash ([0-9a-f]{64})")]
    private static partial Regex HashPattern();
}
