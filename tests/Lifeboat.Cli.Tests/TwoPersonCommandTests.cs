using System.Text.RegularExpressions;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// Two-person rules from the command line: the second person acts with their own credential, and
/// the same principal (another token of theirs included) or one without the approver role is refused.
/// </summary>
public sealed partial class TwoPersonCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task EraseRequestedByAlice_ApprovedWithAnotherTokenOfAlice_IsRefused_AndExecuteFinds_NoApproval()
    {
        var site = Match(SiteIdPattern(), (await cli.RunAsync("site", "create", $"Erase {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output);
        var erasure = Match(ErasureIdPattern(), (await cli.RunAsAsync("alice", "store", "erase", "request", site, "--reason", "GDPR art. 17")).Output);

        // "Alice" is the login alice as a principal: the same operator, through a second token of theirs.
        var (approveExit, approved) = await cli.RunAsAsync("Alice", "store", "erase", "approve", erasure);
        var (executeExit, executed) = await cli.RunAsAsync("alice", "store", "erase", "execute", erasure);

        approveExit.ShouldBe(2);
        approved.ShouldContain($"error: alice requested erasure {erasure}");
        executeExit.ShouldBe(2);
        executed.ShouldContain("has no approval");
        (await cli.RunAsync("site", "show", site)).Output.ShouldContain("Active");
    }

    [Fact]
    public async Task APlanRequestedByRoot_ApprovedWithAnotherTokenOfRoot_IsRefused_AndDoesNotRun()
    {
        var (plan, hash, sites) = await SubmitAsync("root");

        var (approveExit, approved) = await cli.RunAsAsync("ROOT", "plan", "approve", plan, "--hash", hash);
        var (runExit, ran) = await cli.RunAsAsync("root", "plan", "run", plan);

        approveExit.ShouldBe(2);
        approved.ShouldContain($"root requested plan {plan} and cannot also approve it");
        runExit.ShouldBe(2);
        ran.ShouldContain("needs a second approver");
        await ShouldAllBeActiveAsync(sites);
    }

    [Fact]
    public async Task APlanApprovedByAnOperatorWithoutTheApproverRole_IsRefusedNamingThePermission_AndNothingIsApproved()
    {
        var (plan, hash, sites) = await SubmitAsync("rita");

        var (exit, output) = await cli.RunAsWithRolesAsync("oscar", [Roles.Operator], "plan", "approve", plan, "--hash", hash);

        exit.ShouldBe(LifeboatCli.Refused);
        Flat(output).ShouldContain("refused: oscar lacks the permission plans.approve (roles: operator); it comes with the roles approver, admin: ask an admin to grant one. Nothing was done.");
        var shown = (await cli.RunAsync("plan", "show", plan)).Output;
        shown.ShouldContain("requested by rita — Verified");
        shown.ShouldNotContain("oscar");
        await ShouldAllBeActiveAsync(sites);
    }

    [Fact]
    public async Task APlanApprovedWithTheTokenOfAnotherApprover_IsAccepted_AndRecordsThatApprover()
    {
        var (plan, hash, _) = await SubmitAsync("sam");

        var (exit, output) = await cli.RunAsWithRolesAsync("petra", [Roles.Approver], "plan", "approve", plan, "--hash", hash);

        exit.ShouldBe(0, output);
        output.ShouldContain($"Plan {plan} approved by petra");
        (await cli.RunAsync("plan", "audit", plan)).Output.ShouldContain("petra");
    }

    [Fact]
    public async Task ARevokedToken_IsRefusedSayingWhen_AndTheCommandChangesNothing()
    {
        var file = await cli.TokenFileAsync("victor");
        var token = Match(TokenIdPattern(), (await cli.RunWithAsync(CliFixture.Environment(CliFixture.OsUser), "whoami", "--token-file", file)).Output);
        var (revokeExit, revoked) = await cli.RunAsync("token", "revoke", token);

        var (exit, output) = await cli.RunWithAsync(CliFixture.Environment(CliFixture.OsUser), "site", "create", "Never made", "--region", "eu-west", "--token-file", file);

        revokeExit.ShouldBe(0, revoked);
        exit.ShouldBe(LifeboatCli.Refused);
        Flat(output).ShouldContain($"refused: the API token from the token file {file} was refused: the token {token} was revoked at");
        (await cli.RunAsync("site", "list")).Output.ShouldNotContain("Never made");
    }

    [Fact]
    public async Task LifeboatTokenInTheEnvironment_ActsAsItsPrincipal()
    {
        var secret = (await File.ReadAllTextAsync(await cli.TokenFileAsync("wendy"))).Trim();

        var (exit, output) = await cli.RunWithAsync(CliFixture.Environment("someone-else", new Dictionary<string, string> { ["LIFEBOAT_TOKEN"] = secret }), "whoami");

        exit.ShouldBe(0, output);
        output.ShouldContain("wendy (wendy), roles: approver, operator, restorer; on the database directly (local mode), as the API token tok_");
        output.ShouldContain("from LIFEBOAT_TOKEN");
    }

    private async Task<(string Plan, string Hash, List<string> Sites)> SubmitAsync(string requester)
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
            var submitted = (await cli.RunAsAsync(requester, "plan", "submit", file)).Output;
            return (Match(PlanIdPattern(), submitted), ContentHash().Match(submitted).Groups[1].Value, sites);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task ShouldAllBeActiveAsync(IEnumerable<string> sites)
    {
        foreach (var site in sites)
        {
            (await cli.RunAsync("site", "show", site)).Output.ShouldContain("Active");
        }
    }

    private static string Flat(string output) => Regex.Replace(output, @"\s+", " ");

    private static string Match(Regex pattern, string output) =>
        pattern.Match(output) is { Success: true } m ? m.Value : throw new InvalidOperationException($"no {pattern} in: {output}");

    [GeneratedRegex("site_[0-9a-z]{26}")]
    private static partial Regex SiteIdPattern();

    [GeneratedRegex("ers_[0-9a-z]{26}")]
    private static partial Regex ErasureIdPattern();

    [GeneratedRegex("plan_[0-9a-z]{26}")]
    private static partial Regex PlanIdPattern();

    [GeneratedRegex("tok_[0-9a-z]{26}")]
    private static partial Regex TokenIdPattern();

    [GeneratedRegex("Content hash: ([0-9a-f]{64})")]
    private static partial Regex ContentHash();
}
