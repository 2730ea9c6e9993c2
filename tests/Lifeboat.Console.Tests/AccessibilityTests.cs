using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>
/// Every console page, as an admin sees it (every area, every form), at a laptop's and a phone's width:
/// no serious or critical axe-core violation, and no horizontal scrolling of the page itself.
/// </summary>
public sealed class AccessibilityTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task EveryConsolePage_HasNoSeriousAxeViolation_AndNoPageWideHorizontalScroll(int width)
    {
        var admin = await fixture.NewOperatorAsync("admin", Roles.Admin);
        var job = await Seed.RestoreJobAsync(fixture.Platform, admin, 2);
        var site = (await Seed.SitesAsync(fixture.Platform, 1))[0];
        var plan = await Seed.DeletePlanAsync(fixture.Platform, admin, [site]);
        await fixture.Platform.WithActor(admin).Tokens.CreatePersonalAsync((await fixture.Platform.Operators.FindAsync(admin, TestContext.Current.CancellationToken))!.Id, "laptop",
            cancellationToken: TestContext.Current.CancellationToken);

        // An incident room with every section filled: roles, a gap, a pending handoff, a pinned event.
        var desk = fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk.WithActor(admin);
        var incident = await desk.DeclareAsync(new IncidentDeclaration { Title = "Sites lost their apps", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [site] },
            TestContext.Current.CancellationToken);
        await desk.AssignAsync(incident.Id, IncidentRole.Commander, admin, cancellationToken: TestContext.Current.CancellationToken);
        await desk.AssignAsync(incident.Id, IncidentRole.Contributor, "erin", cancellationToken: TestContext.Current.CancellationToken);
        await desk.HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "restore running; next update at :30", cancellationToken: TestContext.Current.CancellationToken);
        var note = await desk.NoteAsync(incident.Id, "the cleanup job is stopped", TestContext.Current.CancellationToken);
        await desk.PinAsync(incident.Id, note.Id, TestContext.Current.CancellationToken);
        var ruledOut = await desk.RaiseHypothesisAsync(incident.Id, "the cleanup script is still running", TestContext.Current.CancellationToken);
        await desk.RuleOutAsync(incident.Id, ruledOut.Id, "its job is disabled and its credentials revoked", TestContext.Current.CancellationToken);
        await desk.RaiseHypothesisAsync(incident.Id, "site IDs were passed where app IDs were expected", TestContext.Current.CancellationToken);

        // Its retrospective with KPT, an action and a kind not needed.
        var retro = fixture.Services.GetRequiredService<Lifeboat.Server.Retrospectives.RetrospectiveDeskLifetime>().Desk.WithActor(admin);
        await retro.OpenRetrospectiveAsync(incident.Id, drill: true, TestContext.Current.CancellationToken);
        await retro.AddEntryAsync(incident.Id, Lifeboat.Retrospectives.EntryKind.Problem, "support needed a login", TestContext.Current.CancellationToken);
        await retro.AddActionAsync(incident.Id, new Lifeboat.Retrospectives.ActionDraft
        {
            Kind = Lifeboat.Retrospectives.ActionKind.ConfirmCause, Title = "why site IDs", Owner = admin, Due = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(7),
        }, TestContext.Current.CancellationToken);
        await retro.MarkNotNeededAsync(incident.Id, Lifeboat.Retrospectives.ActionKind.DetectSooner, "the detector caught it in one window", TestContext.Current.CancellationToken);

        // A customer account owning the incident's site: its incident ticket (a task), an owner and its SLA clock, for the account view.
        var account = await fixture.Platform.Accounts.CreateAsync($"Acme {Guid.NewGuid():n}", Lifeboat.Platform.Accounts.SupportTier.Enterprise, "eu-west",
            [new Lifeboat.Platform.Accounts.AccountContactDraft(Lifeboat.Platform.Contacts.ContactRole.Admin, "Dana Admin", "dana@acme.example")], TestContext.Current.CancellationToken);
        await fixture.Platform.Accounts.LinkAsync(account.Id, site, cancellationToken: TestContext.Current.CancellationToken);
        var support = fixture.Services.GetRequiredService<Lifeboat.Server.Support.SupportDeskLifetime>().Desk.WithActor(admin);
        await support.OpenIncidentTicketsAsync(incident.Id, TestContext.Current.CancellationToken);
        await support.RunClocksAsync(TestContext.Current.CancellationToken);
        var ticket = (await support.TicketsAsync(Lifeboat.Support.Tickets.TicketQueue.Incident, account.Id, cancellationToken: TestContext.Current.CancellationToken))[0];

        var problems = new List<string>();
        var anonymous = await fixture.NewPageAsync(width, 800);
        await CheckAsync(anonymous, "/account/sign-in", problems);

        var page = await fixture.SignedInAsync(admin, width, 800);
        string[] paths =
        [
            "/", "/sites", $"/sites/{site}", "/plans", $"/plans/{plan.Id}", "/restore-jobs", $"/restore-jobs/{job.Id}",
            "/incidents", $"/incidents/{incident.Id}", $"/incidents/{incident.Id}/sites", $"/incidents/{incident.Id}/rollback-risk", $"/incidents/{incident.Id}/retrospective", "/alerts", "/audit", "/backups", "/operators", "/tokens", "/account/password",
            "/support/tickets", "/support/tickets?owner=emea", $"/support/tickets/{ticket.Id}", $"/support/accounts/{account.Id}",
        ];
        foreach (var path in paths)
        {
            await CheckAsync(page, path, problems);
        }

        problems.ShouldBeEmpty(string.Join("\n", problems));
    }

    private static async Task CheckAsync(IPage page, string path, List<string> problems)
    {
        var answer = await page.GotoAsync(path);
        if (answer is null || answer.Status >= 500)
        {
            problems.Add($"{path}: answered {answer?.Status}");
            return;
        }

        problems.AddRange((await Axe.SeriousViolationsAsync(page)).Select(v => $"{path}: {v}"));
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, viewport) = (widths[0], widths[1]);
        if (scroll > viewport)
        {
            problems.Add($"{path}: the page scrolls sideways ({scroll} px of content in {viewport} px)");
        }
    }
}
