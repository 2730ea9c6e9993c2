using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Tickets;
using Npgsql;

namespace Lifeboat.Support.Tests;

public sealed class RoutingTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private SupportDesk Desk => fixture.Desk;

    private LifeboatPlatform Platform => fixture.Platform.Platform;

    /// <summary>Submits and confirms by the mailed code; returns the ticket as it then is.</summary>
    private async Task<TicketView> ConfirmedAsync(string address, string? site, string description = "Our site is gone and nobody can sign in")
    {
        var receipt = await Desk.SubmitAsync(new SupportRequest(address, "Acme", site, description));
        var (code, _, _) = await SupportMail.VerificationToAsync(address);
        await Desk.VerifyCodeAsync(receipt.Request, code);
        return await Desk.GetTicketAsync(receipt.Request);
    }

    [Fact]
    public async Task ADeletedSitesOwnAdmin_WithNoSiteGiven_LandsOnItsAccountSiteAndIncident()
    {
        var (account, site) = await fixture.CustomerAsync(SupportMail.Address("billing"), $"Vandelay {Guid.NewGuid():n}"[..22]);
        var siteAdmin = SupportMail.Address("site-admin");
        await Platform.Contacts.AddAsync(site, Lifeboat.Platform.Contacts.ContactRole.Admin, "Art", siteAdmin, null);
        await Platform.Sites.DeleteAsync(site, "the cleanup script");
        var incident = await fixture.DeclareAsync([site]);

        var ticket = (await ConfirmedAsync(siteAdmin, null)).Ticket;

        ticket.Account.ShouldBe(account.Id);
        ticket.Sites.ShouldBe([site]);
        ticket.Incident.ShouldBe(incident.Id);
    }

    [Fact]
    public async Task KeyContactOfADeletedSite_WithTheOldUrl_LandsOnTheAccountSiteAndIncident_MergedIntoTheSitesIncidentTicket()
    {
        var admin = SupportMail.Address("admin");
        var name = $"Acme Corp {Guid.NewGuid():n}"[..24];
        var (account, site) = await fixture.CustomerAsync(admin, name, SupportTier.Enterprise);
        await Platform.Sites.DeleteAsync(site, "the cleanup script");
        var incident = await fixture.DeclareAsync([site]);

        var url = $"https://www.{SupportTests.Slug(name)}.lifeboat.example/wiki/";
        var ticket = (await ConfirmedAsync(admin.ToUpperInvariant(), url)).Ticket;

        ticket.Account.ShouldBe(account.Id);
        ticket.Sites.ShouldBe([site]);
        ticket.Incident.ShouldBe(incident.Id);
        ticket.State.ShouldBe(TicketState.Solved);
        var into = await Desk.GetTicketAsync(ticket.MergedInto!.Value);
        into.Ticket.Channel.ShouldBe(TicketChannel.Incident);
        into.Ticket.Account.ShouldBe(account.Id);
        into.Ticket.Sites.ShouldBe([site]);
        into.Ticket.Priority.ShouldBe(TicketPriority.Urgent, "Enterprise × Sev1");
        into.History.ShouldContain(e => e.Kind == "message" && e.Text.Contains("Our site is gone", StringComparison.Ordinal));
        (await Desk.TicketsAsync(TicketQueue.Incident, account.Id)).Count(t => t.Channel == TicketChannel.Incident).ShouldBe(1, "merged, not a duplicate");
    }

    [Fact]
    public async Task RefusedCode_OfAKeyContactWhoseSiteHasAnIncident_ChangesNothing_NotEvenTheSitesIncidentTicket()
    {
        var admin = SupportMail.Address("expired-admin");
        var name = $"Soylent {Guid.NewGuid():n}"[..20];
        var (_, site) = await fixture.CustomerAsync(admin, name);
        await fixture.DeclareAsync([site]);
        var receipt = await Desk.SubmitAsync(new SupportRequest(admin, null, name, "our site is gone"));
        var (code, _, _) = await SupportMail.VerificationToAsync(admin);

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        try
        {
            (await fixture.RefusedAsync(() => Desk.VerifyCodeAsync(receipt.Request, code))).Message.ShouldContain("this code expired at");
        }
        finally
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(-31));
        }
    }

    [Fact]
    public async Task KeyContact_WithoutASite_IsLinkedToTheirAccountInTheGeneralQueue()
    {
        var admin = SupportMail.Address("nosite");
        var (account, _) = await fixture.CustomerAsync(admin, $"Quiet {Guid.NewGuid():n}");

        var ticket = (await ConfirmedAsync(admin, null, "How do I export my data?")).Ticket;

        ticket.Account.ShouldBe(account.Id);
        ticket.Queue.ShouldBe(TicketQueue.General);
        ticket.State.ShouldBe(TicketState.Open);
        ticket.Incident.ShouldBeNull();
    }

    [Fact]
    public async Task StrangerAtTheSameDomain_GetsTheSameAnswer_AndLandsInTriageWithTheAccountAsAHint()
    {
        // The local mail server takes mail for lifeboat.test only, so the admin and the stranger share that domain.
        var name = $"Globex {Guid.NewGuid():n}"[..20];
        var (account, site) = await fixture.CustomerAsync(SupportMail.Address("admin"), name);
        await Platform.Sites.DeleteAsync(site, "the cleanup script");
        await fixture.DeclareAsync([site]);
        var stranger = SupportMail.Address("mallory");
        var nobody = SupportMail.Address("nobody");

        var toStranger = await Desk.SubmitAsync(new SupportRequest(stranger, "Globex", name, "let me in"));
        var toNobody = await Desk.SubmitAsync(new SupportRequest(nobody, "Nobody", "no-such-site", "let me in"));
        toStranger.Message.ShouldBe(toNobody.Message.Replace(nobody, stranger, StringComparison.Ordinal), "the answer names no account, site or incident");

        var (code, _, _) = await SupportMail.VerificationToAsync(stranger);
        var verified = await Desk.VerifyCodeAsync(toStranger.Request, code);
        verified.Message.ShouldNotContain(account.Id.Value);
        var ticket = (await Desk.GetTicketAsync(toStranger.Request)).Ticket;
        ticket.Account.ShouldBeNull();
        ticket.Queue.ShouldBe(TicketQueue.Triage);
        ticket.Hints.GetProperty("byAddress").GetArrayLength().ShouldBe(0);
        ticket.Hints.GetProperty("byDomain").EnumerateArray().Select(e => e.GetString()).ShouldContain(account.Id.Value);
        ticket.Hints.GetProperty("sites").EnumerateArray().Single().GetProperty("site").GetString().ShouldBe(site.Value);
        (await Desk.TicketsAsync(TicketQueue.Triage)).ShouldContain(t => t.Id == toStranger.Request);
    }

    [Fact]
    public async Task TriageTicket_LinkedByHand_MovesToTheAccount_AndSaysWhoAndWhy()
    {
        var (account, _) = await fixture.CustomerAsync(SupportMail.Address("owner"), $"Initech {Guid.NewGuid():n}");
        var ticket = (await ConfirmedAsync(SupportMail.Address("unknown"), null)).Ticket;
        ticket.Queue.ShouldBe(TicketQueue.Triage);

        var linked = await Desk.WithActor("sam").LinkTicketAsync(ticket.Id, account.Id, "called the customer's admin back");

        linked.Ticket.Account.ShouldBe(account.Id);
        linked.Ticket.Queue.ShouldBe(TicketQueue.General);
        linked.History[^1].ShouldSatisfyAllConditions(e => e.Kind.ShouldBe("linked"), e => e.Actor.ShouldBe("sam"),
            e => e.Text.ShouldContain("called the customer's admin back"));
        var again = await fixture.RefusedAsync(() => Desk.LinkTicketAsync(ticket.Id, account.Id));
        again.Message.ShouldContain($"is on account {account.Id} already");
    }

    [Fact]
    public async Task IncidentTickets_OnePerAffectedSite_UnderItsAccount_MadeOnce()
    {
        var (premium, a) = await fixture.CustomerAsync(SupportMail.Address("p"), $"P {Guid.NewGuid():n}", SupportTier.Premium);
        var (standard, b) = await fixture.CustomerAsync(SupportMail.Address("s"), $"S {Guid.NewGuid():n}", SupportTier.Standard);
        var unowned = (await Platform.Sites.CreateAsync($"U {Guid.NewGuid():n}", "eu-west")).Id;
        var incident = await fixture.DeclareAsync([a, b, unowned], IncidentSeverity.Sev2);

        (await Desk.OpenIncidentTicketsAsync(incident.Id)).ShouldBe(3);
        (await Desk.OpenIncidentTicketsAsync(incident.Id)).ShouldBe(0, "a second pass makes nothing");

        var tickets = (await Desk.TicketsAsync(TicketQueue.Incident, limit: 500)).Where(t => t.Incident == incident.Id).ToList();
        tickets.Count.ShouldBe(3);
        tickets.Single(t => t.Sites[0] == a).ShouldSatisfyAllConditions(t => t.Account.ShouldBe(premium.Id), t => t.Priority.ShouldBe(TicketPriority.High));
        tickets.Single(t => t.Sites[0] == b).ShouldSatisfyAllConditions(t => t.Account.ShouldBe(standard.Id), t => t.Priority.ShouldBe(TicketPriority.High));
        tickets.Single(t => t.Sites[0] == unowned).Account.ShouldBeNull();
    }

    [Theory]
    [InlineData(IncidentSeverity.Sev1, SupportTier.Enterprise, TicketPriority.Urgent)]
    [InlineData(IncidentSeverity.Sev1, SupportTier.Standard, TicketPriority.High)]
    [InlineData(IncidentSeverity.Sev2, SupportTier.Premium, TicketPriority.High)]
    [InlineData(IncidentSeverity.Sev3, SupportTier.Enterprise, TicketPriority.High)]
    [InlineData(IncidentSeverity.Sev3, SupportTier.Standard, TicketPriority.Normal)]
    [InlineData(IncidentSeverity.Sev4, SupportTier.Premium, TicketPriority.Low)]
    public void IncidentPriority_FollowsTierAndSeverity(IncidentSeverity severity, SupportTier tier, TicketPriority expected) =>
        IncidentPriority.Of(tier, severity).ShouldBe(expected);

    [Fact]
    public async Task Message_OnATicket_IsKept_AndAMergedTicketSendsYouToItsTarget()
    {
        var admin = SupportMail.Address("msg");
        var (_, site) = await fixture.CustomerAsync(admin, $"Hooli {Guid.NewGuid():n}"[..16]);
        await fixture.DeclareAsync([site]);
        var merged = (await ConfirmedAsync(admin, (await Platform.Sites.GetAsync(site)).Name)).Ticket;

        var refused = await fixture.RefusedAsync(() => Desk.AddMessageAsync(merged.Id, "hello"));
        refused.Message.ShouldContain($"was merged into {merged.MergedInto}");
        var answered = await Desk.WithActor("sam").AddMessageAsync(merged.MergedInto!.Value, "We are restoring your site now.");
        answered.History[^1].ShouldSatisfyAllConditions(e => e.Kind.ShouldBe("message"), e => e.Actor.ShouldBe("sam"));
        (await fixture.RefusedAsync(() => Desk.AddMessageAsync(merged.MergedInto!.Value, new string('m', 10_001)))).Message.ShouldContain("the limit is 10000");
    }

    [Fact]
    public async Task History_CannotBeRewrittenOrDeleted()
    {
        var ticket = (await ConfirmedAsync(SupportMail.Address("history"), null)).Ticket;
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[] { "UPDATE support.ticket_history SET text = 'x' WHERE ticket_id = $1", "DELETE FROM support.tickets WHERE ticket_id = $1" })
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            cmd.Parameters.Add(new() { Value = ticket.Id.Value });
            await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        }
    }
}
