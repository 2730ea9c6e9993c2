using Lifeboat.Platform;

namespace Lifeboat.Incidents.Tests;

/// <summary>What the product sees declares an incident, or joins the open one of the same cause, once.</summary>
public sealed class SignalIntakeTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task ASignal_DeclaresWithASuggestedSeverity_ASecondOfTheSameCauseJoins_AndARepeatIsTakenOnce()
    {
        var intake = fixture.As("lifeboat").WithSource("detector");
        var sites = new List<SiteId>();
        for (var i = 0; i < 12; i++)
        {
            sites.Add((await fixture.Platform.NewSiteAsync()).Id);
        }

        var plan = $"plan:pln_{Guid.NewGuid():n}"[..30];
        var first = await intake.TakeSignalAsync(new ProductSignal
        {
            Key = $"plan.halted:{Guid.NewGuid():n}",
            Causes = [plan],
            Title = "Change plan halted",
            Impact = new MeasuredImpact(10, 10, 0),
            Sites = sites[..10],
            Detail = "the health gate halted it",
        });
        first.Declared.ShouldBeTrue();
        first.Incident.Severity.ShouldBe(IncidentSeverity.Sev2, "10 sites is SEV2's band");
        first.Incident.DeclaredBy.ShouldBe("lifeboat");
        first.Incident.Sites.Count.ShouldBe(10);

        var alertKey = $"alert.raised:{Guid.NewGuid():n}";
        var joined = await intake.TakeSignalAsync(new ProductSignal
        {
            Key = alertKey,
            Causes = ["alert:other", plan],
            Title = "Detector alert",
            Sites = sites[8..],
            Detail = "an unusual rate of deletions",
        });
        joined.Declared.ShouldBeFalse();
        joined.Incident.Id.ShouldBe(first.Incident.Id);
        joined.Incident.Sites.Select(s => s.Value).ShouldBe(sites.Select(s => s.Value), ignoreOrder: true, "the sites it lacked are linked; none twice");

        var again = await intake.TakeSignalAsync(new ProductSignal { Key = alertKey, Causes = ["alert:other"], Title = "Detector alert", Detail = "the same alert, handed over again" });
        (again.TakenBefore, again.Incident.Id).ShouldBe((true, first.Incident.Id));

        var timeline = await fixture.Desk.TimelineAsync(first.Incident.Id);
        timeline.Where(e => e.Source == "detector").Select(e => e.Kind).ShouldBe(["signal-joined", "signal-declared", "declared"]);
        timeline.Count(e => e.Text.Contains("handed over again", StringComparison.Ordinal)).ShouldBe(0);

        // Once the incident is closed, the same cause opens a new one: it has come back.
        await CloseAsync(first.Incident.Id);
        var reopened = await intake.TakeSignalAsync(new ProductSignal { Key = $"plan.halted:{Guid.NewGuid():n}", Causes = [plan], Title = "Change plan halted again", Detail = "halted again" });
        reopened.Declared.ShouldBeTrue();
        reopened.Incident.Id.ShouldNotBe(first.Incident.Id);
    }

    [Fact]
    public async Task SignalsOfOneCauseArrivingTogether_OpenOneIncident()
    {
        var intake = fixture.As("lifeboat").WithSource("detector");
        var cause = $"alert:{Guid.NewGuid():n}";
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => intake.TakeSignalAsync(new ProductSignal
        {
            Key = $"{cause}:{i}",
            Causes = [cause],
            Title = "Detector alert",
            Detail = $"signal {i}",
        }))));

        outcomes.Select(o => o.Incident.Id).Distinct().Count().ShouldBe(1);
        outcomes.Count(o => o.Declared).ShouldBe(1);
    }

    [Fact]
    public async Task ASignalWithoutAKeyOrCause_IsRefused_AndChangesNothing()
    {
        var message = await fixture.RefusedAsync(() => fixture.Desk.TakeSignalAsync(new ProductSignal { Key = "k", Causes = [], Title = "t", Detail = "d" }));
        message.ShouldBe("a product signal needs a key and at least one cause. Nothing was declared.");
    }

    private async Task CloseAsync(IncidentId incident)
    {
        foreach (var phase in new[] { IncidentPhase.Identified, IncidentPhase.Restoring, IncidentPhase.Monitoring, IncidentPhase.Resolved, IncidentPhase.Closed })
        {
            await fixture.Desk.MovePhaseAsync(incident, phase);
        }
    }
}
