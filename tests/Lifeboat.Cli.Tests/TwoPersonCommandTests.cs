using System.Text.RegularExpressions;

namespace Lifeboat.Cli.Tests;

/// <summary>Two-person rules from the command line: one person under two spellings is still one person.</summary>
public sealed partial class TwoPersonCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task EraseRequestedByAlice_ApprovedAsAlice_IsRefused_AndExecuteFinds_NoApproval()
    {
        var site = Match(SiteIdPattern(), (await cli.RunAsync("site", "create", $"Erase {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);
        var erasure = Match(ErasureIdPattern(), (await cli.RunAsAsync("alice", "store", "erase", "request", site, "--reason", "GDPR art. 17")).Output);

        var (approveExit, approved) = await cli.RunAsAsync("Alice", "store", "erase", "approve", erasure);
        var (executeExit, executed) = await cli.RunAsAsync("alice", "store", "erase", "execute", erasure);

        approveExit.ShouldBe(2);
        approved.ShouldContain($"error: Alice (the same person as alice: names that differ only in case, surrounding spaces or Unicode form name one person) requested erasure {erasure}");
        executeExit.ShouldBe(2);
        executed.ShouldContain("has no approval");
        (await cli.RunAsync("site", "show", site)).Output.ShouldContain("Active");
    }

    [Theory]
    [InlineData("ROOT")]
    [InlineData("root ")]
    public async Task APlanRequestedByRoot_ApprovedAsRootSpelledOtherwise_IsRefused_AndDoesNotRun(string approver)
    {
        var sites = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            sites.Add(Match(SiteIdPattern(), (await cli.RunAsync("site", "create", $"Plan {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output));
        }

        var folder = Directory.CreateTempSubdirectory("lifeboat-cli-plan-").FullName;
        try
        {
            var file = Path.Combine(folder, "plan.yaml");
            await File.WriteAllTextAsync(file, $"action: delete-site\ntarget: site\nreason: close the test fleet\ntargets: [{string.Join(", ", sites)}]\n");
            var submitted = (await cli.RunAsAsync("root", "plan", "submit", file)).Output;
            var plan = Match(PlanIdPattern(), submitted);
            var hash = ContentHash().Match(submitted).Groups[1].Value;

            var (approveExit, approved) = await cli.RunAsAsync(approver, "plan", "approve", plan, "--hash", hash);
            var (runExit, ran) = await cli.RunAsAsync("root", "plan", "run", plan);

            approveExit.ShouldBe(2);
            approved.ShouldContain($"(the same person as root: names that differ only in case, surrounding spaces or Unicode form name one person) requested plan {plan} and cannot also approve it");
            runExit.ShouldBe(2);
            ran.ShouldContain("needs a second approver");
            foreach (var site in sites)
            {
                (await cli.RunAsync("site", "show", site)).Output.ShouldContain("Active");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Match(Regex pattern, string output) =>
        pattern.Match(output) is { Success: true } m ? m.Value : throw new InvalidOperationException($"no {pattern} in: {output}");

    [GeneratedRegex("site_[0-9a-z]{26}")]
    private static partial Regex SiteIdPattern();

    [GeneratedRegex("ers_[0-9a-z]{26}")]
    private static partial Regex ErasureIdPattern();

    [GeneratedRegex("plan_[0-9a-z]{26}")]
    private static partial Regex PlanIdPattern();

    [GeneratedRegex("Content hash: ([0-9a-f]{64})")]
    private static partial Regex ContentHash();
}
