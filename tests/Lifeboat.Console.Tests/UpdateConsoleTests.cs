using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>The updates page in real Chromium: two people take a draft through review to the status page, and a customer opens their link.</summary>
public sealed class UpdateConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IncidentDesk Desk => fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk;

    [Fact]
    public async Task ADraftGoesThroughTheLeadAndAnotherPerson_ToTheStatusPage_AndACustomerLinkOpensTheirOwnPage()
    {
        var lead = await fixture.NewOperatorAsync("lead", Roles.Communications);
        var checker = await fixture.NewOperatorAsync("checker", Roles.IncidentCommander);
        var site = await fixture.Platform.Sites.CreateAsync($"Acme {Guid.NewGuid():n}", "eu-west", cancellationToken: Ct);
        var account = await fixture.Platform.Accounts.CreateAsync($"Acme Corp {Guid.NewGuid():n}", SupportTier.Premium, "eu-west", null, Ct);
        await fixture.Platform.Accounts.LinkAsync(account.Id, site.Id, cancellationToken: Ct);
        var incident = await Desk.WithActor(checker).DeclareAsync(new IncidentDeclaration { Title = "Sites deleted", Type = "data-loss", Severity = IncidentSeverity.Sev1, Sites = [site.Id] }, Ct);
        await Desk.WithActor(checker).AssignAsync(incident.Id, IncidentRole.CommunicationsLead, lead, cancellationToken: Ct);

        var leading = await fixture.SignedInAsync(lead);
        await leading.GotoAsync($"/incidents/{incident.Id}");
        await leading.GetByRole(AriaRole.Link, new() { Name = "Updates and customer links" }).ClickAsync();
        (await leading.Locator("#figures-heading + p").InnerTextAsync()).ShouldContain("0 of 1 sites restored");
        var draft = leading.GetByRole(AriaRole.Form, new() { Name = "Draft an update" });
        await draft.GetByLabel("Phase").SelectOptionAsync("investigating");
        await draft.GetByLabel("Message: what happened, who is affected").FillAsync("A cleanup script deleted some sites.");
        await draft.GetByRole(AriaRole.Button, new() { Name = "Draft" }).ClickAsync();
        // The product may have drafted the acknowledgement already (it drafts from the progress every few seconds): read the number.
        var drafted = leading.GetByText(new System.Text.RegularExpressions.Regex(@"Update \d+ is drafted: \[Investigating\]"));
        await drafted.WaitForAsync();
        var n = int.Parse(System.Text.RegularExpressions.Regex.Match(await drafted.InnerTextAsync(), @"Update (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await leading.GetByRole(AriaRole.Form, new() { Name = $"Approve update {n}" }).GetByRole(AriaRole.Button).ClickAsync();
        await leading.GetByText($"Update {n} is approved").WaitForAsync();
        await leading.GetByRole(AriaRole.Form, new() { Name = $"Double-check update {n}" }).GetByRole(AriaRole.Button).ClickAsync();
        (await leading.Locator("[role=alert]").InnerTextAsync()).ShouldContain("cannot double-check it too", customMessage: "the approver cannot also check");

        var checking = await fixture.SignedInAsync(checker);
        await checking.GotoAsync($"/incidents/{incident.Id}/updates");
        await checking.GetByRole(AriaRole.Form, new() { Name = $"Double-check update {n}" }).GetByRole(AriaRole.Button).ClickAsync();
        await checking.GetByRole(AriaRole.Form, new() { Name = $"Publish update {n}" }).GetByRole(AriaRole.Button).ClickAsync();
        await checking.GetByText($"Update {n} is published").WaitForAsync();
        var violations = await Axe.SeriousViolationsAsync(checking);
        violations.ShouldBeEmpty(string.Join("\n", violations));

        var status = await fixture.NewPageAsync();
        await status.GotoAsync("/status/");
        (await status.Locator("main").InnerTextAsync()).ShouldContain("A cleanup script deleted some sites.");

        var issue = checking.GetByRole(AriaRole.Form, new() { Name = "Issue a customer link" });
        await issue.GetByLabel("Account", new() { Exact = true }).FillAsync(account.Id.Value);
        await issue.GetByRole(AriaRole.Button, new() { Name = "Issue or re-issue" }).ClickAsync();
        var url = await checking.Locator("#issued-link").InnerTextAsync();
        url.ShouldContain("/customers/v1.");

        var customer = await fixture.NewPageAsync(390, 844);
        await customer.GotoAsync(new Uri(url).PathAndQuery);
        var text = await customer.Locator("body").InnerTextAsync();
        text.ShouldContain(account.Name);
        text.ShouldContain(site.Name);
        text.ShouldContain("A cleanup script deleted some sites.");
        var phone = await Axe.SeriousViolationsAsync(customer);
        phone.ShouldBeEmpty(string.Join("\n", phone));
        (await customer.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth")).ShouldBeLessThanOrEqualTo(0, "the customer's page fits a phone");

        var tampered = await fixture.NewPageAsync();
        var refused = await tampered.GotoAsync(new Uri(url).PathAndQuery[..^3] + "abc");
        refused!.Status.ShouldBe(404);
        (await tampered.Locator("main").InnerTextAsync()).ShouldContain("is not a Lifeboat customer link");
    }
}
