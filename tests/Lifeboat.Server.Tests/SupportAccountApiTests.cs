using System.Net;
using System.Net.Http.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Server.Communication;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Tests;

/// <summary>The account view over HTTP (for a CRM, under support.read) and the customer's own tickets under their capability link.</summary>
public sealed class SupportAccountApiTests(SupportServerFixture fixture) : IClassFixture<SupportServerFixture>
{
    private async Task<(CustomerAccount Account, SiteId Site)> CustomerAsync(string name)
    {
        var platform = fixture.Platform;
        var account = await platform.Accounts.CreateAsync($"{name} {Guid.NewGuid():n}", SupportTier.Premium, "eu-west",
            [new AccountContactDraft(ContactRole.Admin, "Dana", SupportMail.Address(name.ToLowerInvariant()))]);
        var site = await platform.Sites.CreateAsync($"{name} {Guid.NewGuid():n}"[..20], "eu-west");
        await platform.Accounts.LinkAsync(account.Id, site.Id);
        return (account, site.Id);
    }

    /// <summary>Waits for the server's pass to open the site's incident ticket; returns its ID.</summary>
    private static async Task<string> IncidentTicketAsync(HttpClient support, AccountId account) =>
        await Eventually.Async(async () => (await support.GetJsonAsync($"/api/support/tickets?account={account}&queue=incident")).AsArray()
            .Select(t => t!.Str("id")).FirstOrDefault(), $"the incident ticket of {account}", TestContext.Current.CancellationToken);

    [Fact]
    public async Task TheAccountView_IsJsonForACrm_UnderSupportRead()
    {
        var (account, site) = await CustomerAsync("Acme");
        var incident = await fixture.Incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [site] });
        using var support = await fixture.ClientForAsync(Roles.Support);
        var task = await IncidentTicketAsync(support, account.Id);

        var view = await support.GetJsonAsync($"/api/support/accounts/{account.Id}");

        view["account"].Str("name").ShouldBe(account.Name);
        view["account"].Str("region").ShouldBe("eu-west");
        view["sites"]!.AsArray().ShouldHaveSingleItem()!.Str("state").ShouldBe("live");
        var affected = view["incidents"]!.AsArray().ShouldHaveSingleItem()!;
        affected.Str("incident").ShouldBe(incident.Id.Value);
        affected["figures"]!["sites"]!.AsArray().ShouldHaveSingleItem()!.Str("site").ShouldBe(site.Value);
        view["tasks"]!.Ids().ShouldBe([task]);
        view["contacts"]!.AsArray().ShouldHaveSingleItem()!.Str("name").ShouldBe("Dana");
        view["escalationsByChannel"]!.AsObject().Count.ShouldBe(0);
        view["updates"]!.AsArray().Count.ShouldBe(0);

        using var viewer = await fixture.ClientForAsync(Roles.Viewer);
        (await viewer.GetAsync($"/api/support/accounts/{account.Id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await (await support.GetAsync($"/api/support/accounts/{site}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("site");
        var unknown = TypedId.New<AccountId>(TimeProvider.System);
        (await (await support.GetAsync($"/api/support/accounts/{unknown}")).ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldContain(unknown.Value);
    }

    [Fact]
    public async Task ACustomersLink_ShowsTheirOwnTickets_AndNeverAnotherAccounts()
    {
        var (acme, acmeSite) = await CustomerAsync("Acme");
        var (globex, globexSite) = await CustomerAsync("Globex");
        var incident = await fixture.Incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [acmeSite, globexSite] });
        using var support = await fixture.ClientForAsync(Roles.Support);
        var acmeTicket = await IncidentTicketAsync(support, acme.Id);
        var globexTicket = await IncidentTicketAsync(support, globex.Id);
        (await support.PostAsJsonAsync($"/api/support/tickets/{acmeTicket}/messages", new { text = "Acme: restoring your wiki now." })).EnsureSuccessStatusCode();
        (await support.PostAsJsonAsync($"/api/support/tickets/{globexTicket}/messages", new { text = "Globex: words for Globex only." })).EnsureSuccessStatusCode();
        var comms = fixture.Services.GetRequiredService<CommunicationDeskLifetime>().Desk;
        var link = (await comms.IssueCustomerLinkAsync(incident.Id, acme.Id.Value)).Token!;
        using var anonymous = fixture.AnonymousClient();

        var page = await (await anonymous.GetAsync($"/customers/{link}")).Content.ReadAsStringAsync();
        var json = await anonymous.GetJsonAsync($"/customers/{link}/tickets");

        page.ShouldContain("Your support tickets");
        page.ShouldContain(acmeTicket);
        page.ShouldContain("Acme: restoring your wiki now.");
        page.ShouldNotContain(globexTicket);
        page.ShouldNotContain("Globex: words for Globex only.");
        json.Str("account").ShouldBe(acme.Id.Value);
        var only = json["tickets"]!.AsArray().ShouldHaveSingleItem()!;
        (only.Str("ticket"), only.Str("state"), only.Str("lastMessage")).ShouldBe((acmeTicket, "open", "Acme: restoring your wiki now."));
        (await anonymous.GetAsync("/customers/not-a-link/tickets")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StaffListATeamsWork_SeeWhoIsOnShift_AndTheSlaAlerts_AnUnknownTeamIsA400NamingTheTeams()
    {
        var (account, site) = await CustomerAsync("Initech");
        await fixture.Incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [site] });
        using var support = await fixture.ClientForAsync(Roles.Support);
        var ticket = await IncidentTicketAsync(support, account.Id);
        var shifts = await support.GetJsonAsync("/api/support/shifts");
        var onDuty = shifts.Str("onDuty");
        shifts["onShift"]!.AsArray()[0]!.GetValue<string>().ShouldBe(onDuty);

        // The server's clock pass (every 30 s by default) gives the ticket its owner; an eu-west account's is emea while emea is on shift.
        var owned = await Eventually.Async(async () => (await support.GetJsonAsync($"/api/support/tickets/{ticket}"))["ticket"]?["owner"]?.GetValue<string>(),
            "the ticket's owner", TestContext.Current.CancellationToken);
        var onShift = shifts["onShift"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        owned.ShouldBe(onShift.Contains("emea") ? "emea" : onDuty);
        (await support.GetJsonAsync($"/api/support/tickets?owner={owned}")).Ids().ShouldContain(ticket);
        (await support.GetJsonAsync($"/api/support/sla-alerts?ticket={ticket}")).AsArray().Count.ShouldBe(0, "an urgent ticket has 30 minutes before its reminder");

        (await (await support.GetAsync("/api/support/tickets?owner=mars")).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe("'mars' is not a support team; use one of: apac, emea, amer.");
    }
}
