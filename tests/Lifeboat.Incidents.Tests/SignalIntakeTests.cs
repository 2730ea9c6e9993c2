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
    public async Task AFailedRestore_JoinsTheOpenIncidentThatHasItsSite_DeclaresWhenNoneHas_AndIsTakenOnce()
    {
        var intake = fixture.As("lifeboat").WithSource("detector");
        var deleted = (await fixture.Platform.NewSiteAsync()).Id;
        var foundLater = (await fixture.Platform.NewSiteAsync()).Id;
        var elsewhere = (await fixture.Platform.NewSiteAsync()).Id;
        var sameJob = (await fixture.Platform.NewSiteAsync()).Id;
        var deletion = await fixture.Desk.DeclareAsync(new IncidentDeclaration
        {
            Title = "sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [deleted],
        });
        await fixture.Desk.TrackSitesAsync(deletion.Id, [foundLater]);
        var job = $"rjob_{Guid.NewGuid():n}"[..30];

        // The site the deletion's incident declared: its failed validation joins that incident, not a new one.
        var joined = await intake.TakeSignalAsync(RestoreFailed(job, deleted, "validate: validation failed: blob tracker.attachments/att-1: altered"));
        (joined.Declared, joined.Incident.Id).ShouldBe((false, deletion.Id));
        // A site the incident tracks since (found affected later) joins it too.
        var tracked = await intake.TakeSignalAsync(RestoreFailed($"rjob_{Guid.NewGuid():n}"[..30], foundLater, "validate: validation failed: 3 records missing"));
        (tracked.Declared, tracked.Incident.Id).ShouldBe((false, deletion.Id));
        var timeline = await fixture.Desk.TimelineAsync(deletion.Id);
        timeline.ShouldContain(e => e.Kind == "signal-joined" && e.Text.Contains($"site {deleted} failed validation", StringComparison.Ordinal)
            && e.Text.Contains("blob tracker.attachments/att-1: altered", StringComparison.Ordinal));

        // No open incident has the site: the failed restore declares one, and the job's other failed site joins it by the job.
        var otherJob = $"rjob_{Guid.NewGuid():n}"[..30];
        var declared = await intake.TakeSignalAsync(RestoreFailed(otherJob, elsewhere, "validate: validation failed: sign-in refused"));
        declared.Declared.ShouldBeTrue();
        declared.Incident.Id.ShouldNotBe(deletion.Id);
        declared.Incident.Sites.ShouldBe([elsewhere]);
        declared.Incident.Type.ShouldBe("restore-failed");
        var second = await intake.TakeSignalAsync(RestoreFailed(otherJob, sameJob, "validate: validation failed: sign-in refused"));
        (second.Declared, second.Incident.Id).ShouldBe((false, declared.Incident.Id));
        second.Incident.Sites.ShouldBe([elsewhere, sameJob], ignoreOrder: true);

        // Handed over again (a replay after a crash): taken once.
        var signal = RestoreFailed(job, deleted, "validate: validation failed: handed over twice");
        (await intake.TakeSignalAsync(signal)).TakenBefore.ShouldBeFalse();
        var replay = await intake.TakeSignalAsync(signal);
        (replay.TakenBefore, replay.Incident.Id).ShouldBe((true, deletion.Id));
        (await fixture.Desk.TimelineAsync(deletion.Id, 1000)).Count(e => e.Text.Contains("handed over twice", StringComparison.Ordinal)).ShouldBe(1);

        // An alert (which names its own cause) still declares its own incident when it shares only a site.
        var alert = await intake.TakeSignalAsync(new ProductSignal
        {
            Key = $"alert.raised:{Guid.NewGuid():n}", Causes = [$"alert:{Guid.NewGuid():n}"], Title = "Detector alert", Sites = [deleted], Detail = "another burst",
        });
        alert.Declared.ShouldBeTrue();
    }

    /// <summary>What the server hands over for a site.restore-failed event (see IncidentSignals).</summary>
    private static ProductSignal RestoreFailed(string job, SiteId site, string error) => new()
    {
        Key = $"site.restore-failed:{Guid.NewGuid():n}",
        Causes = [$"job:{job}"],
        Title = $"Restore job {job}: site {site} failed validation",
        Type = "restore-failed",
        Impact = new MeasuredImpact(1, 1, 0),
        Sites = [site],
        JoinsIncidentOfItsSites = true,
        Detail = $"site {site} failed validation in restore job {job} and stays closed: {error}",
    };

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
