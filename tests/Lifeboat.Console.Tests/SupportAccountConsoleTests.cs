using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Server;
using Lifeboat.Server.Support;
using Lifeboat.Support.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>The account view in the browser, on a phone, as support staff open it from a ticket.</summary>
public sealed class SupportAccountConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task SupportOpensTheAccountFromATicket_OnAPhone_AndSeesItsSitesIncidentTasksAndContacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var platform = fixture.Platform;
        var account = await platform.Accounts.CreateAsync($"Globex {Guid.NewGuid():n}", SupportTier.Premium, "eu-west",
            [new AccountContactDraft(ContactRole.Admin, "Hank Admin", "hank@globex.example")], ct);
        var live = await platform.Sites.CreateAsync($"globex-{Guid.NewGuid():n}"[..16], "eu-west", cancellationToken: ct);
        var gone = await platform.Sites.CreateAsync($"globex-{Guid.NewGuid():n}"[..16], "eu-west", cancellationToken: ct);
        await platform.Accounts.LinkAsync(account.Id, live.Id, cancellationToken: ct);
        await platform.Accounts.LinkAsync(account.Id, gone.Id, cancellationToken: ct);
        await platform.Sites.DeleteAsync(gone.Id, "the cleanup script", ct);
        var incident = await fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk.DeclareAsync(new IncidentDeclaration
        {
            Title = "sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [gone.Id],
        }, ct);
        var desk = fixture.Services.GetRequiredService<SupportDeskLifetime>().Desk;
        await desk.OpenIncidentTicketsAsync(incident.Id, ct);
        await desk.RunClocksAsync(ct);
        var task = (await desk.TicketsAsync(TicketQueue.Incident, account.Id, cancellationToken: ct)).Single();

        var support = await fixture.SignedInAsync(await fixture.NewOperatorAsync("sue", Roles.Support), 390, 844);
        await support.GotoAsync($"/support/tickets/{task.Id}");
        await support.GetByRole(AriaRole.Link, new() { Name = account.Id.Value }).ClickAsync();

        var text = await support.Locator("main").InnerTextAsync();
        text.ShouldContain(account.Name);
        text.ShouldContain("Sites (2)");
        text.ShouldContain(live.Name);
        text.ShouldContain("deleted");
        text.ShouldContain("Sites of this account back and validated: 0 of 1");
        text.ShouldContain(task.Id.Value);
        text.ShouldContain("Hank Admin");
        var violations = await Axe.SeriousViolationsAsync(support);
        violations.ShouldBeEmpty(string.Join("\n", violations));
        (await support.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth")).ShouldBeLessThanOrEqualTo(0, "the account view fits a phone");
    }
}
