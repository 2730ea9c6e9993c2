namespace Lifeboat.Incidents.Tests;

public sealed class ListTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task TheList_ShowsOpenIncidentsNewestFirst_WithTheirCommanders_AndFiltersByPhaseSeverityAndAll()
    {
        var start = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var oldest = await fixture.DeclareAsync("wiki pages lost", IncidentSeverity.Sev3);
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var middle = await fixture.DeclareAsync("attachments missing", IncidentSeverity.Sev1);
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var newest = await fixture.DeclareAsync("issues deleted", IncidentSeverity.Sev2);
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var duplicate = await fixture.DeclareAsync("issues gone again", IncidentSeverity.Sev2);
        await fixture.Desk.MergeAsDuplicateAsync(duplicate.Id, newest.Id);
        await fixture.Desk.AssignAsync(middle.Id, IncidentRole.Commander, "carol");
        await fixture.Desk.AssignAsync(middle.Id, IncidentRole.Scribe, "dave");
        await fixture.Desk.MovePhaseAsync(newest.Id, IncidentPhase.Identified);

        var open = await fixture.Desk.ListAsync();
        open.Select(l => l.Incident.Id).ShouldBe([newest.Id, middle.Id, oldest.Id]);
        open.Select(l => l.Commander).ShouldBe([null, "carol", null]);
        open[0].Incident.Phase.ShouldBe(IncidentPhase.Identified);

        (await fixture.Desk.ListAsync(new IncidentQuery { OpenOnly = false })).Select(l => l.Incident.Id).ShouldBe([duplicate.Id, newest.Id, middle.Id, oldest.Id]);
        (await fixture.Desk.ListAsync(new IncidentQuery { Phase = IncidentPhase.Closed })).ShouldHaveSingleItem().Incident.Id.ShouldBe(duplicate.Id);
        (await fixture.Desk.ListAsync(new IncidentQuery { Phase = IncidentPhase.Investigating })).Select(l => l.Incident.Id).ShouldBe([middle.Id, oldest.Id]);
        (await fixture.Desk.ListAsync(new IncidentQuery { Severity = IncidentSeverity.Sev2 })).ShouldHaveSingleItem().Incident.Id.ShouldBe(newest.Id);
        (await fixture.Desk.ListAsync(new IncidentQuery { Severity = IncidentSeverity.Sev2, OpenOnly = false })).Count.ShouldBe(2);
        (await fixture.Desk.ListAsync(new IncidentQuery { Limit = 2 })).Select(l => l.Incident.Id).ShouldBe([newest.Id, middle.Id]);

        // A handed-over command shows the new commander, not both.
        await fixture.Desk.ReleaseAsync(middle.Id, IncidentRole.Commander, "carol");
        await fixture.Desk.AssignAsync(middle.Id, IncidentRole.Commander, "erin");
        (await fixture.Desk.ListAsync()).Single(l => l.Incident.Id == middle.Id).Commander.ShouldBe("erin");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public async Task ALimitOutsideOneTo500_IsRefused_SayingTheRange(int limit)
    {
        var refused = await Should.ThrowAsync<Lifeboat.Platform.PlatformException>(() => fixture.Desk.ListAsync(new IncidentQuery { Limit = limit }));
        refused.Message.ShouldBe($"incidents are listed {limit} at a time; give a limit from 1 to 500.");
    }
}
