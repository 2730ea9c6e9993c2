using System.Globalization;
using System.Text.RegularExpressions;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat retro …` on the database: a drill's retrospective opened, KPT and actions written, the rules refused by exit status, and the Markdown export.</summary>
public sealed partial class RetrospectiveCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact(Timeout = 180_000)]
    public async Task ADrillsRetrospective_IsWrittenFromTheTerminal_TheRulesRefuse_AndItExportsToMarkdown()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (declareExit, declared) = await cli.RunAsync("incident", "declare", "--title", $"Drill {suffix}", "--type", "mass-deletion", "--severity", "SEV3");
        declareExit.ShouldBe(0, declared);
        var id = IncidentIdPattern().Match(declared).Value;
        (await cli.RunAsync("incident", "assign", id, "commander", CliFixture.OsUser)).Exit.ShouldBe(0);

        var (notYetExit, notYet) = await cli.RunAsync("retro", "open", id);
        notYetExit.ShouldBe(2, notYet);
        notYet.ShouldContain("--drill");
        var (openExit, opened) = await cli.RunAsync("retro", "open", id, "--drill");
        openExit.ShouldBe(0, opened);
        opened.ShouldContain($"The retrospective of incident {id} is open (a drill)");

        (await cli.RunAsync("retro", "kpt", "add", id, "--kind", "keep", "--text", "the breaker stopped the script")).Exit.ShouldBe(0);
        var due = TimeProvider.System.GetUtcNow().AddDays(7).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (addExit, added) = await cli.RunAsync("retro", "action", "add", id, "--kind", "confirm-cause", "--title", "why site IDs", "--owner", CliFixture.OsUser, "--due", due);
        addExit.ShouldBe(0, added);
        added.ShouldContain("Action 1 (confirm-cause) is added");

        var (shortExit, tooShort) = await cli.RunAsync("retro", "not-needed", id, "--kind", "detect-sooner", "--reason", "fine");
        shortExit.ShouldBe(2, tooShort);
        tooShort.ShouldContain("at least 10");
        var (completeExit, refused) = await cli.RunAsync("retro", "complete", id);
        completeExit.ShouldBe(2, refused);
        refused.ShouldContain("make-fix-permanent, prevent-recurrence, detect-sooner, recover-faster have neither");

        var outsider = $"viewer-{suffix}";
        var (outsiderExit, denied) = await cli.RunAsWithRolesAsync(outsider, [Roles.Viewer], "retro", "kpt", "add", id, "--kind", "problem", "--text", "not mine to say");
        outsiderExit.ShouldBe(2, denied);
        denied.ShouldContain($"{outsider} is not a participant");

        var file = Path.Combine(cli.Home, $"retro-{suffix}.md");
        var (exportExit, exported) = await cli.RunAsync("retro", "export", id, "--output", file);
        exportExit.ShouldBe(0, exported);
        var markdown = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        markdown.ShouldStartWith($"# Retrospective: Drill {suffix}");
        markdown.ShouldContain("- the breaker stopped the script — " + CliFixture.OsUser);
        markdown.ShouldContain($"- [ ] #1 why site IDs — owner {CliFixture.OsUser}, due {due}, open");
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [GeneratedRegex("inc_[0-9a-z]{26}")]
    private static partial Regex IncidentIdPattern();
}
