using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Incidents;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// The work of an incident with `lifeboat incident …` on the database: participants, tasks, the workload, streams,
/// the checklist, reminders, the freeze, the site tracker, rollback risk and hypotheses, each person with their own credential.
/// </summary>
public sealed partial class IncidentWorkCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 180_000)]
    public async Task People_JoinAndTakeTasks_TheCommanderSeesTheWorkload_AndATaskWithoutAPurposeOrAnUnknownOwnerIsRefused()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (support, other) = ($"sup-{suffix}", $"other-{suffix}");
        var id = await DeclareAsync(suffix);

        var (joinExit, joined) = await cli.RunAsWithRolesAsync(support, [Roles.Support], "incident", "join", id, "--region", "apac", "--shift", "00:00-08:00");
        joinExit.ShouldBe(0, joined);
        joined.ShouldContain($"{support} takes part in incident {id} (region apac, shift 00:00-08:00 UTC).");
        var (participantsExit, participants) = await cli.RunAsync("incident", "participants", id);
        participantsExit.ShouldBe(0, participants);
        participants.ShouldMatch($@"{Regex.Escape(support)}\s*│\s*apac\s*│\s*00:00-08:00 UTC");

        // Refused: the desk's own words, exit 2, and nothing assigned.
        var before = await StateAsync(id);
        var (noPurposeExit, noPurpose) = await cli.RunAsync("incident", "task", "assign", id, "--action", "call the top 20 customers", "--owner", support);
        noPurposeExit.ShouldBe(2, noPurpose);
        noPurpose.ShouldContain("the task has no purpose: say what the task is for");
        var (strangerExit, stranger) = await cli.RunAsync("incident", "task", "assign", id, "--purpose", "p", "--action", "a", "--owner", "nobody-here");
        strangerExit.ShouldBe(2, stranger);
        stranger.ShouldContain($"nobody-here is not a participant of incident {id}, so they cannot be");
        var (deniedExit, denied) = await cli.RunAsAsync(support, "incident", "task", "assign", id, "--purpose", "p", "--action", "a");
        deniedExit.ShouldBe(4, denied);
        denied.ShouldContain("lacks the permission incidents.command");
        (await StateAsync(id)).ShouldBe(before);

        var (assignExit, assigned) = await cli.RunAsync("incident", "task", "assign", id, "--purpose", "so the biggest customers hear it from us first",
            "--action", "call the top 20 customers", "--owner", support);
        assignExit.ShouldBe(0, assigned);
        assigned.ShouldContain($"Task #1 of incident {id}: call the top 20 customers (for: so the biggest customers hear it from us first), {support}'s.");
        var (openExit, open) = await cli.RunAsync("incident", "task", "assign", id, "--purpose", "know what the script touched", "--action", "read the script's log");
        openExit.ShouldBe(0, open);
        open.ShouldContain($"no one's yet: lifeboat incident task claim {id} 2");

        // Completing someone else's task needs incidents.command, as over HTTP.
        var (notTheirsExit, notTheirs) = await cli.RunAsAsync(other, "incident", "task", "complete", id, "1");
        notTheirsExit.ShouldBe(4, notTheirs);
        notTheirs.ShouldContain("lacks the permission incidents.command");
        var (claimExit, claimed) = await cli.RunAsAsync(other, "incident", "task", "claim", id, "2");
        claimExit.ShouldBe(0, claimed);
        claimed.ShouldContain($"Task #2 of incident {id} is {other}'s: read the script's log.");
        var (doneExit, done) = await cli.RunAsWithRolesAsync(support, [Roles.Support], "incident", "task", "complete", id, "1");
        doneExit.ShouldBe(0, done);
        done.ShouldContain($"Task #1 of incident {id} is done: call the top 20 customers.");
        var (noReasonExit, noReason) = await cli.RunAsync("incident", "task", "drop", id, "2");
        noReasonExit.ShouldBe(2, noReason);
        noReason.ShouldContain("dropping task #2 needs a reason");

        var (listExit, listed) = await cli.RunAsync("incident", "task", "list", id);
        listExit.ShouldBe(0, listed);
        listed.ShouldMatch($@"#1\s*│\s*done by {Regex.Escape(support)}\s*│\s*{Regex.Escape(support)}\s*│\s*so the biggest customers hear it from us first\s*│\s*call the top 20 customers");
        listed.ShouldMatch($@"#2\s*│\s*open\s*│\s*{Regex.Escape(other)}\s*│\s*know what the script touched");
        var (jsonExit, json) = await cli.RunAsync("incident", "task", "list", id, "--json");
        jsonExit.ShouldBe(0, json);
        JsonDocument.Parse(json).RootElement.EnumerateArray().Select(t => t.GetProperty("state").GetString()).ShouldBe(["Done", "Open"]);

        var (workloadExit, workload) = await cli.RunAsync("incident", "workload", id);
        workloadExit.ShouldBe(0, workload);
        workload.ShouldMatch($@"{Regex.Escape(support)}\s*│\s*apac\s*│\s*00:00-08:00 UTC\s*│\s*│[^\n]*idle");
        workload.ShouldMatch($@"{Regex.Escape(other)}\s*│\s*│\s*│\s*#2\s*│[^\n]*busy");
    }

    [Fact(Timeout = 180_000)]
    public async Task RestoreStreams_AreOpenedFromAJob_PerRegion_AndTheSameJobTwiceIsRefused()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var platform = cli.Platform;
        var sites = new List<Lifeboat.Platform.SiteId>();
        foreach (var region in new[] { "eu-west", "eu-west", "us-east" })
        {
            sites.Add((await platform.Sites.CreateAsync($"Streamed {suffix} {Guid.NewGuid():n}", region, cancellationToken: Ct)).Id);
        }

        var point = Lifeboat.Storage.RecoveryPoint.AtTime(platform.Options.Store.TimeProvider.GetUtcNow());
        foreach (var site in sites)
        {
            await platform.Sites.DeleteAsync(site, "the script", Ct);
        }

        var job = await platform.Restores.StartAsync(new Lifeboat.Platform.Restores.RestoreJobRequest("bring them back") { Sites = sites, Point = point }, Ct);
        var id = await DeclareAsync(suffix, [.. sites.Select(s => s.Value)]);
        var lead = $"lead-{suffix}";
        var (joinExit, joined) = await cli.RunAsWithRolesAsync(lead, [Roles.Operator], "incident", "join", id);
        joinExit.ShouldBe(0, joined);

        var (exit, opened) = await cli.RunAsync("incident", "stream", "from-restore", id, "--job", job.Id.Value, "--lead", lead);
        exit.ShouldBe(0, opened);
        opened.ShouldContain($"2 stream(s) of incident {id} opened for restore job {job.Id}");
        opened.ShouldContain("restore-eu-west");
        opened.ShouldContain("restore-us-east");
        var (againExit, again) = await cli.RunAsync("incident", "stream", "from-restore", id, "--job", job.Id.Value, "--lead", lead);
        againExit.ShouldBe(2, again);
        again.ShouldContain(job.Id.Value);
        var (listExit, listed) = await cli.RunAsync("incident", "stream", "list", id);
        listExit.ShouldBe(0, listed);
        listed.ShouldContain("restore-eu-west");
    }

    [Fact(Timeout = 180_000)]
    public async Task WithLifeboatRunbooks_ADeclarationOnTheDatabase_PostsItsTypesChecklist_AndAMissingFolderIsRefused()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var withRunbooks = CliFixture.Environment(CliFixture.OsUser, new Dictionary<string, string> { ["LIFEBOAT_RUNBOOKS"] = TestFiles.RepositoryRunbooks() });
        var (exit, declared) = await cli.RunWithAsync(withRunbooks, "incident", "declare", "--title", $"Runbook {suffix}", "--type", "mass-deletion", "--severity", "1");
        exit.ShouldBe(0, declared);
        var id = IncidentIdPattern().Match(declared).Value;
        var (checklistExit, checklist) = await cli.RunAsync("incident", "checklist", id);
        checklistExit.ShouldBe(0, checklist);
        checklist.ShouldContain("name-commander");

        var missing = CliFixture.Environment(CliFixture.OsUser, new Dictionary<string, string> { ["LIFEBOAT_RUNBOOKS"] = "/nonexistent/runbooks" });
        var (refusedExit, refused) = await cli.RunWithAsync(missing, "incident", "declare", "--title", $"No runbooks {suffix}", "--type", "mass-deletion", "--severity", "1");
        refusedExit.ShouldBe(2, refused);
        refused.ShouldContain("the runbook folder /nonexistent/runbooks does not exist");
    }

    [Fact(Timeout = 180_000)]
    public async Task ACustomerUpdate_IsRecorded_OnTheTimeline_AndAnEmptyOneIsRefused()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var comms = $"comms-{suffix}";
        var id = await DeclareAsync(suffix);

        var (emptyExit, empty) = await cli.RunAsWithRolesAsync(comms, [Roles.Communications], "incident", "customer-update", id, " ");
        emptyExit.ShouldBe(2, empty);
        empty.ShouldContain($"the customer update for incident {id} is empty");
        var (exit, output) = await cli.RunAsWithRolesAsync(comms, [Roles.Communications], "incident", "customer-update", id, "Restoring: your site is back within the hour");
        exit.ShouldBe(0, output);
        output.ShouldContain($"Customer update recorded as event");
        var (timelineExit, timeline) = await cli.RunAsync("incident", "timeline", id);
        timelineExit.ShouldBe(0, timeline);
        timeline.ShouldContain("customer-update");
        timeline.ShouldContain("Restoring: your site is back within the hour");
    }

    [Fact(Timeout = 180_000)]
    public async Task Streams_OpenUpdateAndClose_RemindersAreSnoozed_AndTheChecklistIsClaimedAndTickedByTwoPeople()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (restorer, checker) = ($"rst-{suffix}", $"chk-{suffix}");
        var id = await DeclareWithRunbooksAsync(suffix);
        (await cli.RunAsAsync(restorer, "incident", "join", id)).Exit.ShouldBe(0);

        var (noLeadExit, noLead) = await cli.RunAsync("incident", "stream", "open", id, "restore-wave-1", "--lead", "nobody-here", "--goal", "wave 1 back");
        noLeadExit.ShouldBe(2, noLead);
        noLead.ShouldContain($"nobody-here is not a participant of incident {id}");
        var (openExit, opened) = await cli.RunAsync("incident", "stream", "open", id, "restore-wave-1", "--lead", restorer, "--goal", "wave 1 restored and validated", "--cadence", "20");
        openExit.ShouldBe(0, opened);
        opened.ShouldContain($"Stream restore-wave-1 of incident {id} is open, led by {restorer}: wave 1 restored and validated.");
        var (updateExit, updated) = await cli.RunAsAsync(restorer, "incident", "stream", "update", id, "restore-wave-1", "job started");
        updateExit.ShouldBe(0, updated);
        updated.ShouldContain("Update of stream restore-wave-1 posted as event");
        var (streamsExit, streams) = await cli.RunAsync("incident", "stream", "list", id);
        streamsExit.ShouldBe(0, streams);
        streams.ShouldMatch($@"restore-wave-1\s*│\s*{Regex.Escape(restorer)}\s*│\s*wave 1 restored and validated\s*│\s*20 min\s*│\s*0\s*│\s*0\s*│\s*\d{{4}}-[^│]*│\s*open");
        var (closeExit, closed) = await cli.RunAsync("incident", "stream", "close", id, "restore-wave-1");
        closeExit.ShouldBe(0, closed);
        closed.ShouldContain($"Stream restore-wave-1 of incident {id} is closed");

        var (remindersExit, reminders) = await cli.RunAsync("incident", "reminders", id);
        remindersExit.ShouldBe(0, reminders);
        reminders.ShouldContain($"No update is owed now on incident {id}.");
        var until = cli.Platform.Options.Store.TimeProvider.GetUtcNow().AddHours(1).ToString("O");
        var (badKindExit, badKind) = await cli.RunAsync("incident", "snooze", id, "later", "--until", until, "--reason", "r");
        badKindExit.ShouldBe(2, badKind);
        badKind.ShouldContain("'later' is not a reminder kind: give one of internal-update, customer-update, stream-update, progress");
        var (snoozeExit, snoozed) = await cli.RunAsync("incident", "snooze", id, "internal-update", "--until", until, "--reason", "the job reports on its own until 10:00");
        snoozeExit.ShouldBe(0, snoozed);
        snoozed.ShouldContain($"The internal-update reminder of incident {id} is held until");
        snoozed.ShouldContain("the job reports on its own until 10:00");

        var (checklistExit, checklist) = await cli.RunAsync("incident", "checklist", id);
        checklistExit.ShouldBe(0, checklist);
        checklist.ShouldMatch(@"stop-the-cause\s*│\s*Stop whatever is deleting");
        var (claimExit, claimed) = await cli.RunAsAsync(restorer, "incident", "checklist", "claim", id, "tell-the-company");
        claimExit.ShouldBe(0, claimed);
        claimed.ShouldMatch($@"Item tell-the-company of incident {id} is claimed: task #\d+ is yours\.");
        var (tickExit, ticked) = await cli.RunAsAsync(restorer, "incident", "checklist", "tick", id, "stop-the-cause");
        tickExit.ShouldBe(0, ticked);
        ticked.ShouldContain($"Item stop-the-cause of incident {id} is ticked by {restorer}; a second person checks it");
        var (againExit, again) = await cli.RunAsAsync(restorer, "incident", "checklist", "tick", id, "stop-the-cause");
        againExit.ShouldBe(2, again);
        again.ShouldContain("a second person must check it");
        var (checkExit, checkedOff) = await cli.RunAsAsync(checker, "incident", "checklist", "tick", id, "stop-the-cause");
        checkExit.ShouldBe(0, checkedOff);
        checkedOff.ShouldContain($"Item stop-the-cause of incident {id} is done (ticked by {restorer}, checked by {checker}).");
        var (jsonExit, json) = await cli.RunAsync("incident", "checklist", id, "--json");
        jsonExit.ShouldBe(0, json);
        JsonDocument.Parse(json).RootElement.EnumerateArray().Single(i => i.GetProperty("id").GetString() == "stop-the-cause").GetProperty("done").GetBoolean().ShouldBeTrue();
    }

    [Fact(Timeout = 180_000)]
    public async Task TheFreezeBeginsAndIsLiftedByTheCommander_AndHypothesesAreRaisedAndRuledOut()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var rival = $"rival-{suffix}";
        await cli.TokenFileAsync(rival, [Roles.IncidentCommander]);
        var id = await DeclareAsync(suffix);
        (await cli.RunAsync("incident", "assign", id, "commander", CliFixture.OsUser)).Exit.ShouldBe(0);

        var (noneExit, none) = await cli.RunAsync("incident", "freeze", "show", id);
        noneExit.ShouldBe(0, none);
        none.ShouldContain($"Incident {id} has no code freeze on.");
        var (noReasonExit, noReason) = await cli.RunAsync("incident", "freeze", "begin", id);
        noReasonExit.ShouldBe(2, noReason);
        noReason.ShouldContain("the freeze");
        (await cli.Platform.Freezes.ActiveAsync(Ct)).ShouldNotContain(f => f.Incident == id);
        var (beginExit, begun) = await cli.RunAsync("incident", "freeze", "begin", id, "--reason", "no deploys while the sites come back");
        beginExit.ShouldBe(0, begun);
        begun.ShouldContain($"Code freeze of incident {id} is on, begun by {CliFixture.OsUser}: no deploys while the sites come back.");
        var (showExit, shown) = await cli.RunAsync("incident", "freeze", "show", id);
        showExit.ShouldBe(0, shown);
        shown.ShouldContain($"Contact: {CliFixture.OsUser}.");
        var (rivalExit, refused) = await cli.RunAsAsync(rival, "incident", "freeze", "lift", id, "--reason", "mine now");
        rivalExit.ShouldBe(2, refused);
        refused.ShouldContain($"only incident {id}'s commander, {CliFixture.OsUser}, can lift its code freeze, not {rival}");
        (await cli.Platform.Freezes.ActiveAsync(Ct)).ShouldContain(f => f.Incident == id);
        var (liftExit, lifted) = await cli.RunAsync("incident", "freeze", "lift", id, "--reason", "every site restored");
        liftExit.ShouldBe(0, lifted);
        lifted.ShouldContain($"Code freeze of incident {id} is lifted");
        (await cli.Platform.Freezes.ActiveAsync(Ct)).ShouldNotContain(f => f.Incident == id);

        var (emptyExit, empty) = await cli.RunAsync("incident", "hypothesis", "list", id);
        emptyExit.ShouldBe(0, empty);
        empty.ShouldContain($"Incident {id} has no hypothesis yet.");
        var (raiseExit, raised) = await cli.RunAsAsync(rival, "incident", "hypothesis", "raise", id, "the cleanup script is still running");
        raiseExit.ShouldBe(0, raised);
        raised.ShouldContain($"Hypothesis 1 of incident {id} is raised: the cleanup script is still running");
        var (blankExit, blank) = await cli.RunAsync("incident", "hypothesis", "raise", id, " ");
        blankExit.ShouldBe(2, blank);
        blank.ShouldContain("the hypothesis is empty or over 1,000 characters: say what may be the cause");
        var (noWhyExit, noWhy) = await cli.RunAsync("incident", "hypothesis", "rule-out", id, "1");
        noWhyExit.ShouldBe(2, noWhy);
        noWhy.ShouldContain("say what ruled it out");
        var (viewerExit, viewerDenied) = await cli.RunAsWithRolesAsync($"viewer-{suffix}", [Roles.Viewer], "incident", "hypothesis", "raise", id, "x");
        viewerExit.ShouldBe(4, viewerDenied);
        viewerDenied.ShouldContain("lacks the permission incidents.declare");
        var (ruleExit, ruled) = await cli.RunAsync("incident", "hypothesis", "rule-out", id, "1", "--why", "the script's host was switched off at 09:12");
        ruleExit.ShouldBe(0, ruled);
        ruled.ShouldContain($"Hypothesis 1 of incident {id} is ruled out by {CliFixture.OsUser}: the script's host was switched off at 09:12");
        var (listExit, listed) = await cli.RunAsync("incident", "hypothesis", "list", id);
        listExit.ShouldBe(0, listed);
        listed.ShouldMatch($@"1\s*│\s*the cleanup script is still running\s*│[^│]*by {Regex.Escape(rival)}\s*│\s*ruled out by {CliFixture.OsUser}: the script's host was switched off");
        var (unknownExit, unknown) = await cli.RunAsync("incident", "hypothesis", "list", "inc_0000000000000000000000000a");
        unknownExit.ShouldBe(2, unknown);
        unknown.ShouldContain("inc_0000000000000000000000000a");
    }

    [Fact(Timeout = 180_000)]
    public async Task TheSiteTracker_TakesEngineersConfirmationsAndNotes_ExportsOneCsvRowPerSite_AndRollbackRiskShowsTheWindow()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var support = $"sup-{suffix}";
        var first = (await cli.Platform.Sites.CreateAsync($"Tracked {suffix} a", "eu-west", false, Ct)).Id.Value;
        var second = (await cli.Platform.Sites.CreateAsync($"Tracked {suffix} b", "eu-west", false, Ct)).Id.Value;
        var late = (await cli.Platform.Sites.CreateAsync($"Tracked {suffix} late", "eu-west", false, Ct)).Id.Value;
        var id = await DeclareAsync(suffix, first, second);
        (await cli.RunAsWithRolesAsync(support, [Roles.Support], "incident", "join", id)).Exit.ShouldBe(0);

        var (strangerExit, stranger) = await cli.RunAsync("incident", "sites", "engineer", id, first, "nobody-here");
        strangerExit.ShouldBe(2, stranger);
        stranger.ShouldContain($"nobody-here is not a participant of incident {id}");
        var (engineerExit, engineer) = await cli.RunAsync("incident", "sites", "engineer", id, first, support);
        engineerExit.ShouldBe(0, engineer);
        engineer.ShouldContain($"{support} looks after site {first} in incident {id}.");
        var (brokenExit, broken) = await cli.RunAsWithRolesAsync(support, [Roles.Support], "incident", "sites", "confirm", id, first, "--still-broken");
        brokenExit.ShouldBe(2, broken);
        broken.ShouldContain("still broken with no note");
        var (confirmExit, confirmed) = await cli.RunAsWithRolesAsync(support, [Roles.Support], "incident", "sites", "confirm", id, second);
        confirmExit.ShouldBe(0, confirmed);
        confirmed.ShouldContain($"Site {second} of incident {id} is confirmed by its customer (recorded by {support}).");
        var (noteExit, noted) = await cli.RunAsWithRolesAsync(support, [Roles.Support], "incident", "sites", "note", id, first, "=customer says logins fail");
        noteExit.ShouldBe(0, noted);
        var (trackExit, tracked) = await cli.RunAsync("incident", "sites", "track", id, late);
        trackExit.ShouldBe(0, tracked);
        tracked.ShouldContain($"Incident {id} tracks 3 site(s).");

        var (sitesExit, sites) = await cli.RunAsync("incident", "sites", id);
        sitesExit.ShouldBe(0, sites);
        sites.ShouldContain($"Incident {id}: 3 site(s) affected; by restore state: none 3.");
        sites.ShouldMatch($@"{first}\s*│\s*Tracked {suffix} a\s*│\s*none\s*│\s*none\s*│\s*│\s*│\s*{Regex.Escape(support)}\s*│\s*=customer says logins fail");
        var (filteredExit, filtered) = await cli.RunAsync("incident", "sites", id, "--confirmed", "true", "--json");
        filteredExit.ShouldBe(0, filtered);
        JsonDocument.Parse(filtered).RootElement.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("site").GetString()).ShouldBe([second]);

        var file = Path.Combine(cli.Home, $"sites-{suffix}.csv");
        var (csvExit, csv) = await cli.RunAsync("incident", "sites", id, "--csv", file);
        csvExit.ShouldBe(0, csv);
        csv.ShouldContain($"Wrote the tracker of incident {id} to {file}: 3 site(s)");
        var lines = (await File.ReadAllTextAsync(file, Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("site,name,restore_state");
        lines.Skip(1).Select(l => l.Split(',')[0]).Order().ShouldBe(new[] { first, second, late }.Order());
        lines.Single(l => l.StartsWith(first, StringComparison.Ordinal)).ShouldContain("'=customer says logins fail", Case.Sensitive, "a note cannot become a formula");
        File.Delete(file);
        var (refusedExit, refused) = await cli.RunAsync("incident", "sites", "inc_0000000000000000000000000a", "--csv", file);
        refusedExit.ShouldBe(2, refused);
        File.Exists(file).ShouldBeFalse("a refused export writes no file");

        var (riskExit, risk) = await cli.RunAsync("incident", "rollback-risk", id);
        riskExit.ShouldBe(0, risk);
        risk.ShouldContain($"Change plans of incident {id}'s window");
        risk.ShouldContain("No change plan started in the window.");
    }

    private async Task<string> DeclareAsync(string suffix, params string[] sites)
    {
        string[] siteArgs = sites.Length == 0 ? [] : ["--site", string.Join(',', sites)];
        var (exit, declared) = await cli.RunAsync(["incident", "declare", "--title", $"Work of {suffix}", "--type", "mass-deletion", "--severity", "1", .. siteArgs]);
        exit.ShouldBe(0, declared);
        return IncidentIdPattern().Match(declared).Value;
    }

    /// <summary>Declared on a desk with the repository's runbooks (set-up: the CLI's own desk has none), so the incident has a checklist.</summary>
    private async Task<string> DeclareWithRunbooksAsync(string suffix)
    {
        await using var desk = await IncidentDesk.OpenAsync(cli.Platform, new IncidentDeskOptions { RunbookFolder = RepositoryRunbooks() }, Ct);
        var declared = await desk.WithActor(CliFixture.OsUser).DeclareAsync(new IncidentDeclaration
        {
            Title = $"Work of {suffix}",
            Type = "mass-deletion",
            Severity = IncidentSeverity.Sev1,
        }, Ct);
        return declared.Id.Value;
    }

    private static string RepositoryRunbooks()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lifeboat.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Lifeboat.slnx not found above the test's folder"), "runbooks");
    }

    /// <summary>The incident's tasks, participants and timeline as the desk reads them: equal before and after means nothing changed.</summary>
    private async Task<string> StateAsync(string incident)
    {
        await using var desk = await IncidentDesk.OpenAsync(cli.Platform, Ct);
        var id = IncidentId.Parse(incident);
        return JsonSerializer.Serialize(new
        {
            tasks = await desk.TasksAsync(id, cancellationToken: Ct),
            participants = await desk.ParticipantsAsync(id, Ct),
            timeline = await desk.TimelineAsync(id, 1000, cancellationToken: Ct),
        });
    }

    [GeneratedRegex("inc_[0-9a-z]{26}")]
    private static partial Regex IncidentIdPattern();
}
