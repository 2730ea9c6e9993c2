using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.Tests;

/// <summary>Lifeboat drafts what the progress calls for, once each, and publishes nothing on its own unless the runbook says so.</summary>
public sealed class ProgressDraftingTests(CommsFixture fixture) : IClassFixture<CommsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachPhaseAndEveryFurtherTenPercentIsDraftedOnce_ForReview_AndANewerShareReplacesAnOlderDraft()
    {
        var first = await fixture.NewSitesAsync(5, "First");
        var second = await fixture.NewSitesAsync(5, "Second");
        var planA = await fixture.DeleteAsync(first);
        var planB = await fixture.DeleteAsync(second);
        var incident = await fixture.DeclareWithRolesAsync([.. first, .. second]);

        var acknowledgement = (await fixture.Desk.DraftFromProgressAsync(incident.Id, Ct)).ShouldHaveSingleItem();
        (acknowledgement.Label, acknowledgement.Audience, acknowledgement.State, acknowledgement.Origin, acknowledgement.DraftedBy)
            .ShouldBe(("[Investigating]", UpdateAudience.Public, UpdateState.Draft, UpdateOrigin.Progress, "lifeboat"));
        (await fixture.Desk.DraftFromProgressAsync(incident.Id, Ct)).ShouldBeEmpty("a mark is drafted once");

        await fixture.RestoreAsync(planA);
        await fixture.Incidents.MovePhaseAsync(incident.Id, IncidentPhase.Identified, cancellationToken: Ct);
        await fixture.Incidents.MovePhaseAsync(incident.Id, IncidentPhase.Restoring, cancellationToken: Ct);
        var half = await fixture.Desk.DraftFromProgressAsync(incident.Id, Ct);
        half.Select(u => u.Label).ShouldBe(["[Restoring 50%]", "[Restoring 50%]"], "the phase reached, and 50% restored");
        half.ShouldAllBe(u => u.State == UpdateState.Draft, "nothing goes out without review by default");
        var halfDraft = half[^1];

        await fixture.RestoreAsync(planB);
        var all = (await fixture.Desk.DraftFromProgressAsync(incident.Id, Ct)).ShouldHaveSingleItem();
        all.Label.ShouldBe("[Restoring 100%]");
        all.Body.ShouldContain("none: every restored site was verified equal to the instant before the damage");
        (await fixture.Desk.GetUpdateAsync(incident.Id, halfDraft.Number, Ct)).State.ShouldBe(UpdateState.Withdrawn, "the older share draft was superseded");
        (await fixture.Desk.GetUpdateAsync(incident.Id, half[0].Number, Ct)).State.ShouldBe(UpdateState.Withdrawn);
        (await fixture.Desk.GetUpdateAsync(incident.Id, acknowledgement.Number, Ct)).State.ShouldBe(UpdateState.Draft, "only share drafts replace each other");
        (await fixture.Desk.DraftFromProgressAsync(incident.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ARunbookThatSaysSo_PublishesTheProductsDrafts_RecordingTheRuleNotAPerson()
    {
        var runbooks = Path.Combine(Path.GetTempPath(), "lifeboat-runbooks-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(runbooks);
        await File.WriteAllTextAsync(Path.Combine(runbooks, "mass-deletion.yaml"), """
            type: mass-deletion
            publish-progress-updates: true
            items:
              - id: name-commander
                text: Name one commander
            """, Ct);
        try
        {
            await using var incidents = await IncidentDesk.OpenAsync(fixture.Platform.Platform.WithActor("alice"), new IncidentDeskOptions { RunbookFolder = runbooks }, Ct);
            await using var desk = await CommunicationDesk.OpenAsync(fixture.Platform.Platform.WithActor("alice"), incidents, cancellationToken: Ct);
            var sites = await fixture.NewSitesAsync(1);
            var incident = await fixture.DeclareWithRolesAsync(sites, await fixture.DeleteAsync(sites), incidents);

            var published = (await desk.DraftFromProgressAsync(incident.Id, Ct)).ShouldHaveSingleItem();
            (published.State, published.ApprovedBy, published.CheckedBy).ShouldBe((UpdateState.Published, "runbook:mass-deletion", "lifeboat"));

            var byPerson = await desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified }, Ct);
            byPerson.Origin.ShouldBe(UpdateOrigin.Person);
            (await fixture.RefusedAsync(() => desk.PublishUpdateAsync(incident.Id, byPerson.Number, Ct))).ShouldContain("not approved", customMessage: "a person's draft is still reviewed");
        }
        finally
        {
            TestFiles.DeleteTree(runbooks);
        }
    }
}
