
namespace Lifeboat.Incidents.Tests;

public sealed class PhaseTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task Phases_GoForwardOneStepAtATime_ToClosed_EachOnTheTimeline()
    {
        fixture.Clock.Freeze();
        var incident = await fixture.DeclareAsync();
        IncidentPhase[] forward = [IncidentPhase.Identified, IncidentPhase.Restoring, IncidentPhase.Monitoring, IncidentPhase.Resolved, IncidentPhase.Closed];
        foreach (var phase in forward)
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(5));
            (await fixture.As("dave").MovePhaseAsync(incident.Id, phase)).Phase.ShouldBe(phase);
        }

        var changes = (await fixture.Desk.TimelineAsync(incident.Id)).Where(e => e.Kind == "phase").Reverse().ToList();
        changes.Select(e => e.Text).ShouldBe([
            "phase investigating → identified",
            "phase identified → restoring",
            "phase restoring → monitoring",
            "phase monitoring → resolved",
            "phase resolved → closed",
        ]);
        changes.ShouldAllBe(e => e.Actor == "dave" && e.Source == IncidentDesk.DefaultSource);
        changes.Select(e => e.At).ShouldBeInOrder(SortDirection.Ascending);
        (changes[1].At - changes[0].At).ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Phases_RefuseASkip_NamingTheStepItSkips_AndChangeNothing()
    {
        var incident = await fixture.DeclareAsync();

        var message = await fixture.RefusedAsync(() => fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Restoring));

        message.ShouldBe($"incident {incident.Id} cannot move from investigating to restoring: that skips identified. " +
            "Move to identified first; phases go forward one step at a time. Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Closed)))
            .ShouldContain("that skips identified, restoring, monitoring, resolved");
        (await fixture.RefusedAsync(() => fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Investigating)))
            .ShouldContain("is already investigating");
        (await fixture.Desk.GetAsync(incident.Id)).Phase.ShouldBe(IncidentPhase.Investigating);
    }

    [Fact]
    public async Task Phases_GoBackUntilClosed_AndClosedIsFinal()
    {
        var incident = await fixture.DeclareAsync();
        foreach (var phase in new[] { IncidentPhase.Identified, IncidentPhase.Restoring })
        {
            await fixture.Desk.MovePhaseAsync(incident.Id, phase);
        }

        (await fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Investigating, "the restore found a second cause")).Phase.ShouldBe(IncidentPhase.Investigating);
        (await fixture.Desk.TimelineAsync(incident.Id, limit: 1))[0].Text.ShouldBe("phase restoring → back investigating: the restore found a second cause");

        foreach (var phase in new[] { IncidentPhase.Identified, IncidentPhase.Restoring, IncidentPhase.Monitoring, IncidentPhase.Resolved })
        {
            await fixture.Desk.MovePhaseAsync(incident.Id, phase);
        }

        (await fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Monitoring, "it came back")).Phase.ShouldBe(IncidentPhase.Monitoring);
        await fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Resolved);
        await fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Closed);

        var message = await fixture.RefusedAsync(() => fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Resolved));
        message.ShouldBe($"incident {incident.Id} is closed: declare a new incident if it has come back. Nothing was changed.");
    }
}
