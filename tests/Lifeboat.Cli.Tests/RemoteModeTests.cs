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

    [Fact(Timeout = 120_000)]
    public async Task CustomerAccounts_ThroughAServer_AreCreatedLinkedAndShown_AsTheTokensPrincipal()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var login = $"acc-{suffix}";
        var token = await server.TokenFileAsync(login, Roles.Operator);
        var site = (await server.Platform.Sites.CreateAsync($"Remote shop {suffix}", "eu-west", false, Ct)).Id;
        string[] remote = ["--server", server.Address.ToString(), "--token-file", token];
        var machine = CliFixture.Environment("alice");

        var (addExit, added) = await CliFixture.RunOnAsync(machine, ["account", "add", $"Remote {suffix}", "--tier", "Premium", "--region", "eu-west", .. remote]);
        addExit.ShouldBe(0, added);
        var account = Regex.Match(added, "acct_[0-9a-z]{26}").Value;
        (await CliFixture.RunOnAsync(machine, ["account", "link", account, site.Value, .. remote])).Exit.ShouldBe(0);
        (await CliFixture.RunOnAsync(machine, ["account", "contact-add", account, "--role", "Admin", "--name", "Remy", "--email", $"remy@{suffix}.example.com", .. remote])).Exit.ShouldBe(0);

        var (showExit, shown) = await CliFixture.RunOnAsync(machine, ["account", "show", account, .. remote]);

        showExit.ShouldBe(0, shown);
        shown.ShouldContain(site.Value);
        shown.ShouldContain($"remy@{suffix}.example.com");
        (await CliFixture.RunOnAsync(machine, ["account", "list", "--find", suffix, .. remote])).Output.ShouldContain(account);
        (await server.Platform.Accounts.AccountOfSiteAsync(site, Ct))!.Id.Value.ShouldBe(account);
        (await server.Platform.Audit.OfAsync(account, Ct)).ShouldAllBe(a => a.Actor == login);
        var (unlinkExit, unlinked) = await CliFixture.RunOnAsync(machine, ["account", "unlink", account, site.Value, .. remote]);
        unlinkExit.ShouldBe(0, unlinked);
        (await server.Platform.Accounts.AccountOfSiteAsync(site, Ct)).ShouldBeNull();
    }

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

    [Fact(Timeout = 180_000)]
    public async Task TheWorkOfAnIncident_ThroughAServer_FreezeTasksSitesCsvAndHypotheses_AsTheTokensPrincipal()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (ic, support, viewer) = ($"wic-{suffix}", $"wsup-{suffix}", $"wview-{suffix}");
        var icToken = await server.TokenFileAsync(ic, Roles.IncidentCommander);
        var supportToken = await server.TokenFileAsync(support, Roles.Support);
        var viewerToken = await server.TokenFileAsync(viewer, Roles.Viewer);
        string[] As(string token) => ["--server", server.Address.ToString(), "--token-file", token];
        var machine = CliFixture.Environment("ic");
        Task<(int Exit, string Output)> Run(string token, params string[] args) => CliFixture.RunOnAsync(machine, [.. args, .. As(token)]);
        var sites = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sites.Add((await server.Platform.Sites.CreateAsync($"Remote work {suffix} {i}", "eu-west", false, Ct)).Id.Value);
        }

        var (declareExit, declared) = await Run(icToken, "incident", "declare", "--title", $"Work through a server {suffix}", "--type", "mass-deletion", "--severity", "2",
            "--site", string.Join(',', sites));
        declareExit.ShouldBe(0, declared);
        var id = IncidentIdPattern().Match(declared).Value;
        (await Run(icToken, "incident", "assign", id, "commander", ic)).Exit.ShouldBe(0);

        // The freeze: begun, shown to a viewer, lifted by the commander.
        var (beginExit, begun) = await Run(icToken, "incident", "freeze", "begin", id, "--reason", "no deploys while the sites come back");
        beginExit.ShouldBe(0, begun);
        begun.ShouldContain($"Code freeze of incident {id} is on, begun by {ic}");
        (await Run(viewerToken, "incident", "freeze", "show", id)).Output.ShouldContain($"Code freeze of incident {id} is on");
        var (liftExit, lifted) = await Run(icToken, "incident", "freeze", "lift", id, "--reason", "every site restored");
        liftExit.ShouldBe(0, lifted);
        var (noneExit, none) = await Run(viewerToken, "incident", "freeze", "show", id);
        noneExit.ShouldBe(0, none);
        none.ShouldContain($"Incident {id} has no code freeze on.");
        var (unknownExit, unknown) = await Run(viewerToken, "incident", "freeze", "show", "inc_0000000000000000000000000a");
        unknownExit.ShouldBe(2, unknown);
        unknown.ShouldContain("inc_0000000000000000000000000a");

        // A task: refused without a purpose in the desk's words, assigned, completed by its owner.
        (await Run(supportToken, "incident", "join", id, "--region", "emea")).Exit.ShouldBe(0);
        var (noPurposeExit, noPurpose) = await Run(icToken, "incident", "task", "assign", id, "--action", "call the customers", "--owner", support);
        noPurposeExit.ShouldBe(2, noPurpose);
        noPurpose.ShouldContain("the task has no purpose: say what the task is for");
        var (strangerExit, stranger) = await Run(icToken, "incident", "task", "assign", id, "--purpose", "p", "--action", "a", "--owner", "nobody-here");
        strangerExit.ShouldBe(2, stranger);
        stranger.ShouldContain($"nobody-here is not a participant of incident {id}");
        var (assignExit, assigned) = await Run(icToken, "incident", "task", "assign", id, "--purpose", "so customers hear it from us", "--action", "call the customers", "--owner", support);
        assignExit.ShouldBe(0, assigned);
        assigned.ShouldContain($"Task #1 of incident {id}: call the customers (for: so customers hear it from us), {support}'s.");
        var (completeExit, completed) = await Run(supportToken, "incident", "task", "complete", id, "1");
        completeExit.ShouldBe(0, completed);
        completed.ShouldContain($"Task #1 of incident {id} is done: call the customers.");
        (await Run(viewerToken, "incident", "task", "list", id)).Output.ShouldMatch($@"#1\s*│\s*done by {Regex.Escape(support)}");

        // The site tracker: one CSV row per site.
        (await Run(supportToken, "incident", "sites", "confirm", id, sites[0])).Exit.ShouldBe(0);
        var (sitesExit, tracker) = await Run(viewerToken, "incident", "sites", id);
        sitesExit.ShouldBe(0, tracker);
        tracker.ShouldContain($"Incident {id}: 3 site(s) affected");
        var file = Path.Combine(server.Home, $"remote-sites-{suffix}.csv");
        var (csvExit, csv) = await Run(viewerToken, "incident", "sites", id, "--csv", file);
        csvExit.ShouldBe(0, csv);
        csv.ShouldContain("3 site(s)");
        var lines = (await File.ReadAllTextAsync(file, Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("site,name,restore_state");
        lines.Skip(1).Select(l => l.Split(',')[0]).Order().ShouldBe(sites.Order());
        lines.Single(l => l.StartsWith(sites[0], StringComparison.Ordinal)).ShouldContain($",confirmed,{support},");

        // Hypotheses: raised, refused without a reason, ruled out, listed.
        var (raiseExit, raised) = await Run(supportToken, "incident", "hypothesis", "raise", id, "a bad migration dropped the pages");
        raiseExit.ShouldBe(0, raised);
        raised.ShouldContain($"Hypothesis 1 of incident {id} is raised");
        var (deniedExit, denied) = await Run(supportToken, "incident", "hypothesis", "rule-out", id, "1", "--why", "x");
        deniedExit.ShouldBe(4, denied);
        denied.ShouldContain("incidents.command");
        var (noWhyExit, noWhy) = await Run(icToken, "incident", "hypothesis", "rule-out", id, "1");
        noWhyExit.ShouldBe(2, noWhy);
        noWhy.ShouldContain("say what ruled it out");
        (await Run(icToken, "incident", "hypothesis", "rule-out", id, "1", "--why", "the migration never ran")).Exit.ShouldBe(0);
        var (listExit, listed) = await Run(viewerToken, "incident", "hypothesis", "list", id);
        listExit.ShouldBe(0, listed);
        listed.ShouldMatch($@"a bad migration dropped the pages\s*│[^│]*by {Regex.Escape(support)}\s*│\s*ruled out by {Regex.Escape(ic)}: the migration never ran");

        await using var desk = await Lifeboat.Incidents.IncidentDesk.OpenAsync(server.Platform, Ct);
        var events = await desk.TimelineAsync(Lifeboat.Incidents.IncidentId.Parse(id), cancellationToken: Ct);
        events.ShouldAllBe(e => e.Source == "api");
        events.ShouldContain(e => e.Kind == "ruled-out" && e.Actor == ic);
    }

    [Fact(Timeout = 180_000)]
    public async Task AnUpdateAndACustomerLink_ThroughAServer_AreReviewedByTwoPeople_AndTheLinkOpensThePageUntilRevoked()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (ic, lead, checker, viewer) = ($"uic-{suffix}", $"ulead-{suffix}", $"uchk-{suffix}", $"uview-{suffix}");
        var icToken = await server.TokenFileAsync(ic, Roles.IncidentCommander);
        var leadToken = await server.TokenFileAsync(lead, Roles.Communications);
        var checkerToken = await server.TokenFileAsync(checker, Roles.Operator);
        var viewerToken = await server.TokenFileAsync(viewer, Roles.Viewer);
        string[] As(string token) => ["--server", server.Address.ToString(), "--token-file", token];
        var machine = CliFixture.Environment("ic");
        var site = await server.Platform.Sites.CreateAsync($"Remote wiki {suffix}", "eu-west", false, Ct);
        var account = await server.Platform.Accounts.CreateAsync($"Remote customer {suffix}", Lifeboat.Platform.Accounts.SupportTier.Premium, "eu-west", null, Ct);
        await server.Platform.Accounts.LinkAsync(account.Id, site.Id, false, Ct);

        var declared = (await CliFixture.RunOnAsync(machine, ["incident", "declare", "--title", $"Wiki gone {suffix}", "--type", "mass-deletion", "--severity", "1", "--public",
            "--site", site.Id.Value, .. As(icToken)])).Output;
        var id = IncidentIdPattern().Match(declared).Value;
        (await CliFixture.RunOnAsync(machine, ["incident", "assign", id, "communications-lead", lead, .. As(icToken)])).Exit.ShouldBe(0);

        var (draftExit, drafted) = await CliFixture.RunOnAsync(machine, ["incident", "update", "draft", id, "--audience", "public", "--phase", "investigating",
            "--message", "Wiki pages are missing.", .. As(icToken)]);
        draftExit.ShouldBe(0, drafted);
        // The server drafts from the progress too (the phase reached), so the number is read from the answer.
        var number = Regex.Match(drafted, $@"Drafted update (\d+) of incident {id} \(public\): \[Investigating\]").Groups[1].Value;
        number.ShouldNotBeEmpty(drafted);
        var (noPhaseExit, noPhase) = await CliFixture.RunOnAsync(machine, ["incident", "update", "draft", id, "--audience", "public", .. As(icToken)]);
        noPhaseExit.ShouldBe(2, noPhase);
        noPhase.ShouldContain("the update has no phase");
        var (viewerExit, denied) = await CliFixture.RunOnAsync(machine, ["incident", "update", "approve", id, number, .. As(viewerToken)]);
        viewerExit.ShouldBe(4, denied);
        denied.ShouldContain("incidents.declare");
        var (checkFirstExit, checkFirst) = await CliFixture.RunOnAsync(machine, ["incident", "update", "double-check", id, number, .. As(checkerToken)]);
        checkFirstExit.ShouldBe(2, checkFirst);
        checkFirst.ShouldContain("is not approved yet");

        (await CliFixture.RunOnAsync(machine, ["incident", "update", "approve", id, number, .. As(leadToken)])).Output.ShouldContain($"approved by {lead}");
        (await CliFixture.RunOnAsync(machine, ["incident", "update", "double-check", id, number, .. As(checkerToken)])).Output.ShouldContain($"double-checked by {checker}");
        var (publishExit, published) = await CliFixture.RunOnAsync(machine, ["incident", "update", "publish", id, number, .. As(icToken)]);
        publishExit.ShouldBe(0, published);
        published.ShouldContain($"Update {number} of incident {id} is published (public) by {ic}");
        var (showExit, shown) = await CliFixture.RunOnAsync(machine, ["incident", "update", "show", id, number, .. As(viewerToken)]);
        showExit.ShouldBe(0, shown);
        shown.ShouldMatch($@"Checked\s+\S+ \S+ by {Regex.Escape(checker)}");
        shown.ShouldContain("Wiki pages are missing.");
        var (figuresExit, figures) = await CliFixture.RunOnAsync(machine, ["incident", "figures", id, .. As(viewerToken)]);
        figuresExit.ShouldBe(0, figures);
        figures.ShouldContain("1 site(s) affected, 0 restored and validated (0%)");

        var (issueExit, issued) = await CliFixture.RunOnAsync(machine, ["incident", "customer-link", "issue", id, "--account", account.Id.Value, .. As(icToken)]);
        issueExit.ShouldBe(0, issued);
        var token = Regex.Match(issued, @"/customers/(v1\.[A-Za-z0-9_\-]+\.[0-9]+\.[A-Za-z0-9_\-]+)").Groups[1].Value;
        using var http = new HttpClient { BaseAddress = server.Address };
        (await http.GetAsync($"customers/{token}", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var linkId = token.Split('.')[1];
        (await CliFixture.RunOnAsync(machine, ["incident", "customer-link", "list", id, .. As(viewerToken)])).Output.ShouldContain(linkId);
        var (revokeExit, revoked) = await CliFixture.RunOnAsync(machine, ["incident", "customer-link", "revoke", id, linkId, "--reason", "leaked", .. As(icToken)]);
        revokeExit.ShouldBe(0, revoked);
        revoked.ShouldContain($"is revoked by {ic}");
        (await http.GetAsync($"customers/{token}", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);

        var (templatesExit, templates) = await CliFixture.RunOnAsync(machine, ["template", "list", .. As(viewerToken)]);
        templatesExit.ShouldBe(0, templates);
        templates.ShouldMatch(@"ja\s*│\s*customer-restored\s*│\s*built-in");
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
