namespace Lifeboat.Incidents.Tests;

public sealed class ParticipantTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task Joining_RecordsRegionAndShift_AndJoiningAgainUnderAnotherSpelling_UpdatesThem()
    {
        var incident = await fixture.DeclareAsync();
        var bob = await fixture.As("bob").JoinAsync(incident.Id, "bob", "APAC", "00:00-08:00");
        (bob.Person, bob.Region, bob.Shift, bob.JoinedBy).ShouldBe(("bob", "apac", "00:00-08:00 UTC", "bob"));

        var again = await fixture.Desk.JoinAsync(incident.Id, " Bob ", shift: "08:00-16:00 utc");
        (again.Person, again.Region, again.Shift).ShouldBe(("bob", "apac", "08:00-16:00 UTC"));
        (await fixture.Desk.ParticipantsAsync(incident.Id)).ShouldHaveSingleItem().Shift.ShouldBe("08:00-16:00 UTC");

        var before = await fixture.StateAsync();
        await fixture.Desk.JoinAsync(incident.Id, "BOB");
        (await fixture.StateAsync()).ShouldBe(before, "joining again with nothing new changes nothing");

        (await fixture.Desk.TimelineAsync(incident.Id)).Where(e => e.Kind == "participant").Select(e => e.Text).ShouldBe([
            "bob now works apac, 08:00-16:00 UTC", "bob joined (apac, 00:00-08:00 UTC)"]);
    }

    [Fact]
    public async Task BadRegionOrShift_IsRefused_AndChangesNothing()
    {
        var incident = await fixture.DeclareAsync();
        (await fixture.RefusedAsync(() => fixture.Desk.JoinAsync(incident.Id, "bob", shift: "9-17")))
            .ShouldBe("the shift '9-17' is not HH:MM-HH:MM in UTC: write it as \"00:00-08:00 UTC\" (24-hour clock; a shift may cross midnight, \"22:00-06:00 UTC\"). Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.JoinAsync(incident.Id, "bob", shift: "24:00-08:00"))).ShouldContain("is not HH:MM-HH:MM");
        (await fixture.RefusedAsync(() => fixture.Desk.JoinAsync(incident.Id, "bob", shift: "08:00-08:00"))).ShouldContain("starts and ends at 08:00");
        (await fixture.RefusedAsync(() => fixture.Desk.JoinAsync(incident.Id, "bob", region: "asia pacific"))).ShouldContain("the region 'asia pacific' is not a short name");
        (await fixture.RefusedAsync(() => fixture.Desk.JoinAsync(incident.Id, " "))).ShouldContain("the person joining is empty");
        (await fixture.RefusedAsync(() => fixture.Desk.JoinAsync(IncidentId.Parse("inc_0000000000nosuchincident"), "bob"))).ShouldContain("does not exist");

        // Across midnight is a shift.
        (await fixture.Desk.JoinAsync(incident.Id, "bob", shift: "22:00 - 06:00 UTC")).Shift.ShouldBe("22:00-06:00 UTC");
    }

    [Fact]
    public async Task AssigningARole_MakesThePersonAParticipant_OnceUnderAnySpelling()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.JoinAsync(incident.Id, "Erin", "emea");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, "frank");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Contributor, "FRANK");

        (await fixture.Desk.ParticipantsAsync(incident.Id)).Select(p => (p.Person, p.Region, p.JoinedBy)).ShouldBe([
            ("Erin", "emea", "alice"), ("frank", null, "alice")]);
    }

    [Fact]
    public async Task AHandoffReceiver_BecomesAParticipant()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "gus", "apac takes over");

        (await fixture.Desk.ParticipantsAsync(incident.Id)).Select(p => p.Person).ShouldBe(["erin", "gus"]);
    }
}
