using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Incidents.Tests;

/// <summary>The checklist ticks itself from what the platform holds: a real restore job over the incident's sites, its freeze, its customer updates.</summary>
public sealed class EvidenceGatheringTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private LifeboatPlatform Platform => fixture.Platform.Platform;

    [Fact]
    public async Task ARealRestoreOfTheIncidentsSites_TicksTheChecklist_AndCountsProgress()
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < 3; i++)
        {
            sites.Add((await Platform.Sites.CreateAsync($"Acme {i} {Guid.NewGuid():n}", "eu-west")).Id);
        }

        var plan = await Platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>()));
        if (plan.Decision.NeedsSecondApprover)
        {
            await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        (await Platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
        await using var desk = await fixture.OpenWithAsync(new IncidentDeskOptions { RunbookFolder = DeskFixture.RepositoryRunbooks() });
        var incident = await desk.DeclareAsync(new IncidentDeclaration { Title = "three sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Plan = plan.Id, Sites = sites });

        var before = await desk.GatherEvidenceAsync(incident.Id);
        before.Facts.ShouldBeEquivalentTo(new Evidence { SitesAffected = 3 });
        before.Progress.ShouldBe(new RestoreProgress(0, 3));

        await desk.FreezeAsync(incident.Id, "restores running");
        await desk.RecordCustomerUpdateAsync(incident.Id, "We are restoring your site.");
        await Platform.Restores.StartAsync(new RestoreJobRequest($"{incident.Id}: put the sites back") { Plan = plan.Id });
        await using (var worker = Platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        var after = await desk.GatherEvidenceAsync(incident.Id);
        after.Facts.ShouldBeEquivalentTo(new Evidence { RestoreJobStarted = true, PublicUpdatesPublished = 1, SitesValidated = 3, SitesAffected = 3, FreezeOn = true });
        after.Progress.ShouldBe(new RestoreProgress(3, 3));
        var lifeboat = desk.WithActor("lifeboat").WithSource("evidence");
        await lifeboat.EvaluateEvidenceAsync(incident.Id, after.Facts);
        var ticked = (await desk.ChecklistAsync(incident.Id)).Where(i => i.TickSource == "evidence").Select(i => i.Evidence).ToList();
        ticked.ShouldBe([EvidenceCheck.FreezeOn, EvidenceCheck.RestoreJobStarted, EvidenceCheck.FirstPublicUpdatePublished, EvidenceCheck.EveryAffectedSiteValidated], ignoreOrder: true);

        (await Platform.Freezes.ActiveAsync()).ShouldContain(f => f.Incident == incident.Id.Value);
        await desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await desk.WithActor("erin").LiftFreezeAsync(incident.Id, "test over");
    }
}
