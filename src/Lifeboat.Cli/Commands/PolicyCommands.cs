using System.CommandLine;
using System.Globalization;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat policy …`: the environment's policy, changed by one person proposing and another approving.</summary>
internal static class PolicyCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var policy = new Command("policy", "The policy every plan is held to: kept in the database, versioned, changed by two people");

        var version = new Option<int?>("--version") { Description = "A version to show (default: the one in force; 0 is the built-in defaults)" };
        policy.Add(new Command("show", "Show the policy in force (or one version) as YAML, with its version and content hash") { version }.With(g, PolicyRead, async (p, platform, ct) =>
        {
            if (p.GetValue(version) is { } wanted)
            {
                var shown = await platform.Policy.GetAsync(wanted, ct);
                console.MarkupLine($"# policy version {shown.Version}: {shown.State}; proposed by {E(shown.ProposedBy)}{(shown.ApprovedBy is { } by ? $", approved by {E(by)}" : "")}");
                console.MarkupLine($"# content hash {shown.ContentHash}");
                console.Profile.Out.Writer.Write(shown.Yaml);
                return LifeboatCli.Ok;
            }

            var current = await platform.Policy.ReadAsync(ct);
            console.MarkupLine($"# {E(current.Describe())}: in force{(current.Since is { } since ? $" since {StoreCommands.Time(since)}" : "")}");
            console.MarkupLine($"# content hash {current.ContentHash}");
            console.Profile.Out.Writer.Write(current.Yaml);
            return LifeboatCli.Ok;
        }));

        var file = new Argument<FileInfo>("file") { Description = "The proposed policy (YAML): it replaces the policy in force once another person approves it" };
        var reason = new Option<string?>("--reason") { Description = "Why the policy should change (recorded with the proposal)" };
        policy.Add(new Command("propose", "Propose a new version of the policy; it is in force only once another person approves it") { file, reason }.With(g, PolicyPropose, console, async (p, platform, ct) =>
        {
            var path = p.GetValue(file)!;
            if (!path.Exists)
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"policy file {path.FullName} does not exist.");
            }

            var proposed = await platform.Policy.ProposeAsync(await File.ReadAllTextAsync(path.FullName, ct), path.Name, p.GetValue(reason), ct);
            return $"Policy version [bold]{proposed.Version}[/] proposed by {E(proposed.ProposedBy)} (on top of version {proposed.BasedOn}), content hash [bold]{proposed.ContentHash}[/]. " +
                $"Nothing changes until someone else reviews it (lifeboat policy show --version {proposed.Version}) and runs [bold]lifeboat policy approve {proposed.Version} --hash {proposed.ContentHash}[/]";
        }));

        var approveVersion = new Argument<int>("version") { Description = "The proposed version" };
        var hash = new Option<string>("--hash") { Description = "The content hash you reviewed (lifeboat policy show --version prints it)", Required = true };
        policy.Add(new Command("approve", "Approve a version someone else proposed, by the content hash you reviewed: it is in force at once") { approveVersion, hash }.With(g, PolicyApprove, console, async (p, platform, ct) =>
        {
            var approved = await platform.Policy.ApproveAsync(p.GetValue(approveVersion), p.GetValue(hash)!, ct);
            return $"Policy version {approved.Version} approved by {E(approved.ApprovedBy)}: in force now (it replaces version {approved.BasedOn}). Plans are held to it when they start and at every wave.";
        }));

        policy.Add(new Command("history", "Every version of the policy, newest first: who proposed and approved it, and which is in force").With(g, PolicyRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Version", "State", "Proposed by", "Proposed", "Approved by", "Approved", "Content hash", "Reason");
            foreach (var v in await platform.Policy.HistoryAsync(ct))
            {
                table.AddRow(v.Version.ToString(CultureInfo.InvariantCulture), v.State == PolicyVersionState.InForce ? "[green]InForce[/]" : v.State.ToString(), E(v.ProposedBy),
                    v.ProposedAt is { } at ? StoreCommands.Time(at) : "-", E(v.ApprovedBy ?? "-"), v.ApprovedAt is { } ok ? StoreCommands.Time(ok) : "-", v.ContentHash[..12], E(v.Reason ?? ""));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        return policy;
    }
}
