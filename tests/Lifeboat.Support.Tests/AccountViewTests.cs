using Lifeboat.Communication;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support.Tests;

/// <summary>The account view (customer 360) and the customer's own part of it, on a real database.</summary>
public sealed class AccountViewTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private SupportDesk Desk => fixture.Desk;

    private LifeboatPlatform Platform => fixture.Platform.Platform;

    private async Task<(CustomerAccount Account, SiteId[] Sites)> CustomerAsync(int sites, string admin)
    {
        var account = await Platform.Accounts.CreateAsync($"Customer {Guid.NewGuid():n}", SupportTier.Enterprise, "eu-west",
            [new AccountContactDraft(ContactRole.Admin, "Dana Admin", admin)]);
        var made = new List<SiteId>();
        for (var i = 0; i < sites; i++)
        {
            var site = await Platform.Sites.CreateAsync($"view-{Guid.NewGuid():n}"[..20], "eu-west");
            await Platform.Accounts.LinkAsync(account.Id, site.Id);
            made.Add(site.Id);
        }

        return (account, [.. made]);
    }

    /// <summary>A request from an address no account lists: confirmed, it waits in triage until a person links it.</summary>
    private async Task<TicketId> TriageTicketAsync(string text)
    {
        var stranger = SupportMail.Address("stranger");
        var receipt = await Desk.SubmitAsync(new SupportRequest(stranger, "Acme", null, text));
        await Desk.VerifyCodeAsync(receipt.Request, (await SupportMail.VerificationToAsync(stranger)).Code);
        return receipt.Request;
    }

    [Fact]
    public async Task TheAccountView_GathersSitesIncidentsTicketsTasksEscalationsAndContactHistory_OfThatAccountOnly()
    {
        await using var comms = await CommunicationDesk.OpenAsync(Platform.WithActor("alice"), fixture.Incidents);
        var (customer, sites) = await CustomerAsync(2, SupportMail.Address("admin"));
        var (other, otherSites) = await CustomerAsync(1, SupportMail.Address("other"));
        var leaving = await Platform.Accounts.AddContactAsync(customer.Id, new AccountContactDraft(ContactRole.Billing, "Old Billing", "billing@customer.example"));
        await Platform.Accounts.RemoveContactAsync(customer.Id, leaving.Id);
        await Platform.Sites.DeleteAsync(sites[1], "the cleanup script");
        var incident = await fixture.DeclareAsync([.. sites, .. otherSites]);
        await Desk.OpenIncidentTicketsAsync(incident.Id);
        var phoned = await TriageTicketAsync("They called: the wiki is gone");
        await Desk.LinkTicketAsync(phoned, customer.Id, "the caller is their admin, checked by phone");
        var theirs = await TriageTicketAsync("Not this customer");
        await Desk.LinkTicketAsync(theirs, other.Id, "the other customer");

        var view = await Desk.AccountOverviewAsync(customer.Id, comms);

        (view.Account.Name, view.Account.Tier, view.Account.Region).ShouldBe((customer.Name, SupportTier.Enterprise, "eu-west"));
        view.Sites.Select(s => (s.Site, s.State)).ShouldBe([(sites[0], "live"), (sites[1], "deleted")], ignoreOrder: true);
        var affected = view.Incidents.ShouldHaveSingleItem();
        affected.Incident.ShouldBe(incident.Id);
        affected.Figures.Sites.Select(s => s.Site).ShouldBe(sites, ignoreOrder: true, "only this customer's sites of the incident");
        view.Tasks.Select(t => t.Sites.Single()).ShouldBe(sites, ignoreOrder: true, "one incident ticket per affected site");
        view.Tickets.Select(t => t.Id).ShouldContain(phoned);
        view.Tickets.ShouldAllBe(t => t.Account == customer.Id);
        view.Tickets.Count.ShouldBe(3);
        view.EscalationsByChannel.ShouldBe(new Dictionary<string, int> { ["form"] = 1 });
        view.Contacts.Single(c => c.Id == leaving.Id).RemovedAt.ShouldNotBeNull("an ended contact stays in the view's history");
        view.Contacts.Count.ShouldBe(2);
        view.SiteLinks.Select(l => l.Site).ShouldBe(sites, ignoreOrder: true);
    }

    [Fact]
    public async Task TheCustomersOwnTickets_ShowSubjectStateAndLastMessage_AndNeverAnotherAccounts()
    {
        var (customer, sites) = await CustomerAsync(1, SupportMail.Address("own"));
        var (other, otherSites) = await CustomerAsync(1, SupportMail.Address("another"));
        var incident = await fixture.DeclareAsync([sites[0], otherSites[0]]);
        await Desk.OpenIncidentTicketsAsync(incident.Id);
        var mine = (await Desk.TicketsAsync(TicketQueue.Incident, customer.Id)).Single();
        var notMine = (await Desk.TicketsAsync(TicketQueue.Incident, other.Id)).Single();
        await Desk.AddMessageAsync(mine.Id, "Your site is being restored; next update within the hour.");
        await Desk.AddMessageAsync(notMine.Id, "Secret words for the other customer");

        var seen = await Desk.CustomerTicketsAsync(customer.Id);

        var only = seen.ShouldHaveSingleItem();
        (only.Ticket, only.Subject, only.State, only.LastMessage).ShouldBe((mine.Id, mine.Subject, "open", "Your site is being restored; next update within the hour."));
        (await Desk.CustomerTicketsAsync(other.Id)).ShouldHaveSingleItem().Ticket.ShouldBe(notMine.Id);
    }

    [Fact]
    public async Task AnUnknownAccount_IsRefusedNamingIt()
    {
        await using var comms = await CommunicationDesk.OpenAsync(Platform.WithActor("alice"), fixture.Incidents);
        var missing = TypedId.New<AccountId>(TimeProvider.System);
        var refused = await Should.ThrowAsync<PlatformException>(() => Desk.AccountOverviewAsync(missing, comms));
        refused.Kind.ShouldBe(PlatformErrorKind.NotFound);
        refused.Message.ShouldContain(missing.Value);
    }
}
