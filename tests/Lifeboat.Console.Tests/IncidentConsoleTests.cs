using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>The incidents list and the incident room in real Chromium, used by several people at once, each in their own browser.</summary>
public sealed class IncidentConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IncidentDesk Desk => fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk;

    [Fact]
    public async Task Declaring_FromTheList_LandsInTheRoom_AndTheListShowsIt()
    {
        var op = await fixture.NewOperatorAsync("operator", Roles.Operator);
        var page = await fixture.SignedInAsync(op);
        var title = $"Wiki pages gone {Guid.NewGuid().ToString("n")[..6]}";

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Incidents" }).ClickAsync();
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Type").FillAsync("data-loss");
        await page.GetByLabel("Severity").SelectOptionAsync("SEV1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Declare" }).ClickAsync();

        await page.WaitForURLAsync(url => url.Contains("/incidents/inc_", StringComparison.Ordinal));
        (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldStartWith(title);
        (await page.Locator("#incident-facts").InnerTextAsync()).ShouldContain("SEV1");
        (await page.Locator("#role-gaps").InnerTextAsync()).ShouldContain("commander, backup commander");
        var id = IncidentId.Parse(page.Url.Split('/')[^1]);
        var stored = await Desk.GetAsync(id, Ct);
        (stored.Title, stored.Severity, stored.DeclaredBy).ShouldBe((title, IncidentSeverity.Sev1, op));
        (await Desk.TimelineAsync(id, cancellationToken: Ct)).ShouldHaveSingleItem().Source.ShouldBe("console");

        await page.GotoAsync("/incidents");
        (await page.Locator("#incidents").InnerTextAsync()).ShouldContain(title);
    }

    [Fact]
    public async Task TheRoom_ShowsAnotherPersonsCommandAndNote_WithoutAReload_AndTheReceiverAcknowledgesAHandoff()
    {
        var ic = await fixture.NewOperatorAsync("commander", Roles.IncidentCommander);
        var next = await fixture.NewOperatorAsync("next", Roles.IncidentCommander);
        var viewer = await fixture.NewOperatorAsync("viewer", Roles.Viewer);
        var incident = await Desk.WithActor(ic).DeclareAsync(new IncidentDeclaration { Title = "Attachments missing", Type = "data-loss", Severity = IncidentSeverity.Sev2 }, Ct);

        var watching = await fixture.SignedInAsync(viewer);
        await watching.GotoAsync($"/incidents/{incident.Id}");
        (await watching.Locator("main form").CountAsync()).ShouldBe(0, "a viewer is offered no form");
        await watching.EvaluateAsync("() => { window.__stillTheSamePage = true; }");

        var commanding = await fixture.SignedInAsync(ic);
        await commanding.GotoAsync($"/incidents/{incident.Id}");
        var assign = commanding.GetByRole(AriaRole.Form, new() { Name = "Assign a role" });
        await assign.GetByLabel("Role").SelectOptionAsync("commander");
        (await assign.GetByLabel("Person").InputValueAsync()).ShouldBe(ic, "the form offers the signed-in person");
        await assign.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        (await commanding.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain($"{ic} is the commander.");
        (await commanding.Locator("#incident-roles").InnerTextAsync()).ShouldContain(ic);

        await Assertions.Expect(watching.Locator("#incident-roles")).ToContainTextAsync(ic, new() { Timeout = 10_000 });
        var note = commanding.GetByRole(AriaRole.Form, new() { Name = "Add a note" });
        await note.GetByLabel("Note").FillAsync("the cleanup job is stopped; restore queued");
        await note.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Assertions.Expect(watching.Locator("#incident-timeline")).ToContainTextAsync("the cleanup job is stopped; restore queued", new() { Timeout = 10_000 });
        (await watching.EvaluateAsync<bool>("() => window.__stillTheSamePage === true")).ShouldBeTrue("the page was loaded again instead of moving by itself");

        // A handoff: the receiver sees it appear in their open room, with the button that is only theirs.
        var receiving = await fixture.SignedInAsync(next);
        await receiving.GotoAsync($"/incidents/{incident.Id}");
        var handoff = commanding.GetByRole(AriaRole.Form, new() { Name = "Hand off a role" });
        await handoff.GetByLabel("Role").SelectOptionAsync("commander");
        await handoff.GetByLabel("To", new() { Exact = true }).FillAsync(next);
        await handoff.GetByLabel("Handoff note").FillAsync("restore job running; next update at :30");
        await handoff.GetByRole(AriaRole.Button, new() { Name = "Hand off" }).ClickAsync();
        (await commanding.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain($"to {next} is written");
        (await commanding.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).CountAsync()).ShouldBe(0, "only the receiver acknowledges");

        var acknowledge = receiving.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" });
        await Assertions.Expect(acknowledge).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await acknowledge.ClickAsync();
        (await receiving.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain("the role is yours");
        (await Desk.PendingHandoffsAsync(incident.Id, Ct)).ShouldBeEmpty();
        (await Desk.RolesAsync(incident.Id, Ct)).Single(r => r.Role == IncidentRole.Commander).Person.ShouldBe(next);
        await Assertions.Expect(watching.Locator("#incident-timeline")).ToContainTextAsync($"{next} acknowledged handoff", new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task TheRoomsRestoreTracker_MovesAsSitesAreValidated_WithoutAReload_AndTheTrackerPageFiltersAndExports()
    {
        var ic = await fixture.NewOperatorAsync("commander", Roles.IncidentCommander);
        var job = await Seed.RestoreJobAsync(fixture.Platform, ic, 3);
        var sites = (await fixture.Platform.Restores.SitesAsync(job.Id, Ct)).Select(s => s.Site).ToList();
        var incident = await Desk.WithActor(ic).DeclareAsync(new IncidentDeclaration { Title = "Trial sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev2, Sites = sites }, Ct);

        var page = await fixture.SignedInAsync(ic);
        await page.GotoAsync($"/incidents/{incident.Id}");
        var summary = page.Locator("#tracker-summary");
        (await summary.InnerTextAsync()).ShouldContain("0 of 3 sites restored and validated; 3 pending");
        await page.EvaluateAsync("() => { window.__stillTheSamePage = true; }");

        // The server's restore workers are off in these tests: the job runs here, as a `lifeboat restore worker` would run it.
        await using (var worker = fixture.Platform.Restores.CreateWorker("console-tests", 2))
        {
            await worker.RunAsync(untilIdle: true, Ct);
        }

        await Assertions.Expect(summary).ToContainTextAsync("3 of 3 sites restored and validated", new() { Timeout = 10_000 });
        (await page.EvaluateAsync<bool>("() => window.__stillTheSamePage === true")).ShouldBeTrue("the page was loaded again instead of moving by itself");

        await Desk.WithActor(ic).ConfirmSiteAsync(incident.Id, sites[0], false, "the attachments are still missing", Ct);
        await Assertions.Expect(page.Locator("#tracker-attention")).ToContainTextAsync("still broken: the attachments are still missing", new() { Timeout = 10_000 });

        await page.GetByRole(AriaRole.Link, new() { Name = "Every site: filter and export (CSV)" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/incidents/{incident.Id}/sites", StringComparison.Ordinal));
        (await page.Locator("#tracker-sites tbody tr").CountAsync()).ShouldBe(3);
        await page.GetByLabel("Customer").SelectOptionAsync("false");
        await page.GetByLabel("Restore").SelectOptionAsync("restored");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("#tracker-shown")).ToContainTextAsync("3 of 3 sites shown");
        await page.GetByLabel("Text").FillAsync("attachments are still");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("#tracker-shown")).ToContainTextAsync("1 of 3 sites shown");
        (await page.Locator("#tracker-sites tbody").InnerTextAsync()).ShouldContain("still broken");

        var csv = await page.GetByRole(AriaRole.Link, new() { Name = "Download these as CSV" }).GetAttributeAsync("href");
        var answer = await page.APIRequest.GetAsync(csv!);
        answer.Status.ShouldBe(200);
        var lines = (await answer.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(2, "the header and the one site the filter shows");
        lines[1].ShouldContain(sites[0].Value);
    }

    [Fact]
    public async Task TheRunbooksChecklist_IsClaimedAndTickedInTheRoom_ADoubleCheckNeedsASecondPerson_AndATaskIsClaimedAndDone()
    {
        var ic = await fixture.NewOperatorAsync("commander", Roles.IncidentCommander);
        var engineer = await fixture.NewOperatorAsync("engineer", Roles.Operator);
        var incident = await Desk.WithActor(ic).DeclareAsync(new IncidentDeclaration { Title = "Sites deleted by a script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1 }, Ct);
        await Desk.WithActor(ic).JoinAsync(incident.Id, engineer, cancellationToken: Ct);
        var open = await Desk.WithActor(ic).AssignTaskAsync(incident.Id, new TaskAssignment { Purpose = "support knows what to tell customers", Action = "post the holding text in the support channel" }, Ct);

        var page = await fixture.SignedInAsync(engineer);
        await page.GotoAsync($"/incidents/{incident.Id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Claim checklist item tell-the-company" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain("You claimed checklist item tell-the-company: it is your task #");
        var claimed = (await Desk.ChecklistAsync(incident.Id, Ct)).Single(i => i.Id == "tell-the-company");
        (await Desk.TasksAsync(incident.Id, cancellationToken: Ct)).Single(t => t.Number == claimed.Task).Owner.ShouldBe(engineer);

        // A double-check item: the engineer ticks it, the same person cannot check it, the commander does.
        await page.GetByRole(AriaRole.Button, new() { Name = "Tick checklist item stop-the-cause" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain("a second person checks it");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check checklist item stop-the-cause" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain(engineer);
        (await Desk.ChecklistAsync(incident.Id, Ct)).Single(i => i.Id == "stop-the-cause").Done.ShouldBeFalse();
        var commanding = await fixture.SignedInAsync(ic);
        await commanding.GotoAsync($"/incidents/{incident.Id}");
        await commanding.GetByRole(AriaRole.Button, new() { Name = "Check checklist item stop-the-cause" }).ClickAsync();
        (await commanding.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain("Checklist item stop-the-cause is done.");
        (await Desk.ChecklistAsync(incident.Id, Ct)).Single(i => i.Id == "stop-the-cause").CheckedBy.ShouldBe(ic);

        // An unowned task: claimed, then marked done by its new owner; the commander is offered no Done on someone else's task.
        await page.GotoAsync($"/incidents/{incident.Id}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Claim task {open.Number}" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain($"Task #{open.Number} is yours.");
        await commanding.GotoAsync($"/incidents/{incident.Id}");
        (await commanding.GetByRole(AriaRole.Button, new() { Name = $"Mark task {open.Number} done" }).CountAsync()).ShouldBe(0);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Mark task {open.Number} done" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain($"Task #{open.Number} is done.");
        (await Desk.TasksAsync(incident.Id, cancellationToken: Ct)).Single(t => t.Number == open.Number).State.ShouldBe(IncidentTaskState.Done);

        // Hypotheses appear in the open room; rollback risk is a page of its own, a link away.
        await Desk.WithActor(ic).RaiseHypothesisAsync(incident.Id, "site IDs were passed where app IDs were expected", Ct);
        await Assertions.Expect(page.Locator("#incident-hypotheses")).ToContainTextAsync("site IDs were passed where app IDs were expected", new() { Timeout = 10_000 });
        await page.GetByRole(AriaRole.Link, new() { Name = "Rollback risk" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Rollback risk");
        // Other tests of this server run plans, so what the window holds is not this test's to say; the sections are.
        (await page.Locator("#plans-heading").InnerTextAsync()).ShouldStartWith("Change plans that ran");
        (await page.Locator("#flags-heading").InnerTextAsync()).ShouldStartWith("Feature flags changed");
    }

    [Fact]
    public async Task ASecondCommander_IsRefusedOnThePage_NamingTheHolder_AndNothingChanges()
    {
        var ic = await fixture.NewOperatorAsync("commander", Roles.IncidentCommander);
        var rival = await fixture.NewOperatorAsync("rival", Roles.IncidentCommander);
        var incident = await Desk.WithActor(ic).DeclareAsync(new IncidentDeclaration { Title = "Issues deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev2 }, Ct);
        await Desk.WithActor(ic).AssignAsync(incident.Id, IncidentRole.Commander, ic, cancellationToken: Ct);
        var before = await StateAsync(incident.Id);

        var page = await fixture.SignedInAsync(rival);
        await page.GotoAsync($"/incidents/{incident.Id}");
        var assign = page.GetByRole(AriaRole.Form, new() { Name = "Assign a role" });
        await assign.GetByLabel("Role").SelectOptionAsync("commander");
        await assign.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();

        var message = await page.GetByRole(AriaRole.Alert).InnerTextAsync();
        message.ShouldContain($"{ic} is the commander of incident {incident.Id}");
        message.ShouldContain("hand the role over");
        (await page.Locator("#incident-roles").InnerTextAsync()).ShouldNotContain(rival);
        (await StateAsync(incident.Id)).ShouldBe(before);
    }

    [Fact]
    public async Task AViewer_IsOfferedNoForm_AndAForgedPost_Is403_AndChangesNothing()
    {
        var ic = await fixture.NewOperatorAsync("commander", Roles.IncidentCommander);
        var viewer = await fixture.NewOperatorAsync("viewer", Roles.Viewer);
        var incident = await Desk.WithActor(ic).DeclareAsync(new IncidentDeclaration { Title = "Sign-in broken", Type = "outage", Severity = IncidentSeverity.Sev3 }, Ct);
        var before = await StateAsync(incident.Id);

        var page = await fixture.SignedInAsync(viewer);
        await page.GotoAsync("/incidents");
        (await page.GetByRole(AriaRole.Form, new() { Name = "Declare an incident" }).CountAsync()).ShouldBe(0);
        await page.GotoAsync($"/incidents/{incident.Id}");
        (await page.GetByRole(AriaRole.Form, new() { Name = "Assign a role" }).CountAsync()).ShouldBe(0);

        // What the viewer could post by hand: the form's fields with a valid antiforgery token (the layout's sign-out form holds one).
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        var form = page.Context.APIRequest.CreateFormData();
        form.Set("_handler", "assign");
        form.Set("__RequestVerificationToken", token);
        form.Set("Input.Role", "commander");
        form.Set("Input.Person", viewer);
        var answer = await page.APIRequest.PostAsync($"/incidents/{incident.Id}", new() { Form = form, MaxRedirects = 0 });
        answer.Status.ShouldBe(403);
        (await answer.TextAsync()).Contains($"{viewer} lacks the permission incidents.command", StringComparison.Ordinal).ShouldBeTrue("the page says what is missing");

        var declare = page.Context.APIRequest.CreateFormData();
        declare.Set("_handler", "declare");
        declare.Set("__RequestVerificationToken", token);
        declare.Set("Input.Title", "forged");
        declare.Set("Input.Type", "forged");
        declare.Set("Input.Severity", "SEV1");
        (await page.APIRequest.PostAsync("/incidents", new() { Form = declare, MaxRedirects = 0 })).Status.ShouldBe(403);

        (await StateAsync(incident.Id)).ShouldBe(before);
        (await Desk.ListAsync(new IncidentQuery { Limit = 500 }, Ct)).ShouldNotContain(l => l.Incident.Title == "forged");
    }

    private async Task<string> StateAsync(IncidentId id) => System.Text.Json.JsonSerializer.Serialize(new
    {
        incident = await Desk.GetAsync(id, Ct),
        roles = await Desk.RoleHistoryAsync(id, Ct),
        handoffs = await Desk.PendingHandoffsAsync(id, Ct),
        timeline = await Desk.TimelineAsync(id, 1000, cancellationToken: Ct),
    });
}
