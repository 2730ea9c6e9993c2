namespace Lifeboat.Incidents.Tests;

public sealed class CadenceTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);

    private async Task<Incident> DeclareAtStartAsync(IncidentSeverity severity = IncidentSeverity.Sev1)
    {
        fixture.Clock.Pin(Start);
        return await fixture.DeclareAsync(severity: severity);
    }

    private async Task<IReadOnlyList<(ReminderKind Kind, string? Stream, DateTimeOffset Since)>> DueAtAsync(IncidentDesk desk, Incident incident, TimeSpan after, RestoreProgress? progress = null)
    {
        fixture.Clock.Pin(Start + after);
        return [.. (await desk.RemindersDueAsync(incident.Id, progress)).Select(r => (r.Kind, r.Stream, r.DueSince))];
    }

    [Fact]
    public async Task Sev1Reminders_FireOnTime_NotBefore_AndPostingResetsTheClock()
    {
        var incident = await DeclareAtStartAsync();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(29))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(30))).ShouldBe([(ReminderKind.InternalUpdate, null, Start.AddMinutes(30))]);
        var reminder = (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldHaveSingleItem();
        reminder.Text.ShouldBe("internal update due since 2026-04-05 09:30:00Z: SEV1 asks for one every 30 min; post a note on where the incident stands");

        fixture.Clock.Pin(Start.AddMinutes(35));
        await fixture.Desk.NoteAsync(incident.Id, "Restoring: job started for 883 sites");
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(59))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(64))).ShouldBe([(ReminderKind.CustomerUpdate, null, Start.AddMinutes(60))]);
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(65))).ShouldBe([
            (ReminderKind.InternalUpdate, null, Start.AddMinutes(65)), (ReminderKind.CustomerUpdate, null, Start.AddMinutes(60))]);

        await fixture.Desk.RecordCustomerUpdateAsync(incident.Id, "We are restoring the deleted sites; next update at 11:00 UTC.");
        await fixture.Desk.NoteAsync(incident.Id, "Restoring: 10 % done");
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(94))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(125))).ShouldBe([
            (ReminderKind.InternalUpdate, null, Start.AddMinutes(95)), (ReminderKind.CustomerUpdate, null, Start.AddMinutes(125))]);
    }

    [Fact]
    public async Task TheCadence_FollowsTheSeverity_AndCanBeOverridden_AndStopsWhenResolved()
    {
        var sev4 = await DeclareAtStartAsync(IncidentSeverity.Sev4);
        (await DueAtAsync(fixture.Desk, sev4, TimeSpan.FromDays(1))).ShouldBeEmpty();
        var sev3 = await DeclareAtStartAsync(IncidentSeverity.Sev3);
        (await DueAtAsync(fixture.Desk, sev3, TimeSpan.FromHours(10))).ShouldBe([(ReminderKind.InternalUpdate, null, Start.AddMinutes(240))]);

        await using var desk = await fixture.OpenWithAsync(new IncidentDeskOptions { Cadence = CadencePolicy.Default.With(IncidentSeverity.Sev3, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(45)) });
        (await DueAtAsync(desk, sev3, TimeSpan.FromMinutes(50))).ShouldBe([(ReminderKind.InternalUpdate, null, Start.AddMinutes(15)), (ReminderKind.CustomerUpdate, null, Start.AddMinutes(45))]);

        await fixture.Desk.MovePhaseAsync(sev3.Id, IncidentPhase.Identified);
        await fixture.Desk.MovePhaseAsync(sev3.Id, IncidentPhase.Restoring);
        await fixture.Desk.MovePhaseAsync(sev3.Id, IncidentPhase.Monitoring);
        await fixture.Desk.MovePhaseAsync(sev3.Id, IncidentPhase.Resolved);
        (await DueAtAsync(desk, sev3, TimeSpan.FromHours(20))).ShouldBeEmpty();

        Should.Throw<Lifeboat.Platform.PlatformException>(() => CadencePolicy.Default.With(IncidentSeverity.Sev1, TimeSpan.FromSeconds(10), null))
            .Message.ShouldContain("outside 1 minute to 7 days");
    }

    [Fact]
    public async Task AStreamWithItsOwnCadence_IsDueOnItsOwn_AndItsUpdateResetsIt()
    {
        var incident = await DeclareAtStartAsync(IncidentSeverity.Sev4);
        await fixture.Desk.JoinAsync(incident.Id, "bob");
        await fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "wave-1", Lead = "bob", Goal = "wave 1 back", Cadence = TimeSpan.FromMinutes(20) });
        await fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "comms", Lead = "bob", Goal = "customers told" });

        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(19))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(20))).ShouldBe([(ReminderKind.StreamUpdate, "wave-1", Start.AddMinutes(20))]);
        await fixture.Desk.NoteAsync(incident.Id, "a note for the incident is not the stream's update");
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(21))).ShouldHaveSingleItem().Stream.ShouldBe("wave-1");
        await fixture.As("bob").StreamUpdateAsync(incident.Id, "wave-1", "120 of 300 restored");
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(40))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(41))).ShouldBe([(ReminderKind.StreamUpdate, "wave-1", Start.AddMinutes(41))]);
    }

    [Fact]
    public async Task ASnooze_HoldsTheReminderUntilItEnds_WithItsReasonOnTheTimeline()
    {
        var incident = await DeclareAtStartAsync();
        fixture.Clock.Pin(Start.AddMinutes(31));
        var snooze = await fixture.As("erin").SnoozeAsync(incident.Id, ReminderKind.InternalUpdate, Start.AddMinutes(50), "waiting for the database team's answer at 09:50");
        (snooze.SnoozedBy, snooze.Until).ShouldBe(("erin", Start.AddMinutes(50)));
        (await fixture.Desk.TimelineAsync(incident.Id))[0].Text.ShouldBe("erin snoozed the internal-update reminder until 2026-04-05 09:50:00Z: waiting for the database team's answer at 09:50");

        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(49))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(50))).ShouldBe([(ReminderKind.InternalUpdate, null, Start.AddMinutes(30))]);

        fixture.Clock.Pin(Start.AddMinutes(51));
        (await fixture.RefusedAsync(() => fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.CustomerUpdate, Start.AddMinutes(90), " ")))
            .ShouldStartWith("snoozing the customer-update reminder needs a reason of 1 to 500 characters (it has 0)");
        (await fixture.RefusedAsync(() => fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.CustomerUpdate, Start.AddMinutes(50), "late")))
            .ShouldContain("is not between now (2026-04-05 09:51:00Z) and 24 hours from now");
        (await fixture.RefusedAsync(() => fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.StreamUpdate, Start.AddMinutes(90), "x")))
            .ShouldContain("name the stream to snooze");
        (await fixture.RefusedAsync(() => fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.StreamUpdate, Start.AddMinutes(90), "x", "nope")))
            .ShouldContain("has no stream 'nope'");
        (await fixture.RefusedAsync(() => fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.Progress, Start.AddMinutes(90), "x", "nope")))
            .ShouldContain("the progress reminder is the incident's, not stream nope's");
    }

    [Fact]
    public async Task ProgressSteps_FireOncePerFurther10Percent()
    {
        var incident = await DeclareAtStartAsync(IncidentSeverity.Sev4);
        RestoreProgress Restored(int sites) => new(sites, 883);

        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(1), Restored(80))).ShouldBeEmpty();
        var first = await fixture.Desk.RemindersDueAsync(incident.Id, Restored(89));
        first.ShouldHaveSingleItem().Text.ShouldBe("another 10 % restored: 89 of 883 sites (10 %); post an update");
        (await fixture.Desk.RemindersDueAsync(incident.Id, Restored(89))).ShouldBeEmpty("each step fires once");
        (await fixture.Desk.RemindersDueAsync(incident.Id, Restored(170))).ShouldBeEmpty();
        (await fixture.Desk.RemindersDueAsync(incident.Id, Restored(400))).ShouldHaveSingleItem().Text.ShouldStartWith("another 30 % restored: 400 of 883 sites (45 %)");
        (await fixture.Desk.RemindersDueAsync(incident.Id, Restored(300))).ShouldBeEmpty("progress going back does not fire again");

        fixture.Clock.Pin(Start.AddMinutes(2));
        await fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.Progress, Start.AddMinutes(10), "restore of wave 2 reported at the 10:00 call");
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(5), Restored(700))).ShouldBeEmpty();
        (await DueAtAsync(fixture.Desk, incident, TimeSpan.FromMinutes(10), Restored(883))).ShouldHaveSingleItem().Kind.ShouldBe(ReminderKind.Progress);
        (await fixture.Desk.TimelineAsync(incident.Id)).Count(e => e.Kind == "reminder").ShouldBe(3);

        (await fixture.RefusedAsync(() => fixture.Desk.RemindersDueAsync(incident.Id, new RestoreProgress(10, 5)))).ShouldContain("is not a count of restored among affected sites");
    }
}
