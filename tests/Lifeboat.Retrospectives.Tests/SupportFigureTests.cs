using Lifeboat.Communication.Mail;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Retrospectives.Drafting;
using Lifeboat.Support;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Retrospectives.Tests;

/// <summary>The support module's figures in a draft, from a real support desk on the same database.</summary>
public sealed class SupportFigureTests(RetroFixture fixture) : IClassFixture<RetroFixture>
{
    [Fact]
    public async Task ADraft_CountsTheIncidentsTicketsPerChannel_AndTheirSlaBreaches()
    {
        await using var support = await SupportDesk.OpenAsync(fixture.Platform.Platform.WithActor("alice"), new SupportOptions
        {
            Mail = new MailOptions { Host = "127.0.0.1", Port = 25, From = "support@lifeboat.test", FromName = "Lifeboat support", PublicUrl = new Uri("http://127.0.0.1:5080/") },
        });
        await using var desk = await RetrospectiveDesk.OpenAsync(fixture.Platform.Platform.WithActor("alice"), fixture.Incidents, fixture.Comms,
            new RetrospectiveOptions { FigureSources = [new SupportFigureSource(support)] });
        var sites = await fixture.NewSitesAsync(2);
        var admin = SupportMail.Address("retro-admin");
        var account = await fixture.Platform.Platform.Accounts.CreateAsync($"Customer {Guid.NewGuid():n}", SupportTier.Premium, "eu-west",
            [new AccountContactDraft(ContactRole.Admin, "Dana Admin", admin)]);
        await fixture.Platform.Platform.Accounts.LinkAsync(account.Id, sites[0]);
        var incident = await fixture.DeclareAsync(sites);
        (await support.OpenIncidentTicketsAsync(incident.Id)).ShouldBe(2);

        // The customer writes through the API: confirmed, it merges into their site's incident ticket and counts under its own channel.
        var receipt = await support.SubmitAsync(new SupportRequest(admin, "Acme", null, "Our wiki is gone"), TicketChannel.Api);
        await support.VerifyCodeAsync(receipt.Request, (await SupportMail.VerificationToAsync(admin)).Code);
        // Nobody answers either incident ticket within its hour (Premium × Sev1 is urgent, the other site's Standard × Sev1 high: 30 minutes and an hour).
        await support.RunClocksAsync();
        fixture.Clock.Advance(TimeSpan.FromHours(2));
        try
        {
            await support.RunClocksAsync();
        }
        finally
        {
            fixture.Clock.Advance(TimeSpan.FromHours(-2));
        }

        await fixture.ResolveAsync(incident.Id);
        await desk.WithActor("carol").OpenRetrospectiveAsync(incident.Id, drill: false);

        var figures = (await desk.GetAsync(incident.Id)).Draft!.Figures;
        var tickets = figures.Single(f => f.Key == FigureKeys.TicketsPerChannel);
        tickets.Status.ShouldBe(FigureStatus.Measured);
        tickets.Value.ShouldBe("api 1; incident 2 (3 in all)");
        figures.Single(f => f.Key == FigureKeys.SlaBreaches).Value.ShouldBe("2 (first-response 2), 0 reminders");
    }
}
