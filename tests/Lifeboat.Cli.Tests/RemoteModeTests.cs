using System.Text.RegularExpressions;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// The CLI talking to a real server (remote mode): `lifeboat login` keeps a token, and plans and restores
/// go through the server's API acting as the token's principal, with the same two-person rules and the
/// same words as on the database.
/// </summary>
public sealed partial class RemoteModeTests(RemoteServerFixture server) : IClassFixture<RemoteServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 300_000)]
    public async Task ADeletionPlan_SubmittedRunAndRestored_ThroughAServer_RecordsEachPersonAsTheServerKnewThem()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (alice, bob) = ($"alice-{suffix}", $"bob-{suffix}");
        var aliceToken = await server.TokenFileAsync(alice, Roles.Operator, Roles.Approver, Roles.Restorer);
        var bobToken = await server.TokenFileAsync(bob, Roles.Approver);
        var config = Directory.CreateTempSubdirectory("lifeboat-cli-remote-").FullName;
        try
        {
            // Alice's machine: her saved login in her own configuration folder.
            var machine = CliFixture.Environment("alice", new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = config });
            var (loginExit, login) = await CliFixture.RunOnAsync(machine, "login", "--server", server.Address.ToString(), "--token-file", aliceToken);
            loginExit.ShouldBe(0, login);
            login.ShouldContain($"as {alice}");
            File.GetUnixFileMode(Path.Combine(config, "lifeboat", "credentials.json")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

            var sites = new List<SiteId>();
            for (var i = 0; i < 6; i++)
            {
                sites.Add((await server.Platform.Sites.CreateAsync($"Remote {suffix} {i}", "eu-west", false, Ct)).Id);
            }

            // The targets file is read on Alice's machine, next to the plan, and its IDs sent to the server.
            await File.WriteAllTextAsync(Path.Combine(config, "targets.txt"), string.Join("\n", sites), Ct);
            var planFile = Path.Combine(config, "plan.yaml");
            await File.WriteAllTextAsync(planFile, "action: delete-site\ntarget: site\nreason: retire the test fleet\ntargets-file: targets.txt\n", Ct);
            var (submitExit, submitted) = await CliFixture.RunOnAsync(machine, "plan", "submit", planFile);
            submitExit.ShouldBe(0, submitted);
            submitted.ShouldContain($"requested by {alice}");
            var plan = PlanIdPattern().Match(submitted).Value;
            var hash = ContentHash().Match(submitted).Groups[1].Value;

            var (selfExit, self) = await CliFixture.RunOnAsync(machine, "plan", "approve", plan, "--hash", hash);
            selfExit.ShouldBe(2, self);
            self.ShouldContain($"{alice} requested plan {plan} and cannot also approve it");

            var (approveExit, approved) = await CliFixture.RunOnAsync(CliFixture.Environment("bob"),
                "plan", "approve", plan, "--hash", hash, "--server", server.Address.ToString(), "--token-file", bobToken);
            approveExit.ShouldBe(0, approved);
            approved.ShouldContain($"Plan {plan} approved by {bob}");

            var (runExit, ran) = await CliFixture.RunOnAsync(machine, "plan", "run", plan);
            runExit.ShouldBe(0, ran);
            ran.ShouldContain($"Plan {plan} runs on {server.Address}");
            ran.ShouldContain("Completed");
            foreach (var site in sites)
            {
                (await server.Platform.Sites.GetAsync(site, Ct)).State.ShouldBe(Storage.TenantState.Deleted);
            }

            var (restoreExit, restored) = await CliFixture.RunOnAsync(machine, "restore", "start", "--plan", plan, "--reason", "the fleet was not to be retired", "--wait");
            restoreExit.ShouldBe(0, restored);
            restored.ShouldContain("6 of 6 site(s) restored and validated");
            foreach (var site in sites)
            {
                (await server.Platform.Sites.GetAsync(site, Ct)).State.ShouldBe(Storage.TenantState.Active);
            }

            var audit = await server.Platform.Audit.OfAsync(plan, Ct);
            audit.Single(a => a.Step == "submitted").Actor.ShouldBe(alice);
            audit.Single(a => a.Step == "approved").Actor.ShouldBe(bob);
            var job = (await server.Platform.Restores.ListAsync(Ct)).First(j => j.Source.Contains(plan, StringComparison.Ordinal));
            job.RequestedBy.ShouldBe(alice);
            (await CliFixture.RunOnAsync(machine, "restore", "status", job.Id.Value)).Output.ShouldContain($"Job {job.Id}");
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task APlanNamingUnknownIds_IsRefusedByTheServer_WithEachFailingIdListed_AndNothingIsRecorded()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var token = await server.TokenFileAsync($"carol-{suffix}", Roles.Operator);
        var real = (await server.Platform.Sites.CreateAsync($"Real {suffix}", "eu-west", false, Ct)).Id;
        var missing = TypedId.New<SiteId>(TimeProvider.System);
        var folder = Directory.CreateTempSubdirectory("lifeboat-cli-remote-").FullName;
        try
        {
            var file = Path.Combine(folder, "plan.yaml");
            await File.WriteAllTextAsync(file, $"action: delete-site\ntarget: site\nreason: tidy up\ntargets: [{real}, {missing}]\n", Ct);
            var plansBefore = (await server.Platform.Plans.ListAsync(null, Ct)).Count;

            var (exit, output) = await CliFixture.RunOnAsync(CliFixture.Environment("carol"), "plan", "submit", file, "--server", server.Address.ToString(), "--token-file", token);

            exit.ShouldBe(2, output);
            output.ShouldContain(missing.Value);
            output.ShouldContain("does not exist");
            (await server.Platform.Plans.ListAsync(null, Ct)).Count.ShouldBe(plansBefore);
            (await server.Platform.Sites.GetAsync(real, Ct)).State.ShouldBe(Storage.TenantState.Active);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AnIncident_DeclaredListedShownAndCommanded_ThroughAServer_ActsAsTheTokensPrincipal()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (ic, rival, viewer) = ($"ic-{suffix}", $"rival-{suffix}", $"viewer-{suffix}");
        var icToken = await server.TokenFileAsync(ic, Roles.IncidentCommander);
        var rivalToken = await server.TokenFileAsync(rival, Roles.IncidentCommander);
        var viewerToken = await server.TokenFileAsync(viewer, Roles.Viewer);
        string[] As(string token) => ["--server", server.Address.ToString(), "--token-file", token];
        var machine = CliFixture.Environment("ic");

        var (declareExit, declared) = await CliFixture.RunOnAsync(machine, ["incident", "declare", "--title", $"Wiki pages gone {suffix}", "--type", "data-loss", "--severity", "1", "--public", .. As(icToken)]);
        declareExit.ShouldBe(0, declared);
        var id = IncidentIdPattern().Match(declared).Value;
        declared.ShouldContain($"Declared incident {id}: SEV1 data-loss (public), phase investigating, by {ic}.");

        var (assignExit, assigned) = await CliFixture.RunOnAsync(machine, ["incident", "assign", id, "commander", ic, .. As(icToken)]);
        assignExit.ShouldBe(0, assigned);
        var (backupExit, backup) = await CliFixture.RunOnAsync(machine, ["incident", "assign", id, "communications-lead", rival, "--backup", .. As(icToken)]);
        backupExit.ShouldBe(0, backup);
        backup.ShouldContain($"{rival} is the backup communications-lead of incident {id}.");

        var holdings = await RolesAsync(id);
        var (rivalExit, refused) = await CliFixture.RunOnAsync(machine, ["incident", "assign", id, "commander", rival, .. As(rivalToken)]);
        rivalExit.ShouldBe(2, refused);
        refused.ShouldContain($"{ic} is the commander of incident {id}");
        var (viewerExit, denied) = await CliFixture.RunOnAsync(machine, ["incident", "declare", "--title", "not mine to declare", "--type", "x", "--severity", "4", .. As(viewerToken)]);
        viewerExit.ShouldBe(4, denied);
        denied.ShouldContain("incidents.declare");
        (await RolesAsync(id)).ShouldBe(holdings, "refused calls change nothing");

        var (listExit, listed) = await CliFixture.RunOnAsync(machine, ["incident", "list", "--severity", "SEV1", .. As(viewerToken)]);
        listExit.ShouldBe(0, listed);
        listed.ShouldMatch($@"{id}\s*│\s*SEV1\s*│\s*investigating\s*│\s*{Regex.Escape(ic)}");

        var (showExit, shown) = await CliFixture.RunOnAsync(machine, ["incident", "show", id, .. As(viewerToken)]);
        showExit.ShouldBe(0, shown);
        shown.ShouldContain($"Wiki pages gone {suffix}");
        shown.ShouldContain("public");
        shown.ShouldContain("No one holds: backup commander, communications-lead, scribe, backup scribe.");
        shown.ShouldContain($"{ic} is now commander");

        await using var desk = await Lifeboat.Incidents.IncidentDesk.OpenAsync(server.Platform, Ct);
        var events = await desk.TimelineAsync(Lifeboat.Incidents.IncidentId.Parse(id), cancellationToken: Ct);
        events.ShouldAllBe(e => e.Source == "api");
        events.Single(e => e.Kind == "declared").Actor.ShouldBe(ic);
    }

    private async Task<string> RolesAsync(string incident)
    {
        await using var desk = await Lifeboat.Incidents.IncidentDesk.OpenAsync(server.Platform, Ct);
        return string.Join("\n", (await desk.RoleHistoryAsync(Lifeboat.Incidents.IncidentId.Parse(incident), Ct)).Select(h => h.ToString()));
    }

    [GeneratedRegex("inc_[0-9a-z]{26}")]
    private static partial Regex IncidentIdPattern();

    [GeneratedRegex("plan_[0-9a-z]{26}")]
    private static partial Regex PlanIdPattern();

    [GeneratedRegex("Content hash: ([0-9a-f]{64})")]
    private static partial Regex ContentHash();
}
