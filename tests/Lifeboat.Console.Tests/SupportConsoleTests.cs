using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Server;
using Lifeboat.Server.Support;
using Lifeboat.Support;
using Lifeboat.Support.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>
/// The April 2022 case through the browser: a customer whose site was deleted, and whose login went with it, reaches support with
/// only their e-mail address and the old site's URL, on a phone with script off; a stranger at the same domain gets the same pages
/// and ends in triage, where a support person sees the hints.
/// </summary>
public sealed class SupportConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task DeletedSitesAdmin_FilesWithEmailAndOldUrl_VerifiesFromTheMail_AndLandsOnTheAccountSiteAndIncident_AStrangerInTriage()
    {
        var ct = TestContext.Current.CancellationToken;
        var platform = fixture.Platform;
        var admin = SupportMail.Address("april-admin");
        var account = await platform.Accounts.CreateAsync($"Acme {Guid.NewGuid():n}", SupportTier.Enterprise, "eu-west",
            [new AccountContactDraft(ContactRole.Admin, "Dana Admin", admin)], ct);
        var name = $"acme-{Guid.NewGuid():n}"[..16];
        var site = await platform.Sites.CreateAsync(name, "eu-west", cancellationToken: ct);
        await platform.Accounts.LinkAsync(account.Id, site.Id, cancellationToken: ct);
        await platform.Sites.DeleteAsync(site.Id, "the cleanup script", ct);
        var incident = await fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk.DeclareAsync(new IncidentDeclaration
        {
            Title = "sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [site.Id],
        }, ct);
        var oldUrl = $"https://www.{name}.lifeboat.example/wiki/";
        await using (var phone = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        }))
        {
            // axe runs as a script, so the form is checked in a page with script on; the requests below are sent with it off.
            var form = await phone.NewPageAsync();
            await form.GotoAsync("/support");
            var serious = await Axe.SeriousViolationsAsync(form);
            serious.ShouldBeEmpty(string.Join("\n", serious));
        }

        var (adminSent, adminRequest) = await RequestAsync(admin, oldUrl, "Our whole wiki is gone and nobody can sign in.");
        adminSent.ShouldBe($"We sent a code to {admin}. Enter it here, or open the link in the mail, within 30 minutes to confirm your request.");

        var desk = fixture.Services.GetRequiredService<SupportDeskLifetime>().Desk;
        var ticket = (await desk.GetTicketAsync(adminRequest, ct)).Ticket;
        ticket.Account.ShouldBe(account.Id);
        ticket.Sites.ShouldBe([site.Id]);
        ticket.Incident.ShouldBe(incident.Id);
        var incidentTicket = (await desk.GetTicketAsync(ticket.MergedInto!.Value, ct)).Ticket;
        incidentTicket.ShouldSatisfyAllConditions(t => t.Channel.ShouldBe(TicketChannel.Incident), t => t.Account.ShouldBe(account.Id),
            t => t.Priority.ShouldBe(TicketPriority.Urgent));

        var stranger = SupportMail.Address("april-stranger");
        var (strangerSent, strangerRequest) = await RequestAsync(stranger, oldUrl, "Our whole wiki is gone and nobody can sign in.", byLink: desk);
        strangerSent.ShouldBe(adminSent.Replace(admin, stranger, StringComparison.Ordinal), "the same page, whether or not anything matched");
        var triaged = (await desk.GetTicketAsync(strangerRequest, ct)).Ticket;
        triaged.Account.ShouldBeNull();
        triaged.Queue.ShouldBe(TicketQueue.Triage);

        // Support sees the stranger in triage, with the deleted site and the account as hints to confirm.
        var support = await fixture.SignedInAsync(await fixture.NewOperatorAsync("sam", Roles.Support));
        await support.GotoAsync("/support/tickets?queue=triage");
        await support.GetByRole(AriaRole.Link, new() { Name = strangerRequest.Value }).ClickAsync();
        (await support.Locator("main").InnerTextAsync()).ShouldContain(site.Id.Value);
        var violations = await Axe.SeriousViolationsAsync(support);
        violations.ShouldBeEmpty(string.Join("\n", violations));
    }

    /// <summary>
    /// Fills /support with script off on a phone, then enters the mailed code, or (<paramref name="byLink"/>) opens the mailed link,
    /// which confirms nothing until its button is pressed (mail scanners open links too); returns the first answer and the request.
    /// </summary>
    private async Task<(string Sent, TicketId Request)> RequestAsync(string address, string site, string description, SupportDesk? byLink = null)
    {
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.BaseAddress.ToString(), JavaScriptEnabled = false, ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        });
        var page = await context.NewPageAsync();
        (await page.GotoAsync("/support"))!.Status.ShouldBe(200);
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth")).ShouldBeLessThanOrEqualTo(0, "the form fits a phone");

        await page.GetByLabel("Your e-mail address").FillAsync(address);
        await page.GetByLabel("The site you use").FillAsync(site);
        await page.GetByLabel("What is wrong").FillAsync(description);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send to support" }).ClickAsync();
        var sent = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        var request = TicketId.Parse((await page.Locator("main code").InnerTextAsync()).Trim());

        var (code, token, _) = await SupportMail.VerificationToAsync(address);
        if (byLink is not null)
        {
            (await page.GotoAsync($"/support/verify?t={Uri.EscapeDataString(token)}"))!.Status.ShouldBe(200);
            (await byLink.GetTicketAsync(request, TestContext.Current.CancellationToken)).Ticket.State.ShouldBe(TicketState.Unverified, "opening the link confirms nothing by itself");
            await page.GetByRole(AriaRole.Button, new() { Name = "Confirm my address" }).ClickAsync();
        }
        else
        {
            await page.GetByLabel("The 6-digit code from the mail").FillAsync(code);
            await page.GetByRole(AriaRole.Button, new() { Name = "Confirm", Exact = true }).ClickAsync();
        }

        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Request confirmed");
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain($"We will answer at {address}");
        return (sent, request);
    }
}
