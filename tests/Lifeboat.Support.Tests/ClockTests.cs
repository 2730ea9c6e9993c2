using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Support.Sla;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support.Tests;

/// <summary>SLA clocks and follow-the-sun ownership, by the fixture's clock moved through a day.</summary>
public sealed class ClockTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private SupportDesk Desk => fixture.Desk;

    private LifeboatPlatform Platform => fixture.Platform.Platform;

    private async Task<(AccountId Account, SiteId Site)> CustomerInAsync(string region, SupportTier tier = SupportTier.Premium)
    {
        var account = await Platform.Accounts.CreateAsync($"Customer {Guid.NewGuid():n}", tier, region,
            [new AccountContactDraft(ContactRole.Admin, "Dana Admin", SupportMail.Address("admin"))]);
        var site = await Platform.Sites.CreateAsync($"site-{Guid.NewGuid():n}"[..20], region);
        await Platform.Accounts.LinkAsync(account.Id, site.Id);
        return (account.Id, site.Id);
    }

    /// <summary>The incident ticket of <paramref name="site"/>, made by the incident pass.</summary>
    private async Task<Ticket> IncidentTicketAsync(AccountId account, SiteId site)
    {
        await Desk.OpenIncidentTicketsAsync();
        return (await Desk.TicketsAsync(TicketQueue.Incident, account)).Single(t => t.Channel == TicketChannel.Incident && t.Sites.Contains(site));
    }

    private async Task<IReadOnlyList<SlaAlert>> AlertsOfAsync(TicketId ticket) => await Desk.SlaAlertsAsync(ticket);

    /// <summary>Two servers' passes at once: what they fired together.</summary>
    private async Task<IReadOnlyList<SlaAlert>> TwoPassesAsync(TicketId ticket)
    {
        await using var second = await SupportDesk.OpenAsync(Platform.WithActor("alice"), SupportFixture.Options);
        var passes = await Task.WhenAll(Desk.RunClocksAsync(), second.RunClocksAsync());
        return [.. passes.SelectMany(p => p.Fired).Where(a => a.Ticket == ticket)];
    }

    [Fact]
    public async Task FirstResponse_RemindsAt75Percent_BreachesWhenDue_EachOnce_AndSupportsAnswerStartsTheUpdateClock()
    {
        var start = new DateTimeOffset(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var (account, site) = await CustomerInAsync("eu-west");
        await fixture.DeclareAsync([site]);
        var ticket = await IncidentTicketAsync(account, site);
        ticket.Priority.ShouldBe(TicketPriority.Urgent, "Premium × Sev1: first response in 30 minutes, then an update every hour");

        (await Desk.RunClocksAsync()).Fired.ShouldNotContain(a => a.Ticket == ticket.Id);
        var clocks = (await Desk.GetTicketAsync(ticket.Id)).Ticket.Clocks!;
        clocks.StartedAt.ShouldBe(start);
        clocks.FirstResponseDue.ShouldBe(start.AddMinutes(30));

        fixture.Clock.Pin(start.AddMinutes(22));
        (await TwoPassesAsync(ticket.Id)).ShouldBeEmpty("22 of 30 minutes is before the reminder at 75%");

        fixture.Clock.Pin(start.AddMinutes(23));
        var reminded = (await TwoPassesAsync(ticket.Id)).ShouldHaveSingleItem("two servers' passes remind once");
        (reminded.Clock, reminded.Kind, reminded.DueAt, reminded.Owner).ShouldBe(("first-response", "reminder", start.AddMinutes(30), "emea"));

        fixture.Clock.Pin(start.AddMinutes(30));
        var breached = (await TwoPassesAsync(ticket.Id)).ShouldHaveSingleItem("two servers' passes record the breach once");
        (breached.Clock, breached.Kind).ShouldBe(("first-response", "breach"));
        (await TwoPassesAsync(ticket.Id)).ShouldBeEmpty("a later pass fires nothing again");
        (await AlertsOfAsync(ticket.Id)).Select(a => a.Kind).ShouldBe(["breach", "reminder"]);
        (await Desk.GetTicketAsync(ticket.Id)).History.Where(e => e.Kind == "sla").Select(e => e.Text)
            .ShouldBe(["SLA reminder: the first response is due at 2026-04-05 09:30 UTC (owner emea)", "SLA breached: the first response was due at 2026-04-05 09:30 UTC (owner emea)"]);

        // Support answers at 09:40: the update clock runs from then (an hour), and restarts with every answer.
        fixture.Clock.Pin(start.AddMinutes(40));
        var answered = (await Desk.AddMessageAsync(ticket.Id, "We are restoring your site; next update within the hour.")).Ticket.Clocks!;
        (answered.FirstRespondedAt, answered.UpdateDue).ShouldBe((start.AddMinutes(40), start.AddMinutes(100)));
        fixture.Clock.Pin(start.AddMinutes(85));
        (await TwoPassesAsync(ticket.Id)).ShouldHaveSingleItem().ShouldSatisfyAllConditions(a => a.Clock.ShouldBe("update"), a => a.Kind.ShouldBe("reminder"));
        await Desk.AddMessageAsync(ticket.Id, "Half of your data is back.");
        fixture.Clock.Pin(start.AddMinutes(100));
        (await TwoPassesAsync(ticket.Id)).ShouldBeEmpty("the answer at 10:25 moved the update to 11:25");
        fixture.Clock.Pin(start.AddMinutes(145));
        (await TwoPassesAsync(ticket.Id)).Single().ShouldSatisfyAllConditions(a => a.Clock.ShouldBe("update"), a => a.Kind.ShouldBe("breach"),
            a => a.DueAt.ShouldBe(start.AddMinutes(145)));
    }

    [Fact]
    public async Task AClockFirstSeenAfterItsDueTime_RecordsTheBreachWithoutALateReminder()
    {
        var start = new DateTimeOffset(2026, 4, 7, 12, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var (account, site) = await CustomerInAsync("eu-west", SupportTier.Standard);
        await fixture.DeclareAsync([site], IncidentSeverity.Sev3);
        var ticket = await IncidentTicketAsync(account, site);
        ticket.Priority.ShouldBe(TicketPriority.Normal);

        fixture.Clock.Pin(start.AddHours(9));
        var fired = (await Desk.RunClocksAsync()).Fired.Where(a => a.Ticket == ticket.Id).ShouldHaveSingleItem();
        (fired.Kind, fired.DueAt).ShouldBe(("breach", start.AddHours(8)), "the clock started when the ticket was made, not when the pass first saw it");
    }

    [Fact]
    public async Task Ownership_FollowsTheSun_EachShiftChangeHandsTheOpenTicketsOn_InTheirHistory()
    {
        var day = new DateTimeOffset(2026, 4, 6, 0, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(day.AddHours(10));
        var europe = await CustomerInAsync("eu-west");
        var america = await CustomerInAsync("us-east");
        var asia = await CustomerInAsync("ap-southeast");
        await fixture.DeclareAsync([europe.Site, america.Site, asia.Site]);
        var tickets = new List<TicketId>();
        foreach (var (account, site) in new[] { europe, america, asia })
        {
            tickets.Add((await IncidentTicketAsync(account, site)).Id);
        }

        async Task<string?[]> OwnersAtAsync(int hour, int minute = 30)
        {
            fixture.Clock.Pin(day.AddHours(hour).AddMinutes(minute));
            await Desk.RunClocksAsync();
            var owners = new List<string?>();
            foreach (var t in tickets)
            {
                owners.Add((await Desk.GetTicketAsync(t)).Ticket.Owner);
            }

            return [.. owners];
        }

        (await OwnersAtAsync(10)).ShouldBe(["emea", "emea", "emea"], "at 10:30 only emea is on shift");
        var emea = (await Desk.TicketsAsync(new TicketFilter(Owner: "EMEA"))).Select(t => t.Id).ToList();
        tickets.ShouldAllBe(t => emea.Contains(t));
        (await Desk.TicketsAsync(new TicketFilter(Owner: "amer"))).ShouldNotContain(t => tickets.Contains(t.Id));
        (await OwnersAtAsync(15)).ShouldBe(["emea", "amer", "amer"], "15:30: amer came on (on duty); emea is still on shift for its own region's customer");
        (await OwnersAtAsync(16)).ShouldBe(["amer", "amer", "amer"], "emea's shift ended at 16:00");
        (await OwnersAtAsync(23)).ShouldBe(["apac", "amer", "apac"], "23:30: apac came on; amer is still on shift for its own region");
        (await OwnersAtAsync(24 + 7)).ShouldBe(["emea", "emea", "apac"]);

        var history = (await Desk.GetTicketAsync(tickets[1])).History.Where(e => e.Kind == "handoff").Select(e => e.Text).ToList();
        history.ShouldBe(["owned by emea, the team on shift", "handed from emea to amer at the shift change", "handed from amer to emea at the shift change"]);
        await Desk.RunClocksAsync();
        (await Desk.GetTicketAsync(tickets[1])).History.Count(e => e.Kind == "handoff").ShouldBe(3, "a pass in the same shift hands nothing again");
    }

    [Fact]
    public async Task AnUnknownOwner_IsRefusedNamingTheTeams()
    {
        var refused = await Should.ThrowAsync<PlatformException>(() => Desk.TicketsAsync(new TicketFilter(Owner: "mars")));
        refused.Message.ShouldBe("'mars' is not a support team; use one of: apac, emea, amer.");
    }

    [Fact]
    public async Task AShiftTableWithHoursNobodyCovers_IsRefusedAtOpen_NamingTheHours()
    {
        var options = new SupportOptions { Shifts = new ShiftTable { Shifts = [new Shift("emea", 7, 16), new Shift("amer", 15, 23)] } };
        var refused = await Should.ThrowAsync<PlatformException>(() => SupportDesk.OpenAsync(Platform, options));
        refused.Message.ShouldBe("no team is on shift at 00:00, 01:00, 02:00, 03:00, 04:00, 05:00, 06:00, 23:00 UTC; escalations are staffed around the clock, so cover every hour.");
    }
}
