using Lifeboat.Platform;

namespace Lifeboat.Incidents.Tests;

public sealed class ChecklistTests(DeskFixture fixture) : IClassFixture<DeskFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-runbooks-").FullName;

    private const string Small = """
        type: small
        items:
          - id: name-commander
            text: Name one commander
            evidence: commander-named
          - id: start-restore-job
            text: Start the restore job
            evidence: restore-job-started
          - id: validate-every-site
            text: Validate every restored site
            evidence: every-affected-site-validated
            double-check: true
          - id: stop-the-cause
            text: Stop whatever is deleting
            double-check: true
          - id: tell-the-company
            text: Tell the company
        """;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(IncidentDesk Desk, Incident Incident)> DeclareSmallAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "small.yaml"), Small);
        var desk = await fixture.OpenWithAsync(new IncidentDeskOptions { RunbookFolder = _folder });
        var incident = await desk.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "small", Severity = IncidentSeverity.Sev1 });
        return (desk, incident);
    }

    [Fact]
    public async Task TheShippedMassDeletionRunbook_IsPostedAsTheChecklist_WhenDeclaring()
    {
        await using var desk = await fixture.OpenWithAsync(new IncidentDeskOptions { RunbookFolder = DeskFixture.RepositoryRunbooks() });
        var runbook = desk.Runbooks!.Runbooks.ShouldHaveSingleItem();
        runbook.Type.ShouldBe("mass-deletion");
        runbook.Items.Where(i => i.Evidence is not null).Select(i => i.Evidence).ShouldBe([
            EvidenceCheck.CommanderNamed, EvidenceCheck.FreezeOn, EvidenceCheck.RestoreJobStarted, EvidenceCheck.FirstPublicUpdatePublished, EvidenceCheck.EveryAffectedSiteValidated]);
        runbook.Items.ShouldContain(i => i.DoubleCheck);

        var incident = await desk.DeclareAsync(new IncidentDeclaration { Title = "sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1 });
        var checklist = await desk.ChecklistAsync(incident.Id);
        checklist.Select(i => i.Id).ShouldBe(runbook.Items.Select(i => i.Id));
        checklist.ShouldAllBe(i => i.TickedAt == null && i.Task == null);
        (await desk.TimelineAsync(incident.Id)).Select(e => e.Kind).ShouldBe(["checklist", "declared"]);
        (await desk.TimelineAsync(incident.Id))[0].Text.ShouldBe($"runbook mass-deletion.yaml posted as the checklist: {runbook.Items.Count} items, {runbook.Items.Count(i => i.DoubleCheck)} to be checked by a second person");

        // A type without a runbook gets no checklist; nor does a desk without runbooks.
        var other = await desk.DeclareAsync(new IncidentDeclaration { Title = "slow pages", Type = "degradation", Severity = IncidentSeverity.Sev3 });
        (await desk.ChecklistAsync(other.Id)).ShouldBeEmpty();
        (await fixture.Desk.ChecklistAsync((await fixture.DeclareAsync()).Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ClaimingAnItem_GivesTheClaimerALinkedTask_AndTickingCompletesIt()
    {
        var (desk, incident) = await DeclareSmallAsync();
        await using var _ = desk;
        var claimed = await desk.WithActor("bob").ClaimChecklistItemAsync(incident.Id, "tell-the-company");
        claimed.Task.ShouldBe(1);
        var task = (await desk.TasksAsync(incident.Id)).ShouldHaveSingleItem();
        (task.Owner, task.Action, task.Purpose, task.ChecklistItem).ShouldBe(("bob", "Tell the company", "checklist item 'tell-the-company' of the small runbook", "tell-the-company"));
        (await desk.ParticipantsAsync(incident.Id)).ShouldContain(p => p.Person == "bob");

        (await fixture.RefusedAsync(() => desk.WithActor("carl").ClaimChecklistItemAsync(incident.Id, "tell-the-company")))
            .ShouldBe($"checklist item 'tell-the-company' of incident {incident.Id} is claimed by bob (task #1): ask bob, or have the commander drop the task to free it. Nothing was changed.");

        var ticked = await desk.WithActor("bob").TickAsync(incident.Id, "tell-the-company");
        (ticked.TickedBy, ticked.TickSource, ticked.Done).ShouldBe(("bob", "person", true));
        var done = (await desk.TasksAsync(incident.Id)).ShouldHaveSingleItem();
        (done.State, done.StateChangedBy).ShouldBe((IncidentTaskState.Done, "bob"));
        (await desk.TimelineAsync(incident.Id))[0].Text.ShouldBe("bob ticked 'tell-the-company' (task #1 done): Tell the company");

        (await fixture.RefusedAsync(() => desk.WithActor("carl").ClaimChecklistItemAsync(incident.Id, "tell-the-company"))).ShouldContain("was ticked by bob");
        (await fixture.RefusedAsync(() => desk.TickAsync(incident.Id, "tell-the-company"))).ShouldContain("was ticked by bob at");
        (await fixture.RefusedAsync(() => desk.TickAsync(incident.Id, "no-such-item")))
            .ShouldBe($"incident {incident.Id} has no checklist item 'no-such-item': list its checklist for the item IDs. Nothing was changed.");
    }

    [Fact]
    public async Task TwoPeopleClaimingAnItemAtOnce_OneWins_TheOthersAreToldWhoHasIt()
    {
        var (desk, incident) = await DeclareSmallAsync();
        await using var _ = desk;
        string[] people = ["nina", "omar", "pia", "quin"];
        using var start = new ManualResetEventSlim();
        var calls = people.Select(p => Task.Run(async () =>
        {
            start.Wait(TestContext.Current.CancellationToken);
            return await desk.WithActor(p).ClaimChecklistItemAsync(incident.Id, "stop-the-cause");
        })).ToList();
        start.Set();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        var won = (await calls.Where(c => c.IsCompletedSuccessfully).ShouldHaveSingleItem()).Task;
        var winner = (await desk.TasksAsync(incident.Id)).ShouldHaveSingleItem().Owner;
        won.ShouldBe(1);
        calls.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException!.Message)
            .ShouldAllBe(m => m.StartsWith($"checklist item 'stop-the-cause' of incident {incident.Id} is claimed by {winner} (task #1)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADoubleCheckItem_NeedsASecondPerson()
    {
        var (desk, incident) = await DeclareSmallAsync();
        await using var _ = desk;
        var first = await desk.WithActor("bob").TickAsync(incident.Id, "stop-the-cause");
        (first.TickedBy, first.Done).ShouldBe(("bob", false));

        (await fixture.RefusedAsync(() => desk.WithActor(" BOB ").TickAsync(incident.Id, "stop-the-cause")))
            .ShouldStartWith($"checklist item 'stop-the-cause' of incident {incident.Id} was ticked by bob at ");
        (await fixture.RefusedAsync(() => desk.WithActor("Bob").TickAsync(incident.Id, "stop-the-cause")))
            .ShouldEndWith("it is on the double-check list: a second person must check it, not Bob. Nothing was changed.");

        var second = await desk.WithActor("carl").TickAsync(incident.Id, "stop-the-cause");
        (second.CheckedBy, second.Done).ShouldBe(("carl", true));
        (await fixture.RefusedAsync(() => desk.WithActor("dana").TickAsync(incident.Id, "stop-the-cause"))).ShouldContain("and checked by carl at");
        (await desk.TimelineAsync(incident.Id))[0].Text.ShouldBe("carl checked 'stop-the-cause' (ticked by bob): Stop whatever is deleting");
    }

    [Fact]
    public async Task ItemsTickThemselvesFromEvidence_AsLifeboat_OnTheTimeline()
    {
        var (desk, incident) = await DeclareSmallAsync();
        await using var _ = desk;
        (await desk.EvaluateEvidenceAsync(incident.Id, new Evidence())).ShouldBeEmpty();

        await desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        var ticked = await desk.EvaluateEvidenceAsync(incident.Id, new Evidence { RestoreJobStarted = true, SitesAffected = 3, SitesValidated = 2 });
        ticked.Select(i => (i.Id, i.TickedBy, i.TickSource)).ShouldBe([("name-commander", "lifeboat", "evidence"), ("start-restore-job", "lifeboat", "evidence")]);
        var events = await desk.TimelineAsync(incident.Id, limit: 2);
        events.Select(e => (e.Actor, e.Source, e.Text)).ShouldBe([
            ("lifeboat", "evidence", "lifeboat ticked 'start-restore-job' from evidence (restore-job-started): Start the restore job"),
            ("lifeboat", "evidence", "lifeboat ticked 'name-commander' from evidence (commander-named): Name one commander"),
        ]);

        // Nothing ticks twice; every site validated ticks the last one, which a person then double-checks.
        var validated = await desk.EvaluateEvidenceAsync(incident.Id, new Evidence { RestoreJobStarted = true, SitesAffected = 3, SitesValidated = 3 });
        validated.ShouldHaveSingleItem().Id.ShouldBe("validate-every-site");
        validated[0].Done.ShouldBeFalse("a double-check item ticked by evidence still needs a person");
        (await desk.WithActor("carl").TickAsync(incident.Id, "validate-every-site")).Done.ShouldBeTrue();
        (await desk.EvaluateEvidenceAsync(incident.Id, new Evidence { RestoreJobStarted = true, SitesAffected = 3, SitesValidated = 3 })).ShouldBeEmpty();

        (await fixture.RefusedAsync(() => desk.EvaluateEvidenceAsync(incident.Id, new Evidence { SitesAffected = 2, SitesValidated = 3 })))
            .ShouldContain("3 sites were validated of 2 affected");
        (await fixture.RefusedAsync(() => desk.EvaluateEvidenceAsync(incident.Id, new Evidence { PublicUpdatesPublished = -1 }))).ShouldContain("negative count");
    }

    [Theory]
    [InlineData("type: small\nitems:\n  - id: a\n    text: [unclosed\n", "runbook small.yaml, line 5: While parsing a flow sequence, did not find expected ',' or ']'. A runbook has: type, and items")]
    [InlineData("type: small\nitems:\n  - id: a\n    text: one\n  - id: a\n    text: two\n", "runbook small.yaml, line 5: the item id 'a' is used twice (first at line 3): give each item its own id.")]
    [InlineData("type: small\nitems:\n  - id: a\n    text: one\n    evidence: site-restored\n",
        "runbook small.yaml, line 5: 'site-restored' is not an evidence check Lifeboat knows; the checks are: restore-job-started, first-public-update-published, every-affected-site-validated, commander-named, freeze-on.")]
    [InlineData("type: small\nitems:\n  - id: a\n    txt: one\n", "runbook small.yaml, line 4: unknown key 'txt'; the keys allowed in an item are: id, text, evidence, double-check.")]
    [InlineData("type: small\nitems: []\n", "runbook small.yaml, line 2: the runbook has no items")]
    [InlineData("type: other\nitems:\n  - id: a\n    text: one\n", "runbook small.yaml says its type is 'other'")]
    [InlineData("type: small\nitems:\n  - id: a\n    text: one\n    double-check: maybe\n", "runbook small.yaml, line 5: double-check is 'maybe'; write true or false.")]
    public async Task ABrokenRunbook_IsRefusedWhenLoaded_AndWhenDeclaring_AndNothingIsDeclared(string yaml, string expected)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "small.yaml"), yaml, TestContext.Current.CancellationToken);
        (await Should.ThrowAsync<PlatformException>(() => fixture.OpenWithAsync(new IncidentDeskOptions { RunbookFolder = _folder })))
            .Message.ShouldStartWith(expected);

        // Loaded while sound, broken before the declaration: the declaration re-reads it and is refused.
        await File.WriteAllTextAsync(Path.Combine(_folder, "small.yaml"), Small, TestContext.Current.CancellationToken);
        await using var desk = await fixture.OpenWithAsync(new IncidentDeskOptions { RunbookFolder = _folder });
        await File.WriteAllTextAsync(Path.Combine(_folder, "small.yaml"), yaml, TestContext.Current.CancellationToken);
        var message = await fixture.RefusedAsync(() => desk.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "small", Severity = IncidentSeverity.Sev1 }));
        message.ShouldStartWith(expected);
        message.ShouldEndWith("and declare again. Nothing was declared.");
    }
}
