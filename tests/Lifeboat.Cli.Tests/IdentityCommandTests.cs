using System.CommandLine;
using System.Text.RegularExpressions;
using Lifeboat.Cli.Commands;
using Lifeboat.Cli.Identity;
using Spectre.Console;

namespace Lifeboat.Cli.Tests;

/// <summary>Who the CLI acts as: the OS user's operator, a token's principal, a saved login; and the old ways, refused.</summary>
public sealed partial class IdentityCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task OnAFreshEnvironment_TheFirstOsUserBecomesItsAdminSaidOnce_AndASecondOsUserIsRefusedUntilAnAdminAddsThem()
    {
        await using var fresh = await PostgresServer.CreateDatabaseAsync("cli-fresh");
        var home = Directory.CreateTempSubdirectory("lifeboat-cli-fresh-").FullName;
        try
        {
            string[] on = ["--connection", fresh.ConnectionString, "--owner-connection", fresh.OwnerConnectionString, "--home", home];
            var (firstExit, first) = await CliFixture.RunOnAsync(CliFixture.Environment("ada"), ["whoami", .. on]);
            var (againExit, again) = await CliFixture.RunOnAsync(CliFixture.Environment("ada"), ["whoami", .. on]);
            var (secondExit, second) = await CliFixture.RunOnAsync(CliFixture.Environment("brian"), ["site", "list", .. on]);
            var (addExit, added) = await CliFixture.RunOnAsync(CliFixture.Environment("ada"), ["operator", "add", "brian", "--roles", "viewer", "--os-user", .. on]);
            var (listExit, listed) = await CliFixture.RunOnAsync(CliFixture.Environment("brian"), ["site", "list", .. on]);
            var (createExit, created) = await CliFixture.RunOnAsync(CliFixture.Environment("brian"), ["site", "create", "Brian's", "--region", "eu-west", .. on]);

            firstExit.ShouldBe(0, first);
            Flat(first).ShouldContain("lifeboat: this environment had no operator, so the OS user ada is now its first operator, 'ada', with the role admin.");
            first.ShouldContain("ada (ada), roles: admin; on the database directly (local mode), as the OS user ada's operator.");
            againExit.ShouldBe(0);
            again.ShouldNotContain("had no operator", Case.Sensitive, "the first admin is made, and said, once");
            secondExit.ShouldBe(LifeboatCli.Refused);
            Flat(second).ShouldContain("refused: the OS user brian is not an operator of this environment. Ask an admin to add you (lifeboat operator add brian --roles <roles> --os-user)");
            addExit.ShouldBe(0, added);
            listExit.ShouldBe(0, listed);
            listed.ShouldContain("0 site(s)");
            createExit.ShouldBe(LifeboatCli.Refused);
            Flat(created).ShouldContain("refused: brian lacks the permission sites.write (roles: viewer)");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheOldWaysOfSayingWhoActs_AreRefusedSayingHowIdentityWorksNow_AndNothingIsDone(bool option)
    {
        var environment = option ? CliFixture.Environment(CliFixture.OsUser) : CliFixture.Environment(CliFixture.OsUser, new Dictionary<string, string> { ["LIFEBOAT_ACTOR"] = "ceo" });
        string[] args = option ? ["site", "create", "Typed name", "--region", "eu-west", "--as", "ceo"] : ["site", "create", "Typed name", "--region", "eu-west"];

        var (exit, output) = await cli.RunWithAsync(environment, args);

        exit.ShouldBe(LifeboatCli.BadInput);
        Flat(output).ShouldContain($"error: {(option ? "--as ceo" : "LIFEBOAT_ACTOR=ceo")} no longer says who acts: anyone could type any name.");
        Flat(output).ShouldContain("the operator of your OS user (lifeboat whoami); with an API token, its principal (LIFEBOAT_TOKEN, or --token-file FILE)");
        (await cli.RunAsync("site", "list")).Output.ShouldNotContain("Typed name");
    }

    [Fact]
    public async Task TheSavedLogin_IsTheOwnersAloneFromCreation_InAFolderOnlyTheOwnerCanEnter()
    {
        var config = Directory.CreateTempSubdirectory("lifeboat-cli-config-").FullName;
        try
        {
            var environment = CliFixture.Environment("ada", new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = config });
            new SavedLogin("http://127.0.0.1:5080/", "lbt_secret", "tok_x", "ada").Write(environment);
            // A second login replaces the file with a new one, created the same way.
            new SavedLogin("http://127.0.0.1:5081/", "lbt_other", "tok_y", "ada").Write(environment);

            var file = Path.Combine(config, "lifeboat", "credentials.json");
            File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.Combine(config, "lifeboat")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            SavedLogin.Read(environment)!.Token.ShouldBe("lbt_other");
            Directory.GetFiles(Path.Combine(config, "lifeboat")).ShouldBe([file]);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    [Fact]
    public async Task TokenCreateOut_WritesTheSecretOwnerOnly_AndTheTokenActsAsItsOwnerWithTheRolesAsked()
    {
        await cli.RunAsync("operator", "add", "tara", "--roles", "operator,approver");
        var file = Path.Combine(cli.Home, "tokens", $"tara-{Guid.NewGuid():n}.token");

        var (exit, output) = await cli.RunAsync("token", "create", "laptop", "--for", "tara", "--roles", "approver", "--out", file);
        var (_, who) = await cli.RunWithAsync(CliFixture.Environment("nobody"), "whoami", "--token-file", file);

        exit.ShouldBe(0, output);
        Flat(output).ShouldContain("for tara (roles: approver)");
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        who.ShouldContain("tara (tara), roles: approver;");
    }

    [Fact]
    public async Task ACommandWithoutAnHttpEndpoint_InRemoteMode_SaysItWorksOnTheDatabase_AndHow()
    {
        var file = await cli.TokenFileAsync("remo");

        var (exit, output) = await CliFixture.RunOnAsync(CliFixture.Environment(CliFixture.OsUser), "store", "verify", "--server", "http://127.0.0.1:9", "--token-file", file);

        exit.ShouldBe(LifeboatCli.BadInput);
        Flat(output).ShouldContain("error: lifeboat store verify works on the database directly, not through a server, so it was not sent to http://127.0.0.1:9/. Run it where the database is reachable, with --local");
    }

    [Fact]
    public void EveryCommand_DeclaresThePermissionItNeeds_OrWhyItNeedsNone()
    {
        var root = LifeboatCli.Build(new GlobalOptions(CliFixture.Environment(CliFixture.OsUser)), AnsiConsole.Create(new AnsiConsoleSettings()));
        var leaves = Leaves(root).ToList();

        leaves.Count.ShouldBeGreaterThan(90);
        leaves.Where(c => PlatformCommand.DeclaredBy(c) is null).Select(PlatformCommand.NameOf).ShouldBeEmpty("a command that declares no permission");
        leaves.Select(PlatformCommand.DeclaredBy).Where(d => !d!.StartsWith("none: ", StringComparison.Ordinal))
            .ShouldAllBe(d => Lifeboat.Platform.Access.Permissions.All.Contains(d));
        PlatformCommand.DeclaredBy(leaves.Single(c => PlatformCommand.NameOf(c) == "lifeboat plan approve")).ShouldBe("plans.approve");
    }

    private static IEnumerable<Command> Leaves(Command command) =>
        command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Leaves).Concat(command.Action is null ? [] : [command]);

    private static string Flat(string output) => WhiteSpace().Replace(output, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
