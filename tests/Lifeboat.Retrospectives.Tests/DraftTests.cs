using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform.Accounts;
using Lifeboat.Retrospectives.Drafting;

namespace Lifeboat.Retrospectives.Tests;

public sealed class DraftTests(RetroFixture fixture) : IClassFixture<RetroFixture>
{
    /// <summary>
    /// A small real incident: sites deleted by a plan, declared, a public update published, the sites restored, resolved. The
    /// product's pass writes the draft: the timeline with the pinned event first, time to the first public update between the
    /// declaration and the publishing, every site restored and validated, and data lost verified none for each customer.
    /// </summary>
    [Fact]
    public async Task AResolvedIncident_GetsADraft_WithItsTimelineFiguresAndDataLoss()
    {
        var sites = await fixture.NewSitesAsync(2);
        var account = await fixture.Platform.Platform.Accounts.CreateAsync($"Globex {Guid.NewGuid():n}", SupportTier.Premium, "eu-west");
        await fixture.Platform.Platform.Accounts.LinkAsync(account.Id, sites[0]);
        var plan = await fixture.DeleteAsync(sites);
        var incident = await fixture.DeclareAsync(sites, plan);
        var pinned = await fixture.Incidents.NoteAsync(incident.Id, "the cleanup script was given site IDs instead of app IDs");
        await fixture.Incidents.WithActor("carol").PinAsync(incident.Id, pinned.Id);

        fixture.Clock.Advance(TimeSpan.FromMinutes(3));
        var update = await fixture.PublishedAsync(incident.Id, UpdateAudience.Public, UpdatePhase.Investigating, "We are looking into sites that cannot be reached.");
        fixture.Clock.Advance(TimeSpan.FromMinutes(7));
        await fixture.RestoreAsync(plan);
        (await fixture.Desk.DraftResolvedAsync()).ShouldNotContain(incident.Id, "an incident still open gets no retrospective");
        await fixture.ResolveAsync(incident.Id);

        (await fixture.Desk.DraftResolvedAsync()).ShouldContain(incident.Id);
        (await fixture.Desk.DraftResolvedAsync()).ShouldNotContain(incident.Id, "a second pass opens nothing");

        var retro = await fixture.Desk.GetAsync(incident.Id);
        retro.OpenedBy.ShouldBe(RetrospectiveDesk.ProductActor);
        retro.Drill.ShouldBeFalse();
        var draft = retro.Draft.ShouldNotBeNull();
        draft.Number.ShouldBe(1);
        draft.Timeline[0].Id.ShouldBe(pinned.Id, "the pinned event comes first");
        draft.Timeline[0].Pinned.ShouldBeTrue();
        draft.Timeline.Skip(1).Select(e => e.At).ShouldBeInOrder(SortDirection.Ascending);
        draft.Timeline.ShouldContain(e => e.Kind == "declared");
        draft.Timeline.ShouldContain(e => e.Kind == "phase" && e.Text.Contains("resolved", StringComparison.OrdinalIgnoreCase));

        var firstPublic = draft.Figures.Single(f => f.Key == FigureKeys.FirstPublicUpdate);
        firstPublic.Status.ShouldBe(FigureStatus.Measured);
        firstPublic.From.ShouldBe(incident.DeclaredAt);
        firstPublic.FromWhat.ShouldBe("declaration");
        firstPublic.To.ShouldBe(update.PublishedAt);
        firstPublic.Seconds!.Value.ShouldBe((update.PublishedAt!.Value - incident.DeclaredAt).TotalSeconds, 0.001);

        var restored = draft.Figures.Single(f => f.Key == FigureKeys.EverySiteRestored);
        restored.Status.ShouldBe(FigureStatus.Measured);
        restored.Seconds!.Value.ShouldBeGreaterThanOrEqualTo(600);
        draft.Figures.Single(f => f.Key == FigureKeys.SitesRestored).Value.ShouldBe("2 of 2");

        // No alert: the first damage was not recorded, and the figure says why instead of a number.
        var detect = draft.Figures.Single(f => f.Key == FigureKeys.TimeToDetect);
        detect.Status.ShouldBe(FigureStatus.Unknown);
        detect.Why.ShouldNotBeNull().ShouldContain("no alert");
        draft.Figures.Single(f => f.Key == FigureKeys.FirstInternalUpdate).Why.ShouldBe("no internal update of the incident was published");
        // The account's key contacts were never mailed (no mail channel ran): unknown, naming the account.
        draft.Figures.Single(f => f.Key == FigureKeys.EveryCustomerNotified).Why.ShouldNotBeNull().ShouldContain(account.Id.Value);
        draft.Figures.Single(f => f.Key == FigureKeys.UpdatesPerAudience).Value.ShouldContain("public 1");
        foreach (var key in new[] { FigureKeys.TicketsPerChannel, FigureKeys.SlaBreaches })
        {
            var notTracked = draft.Figures.Single(f => f.Key == key);
            notTracked.Status.ShouldBe(FigureStatus.NotTracked);
            notTracked.Value.ShouldBe("not tracked by this environment");
        }

        draft.DataLoss.Count.ShouldBe(2, "one customer account, and one site no account owns");
        draft.DataLoss.ShouldAllBe(l => l.Loss == "verified none");
        draft.DataLoss.ShouldContain(l => l.Account == account.Id.Value && l.Customer == account.Name && l.Sites == 1);

        draft.Roles.Select(r => (r.Role, r.Person)).ShouldBe([("commander", "carol"), ("communications-lead", "dana")], ignoreOrder: true);
    }

    [Fact]
    public async Task AFigureSource_AnswersForItsFigures_AndTheOthersStayNotTracked()
    {
        await using var desk = await RetrospectiveDesk.OpenAsync(fixture.Platform.Platform.WithActor("alice"), fixture.Incidents, fixture.Comms,
            new RetrospectiveOptions { FigureSources = [new TicketCount()] });
        var sites = await fixture.NewSitesAsync(1);
        var incident = await fixture.DeclareAsync(sites);
        await fixture.ResolveAsync(incident.Id);
        await desk.WithActor("carol").OpenRetrospectiveAsync(incident.Id, drill: false);

        var figures = (await desk.GetAsync(incident.Id)).Draft!.Figures;
        figures.Single(f => f.Key == FigureKeys.TicketsPerChannel).Value.ShouldBe("intake 3");
        figures.Single(f => f.Key == FigureKeys.SlaBreaches).Status.ShouldBe(FigureStatus.NotTracked);
    }

    [Fact]
    public async Task ADrillsIncident_GetsARetrospectiveByHand_InAnyPhase_AndAnOpenIncidentWithoutTheFlagIsRefused()
    {
        var incident = await fixture.DeclareAsync(await fixture.NewSitesAsync(1));
        var refused = await fixture.RefusedAsync(() => fixture.As("carol").OpenRetrospectiveAsync(incident.Id, drill: false));
        refused.ShouldContain("investigating");
        refused.ShouldContain("--drill");

        var retro = await fixture.As("carol").OpenRetrospectiveAsync(incident.Id, drill: true);
        retro.Drill.ShouldBeTrue();
        retro.OpenedBy.ShouldBe("carol");
        retro.Draft.ShouldNotBeNull().Timeline.ShouldNotBeEmpty();

        (await fixture.RefusedAsync(() => fixture.As("carol").OpenRetrospectiveAsync(incident.Id, drill: true))).ShouldContain("has a retrospective already");
        var again = await fixture.As("carol").RedraftAsync(incident.Id);
        again.Draft!.Number.ShouldBe(2, "writing the draft again adds a draft; the first stays");
    }

    private sealed class TicketCount : IRetrospectiveFigureSource
    {
        public IReadOnlyList<string> Keys => [FigureKeys.TicketsPerChannel];

        public Task<IReadOnlyList<RetrospectiveFigure>> FiguresAsync(Incident incident, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RetrospectiveFigure>>([RetrospectiveFigure.Count(FigureKeys.TicketsPerChannel, "Tickets per channel", "intake 3")]);
    }
}
