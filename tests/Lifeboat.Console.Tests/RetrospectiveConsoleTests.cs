using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>The retrospective page in real Chromium, on a phone: a drill's retrospective opened from the room, KPT and an action added, completing refused naming the kinds.</summary>
public sealed class RetrospectiveConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADrillsRetrospective_IsOpenedFromTheRoom_AndTakesKptAndActions_OnAPhone()
    {
        var commander = await fixture.NewOperatorAsync("retro-ic", Roles.IncidentCommander);
        var desk = fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk.WithActor(commander);
        var incident = await desk.DeclareAsync(new IncidentDeclaration { Title = "Drill: sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev2 }, Ct);
        await desk.AssignAsync(incident.Id, IncidentRole.Commander, commander, cancellationToken: Ct);

        var page = await fixture.SignedInAsync(commander, 390, 844);
        await page.GotoAsync($"/incidents/{incident.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Retrospective" }).ClickAsync();
        (await page.Locator("main").InnerTextAsync()).ShouldContain("No retrospective yet");
        var open = page.GetByRole(AriaRole.Form, new() { Name = "Open the retrospective" });
        await open.GetByLabel("This incident is a drill's").CheckAsync();
        await open.GetByRole(AriaRole.Button).ClickAsync();
        await page.GetByText("The retrospective is open").WaitForAsync();
        (await page.Locator("#retro-facts").InnerTextAsync()).ShouldContain("(a drill)");
        // The server counts support's figures (no site, no customer wrote: no tickets) instead of calling them not tracked.
        var figures = await page.Locator("#retro-figures").InnerTextAsync();
        figures.ShouldContain("no tickets");
        figures.ShouldNotContain("not tracked by this environment");

        var entry = page.GetByRole(AriaRole.Form, new() { Name = "Add a KPT entry" });
        await entry.GetByLabel("Kind").SelectOptionAsync("try");
        await entry.GetByLabel("Text").FillAsync("rehearse the restore per region");
        await entry.GetByRole(AriaRole.Button).ClickAsync();
        await page.GetByText("Entry 1 (try) is added").WaitForAsync();
        (await page.Locator("#entry-1").InnerTextAsync()).ShouldContain("rehearse the restore per region");

        var action = page.GetByRole(AriaRole.Form, new() { Name = "Add an action" });
        await action.GetByLabel("Kind").SelectOptionAsync("recover-faster");
        await action.GetByLabel("Title").FillAsync("restore per region in parallel");
        await action.GetByLabel("Owner (login)").FillAsync(commander);
        await action.GetByLabel("Due").FillAsync(TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await action.GetByRole(AriaRole.Button).ClickAsync();
        await page.GetByText("Action 1 (recover-faster) is added").WaitForAsync();

        await page.GetByRole(AriaRole.Form, new() { Name = "Complete the retrospective" }).GetByRole(AriaRole.Button).ClickAsync();
        (await page.Locator("[role=alert]").InnerTextAsync()).ShouldContain("confirm-cause, make-fix-permanent, prevent-recurrence, detect-sooner have neither");

        var violations = await Axe.SeriousViolationsAsync(page);
        violations.ShouldBeEmpty(string.Join("\n", violations));
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        widths[0].ShouldBeLessThanOrEqualTo(widths[1], "the page does not scroll sideways on a phone");
    }
}
