
namespace Lifeboat.Incidents.Tests;

public sealed class MergeTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task ADuplicate_PointsToTheSurvivor_IsClosed_AndKeepsItsTimeline()
    {
        var survivor = await fixture.DeclareAsync("sites deleted by the legacy app cleanup");
        var duplicate = await fixture.DeclareAsync("customers cannot sign in");
        await fixture.Desk.NoteAsync(duplicate.Id, "support saw 40 tickets in ten minutes");

        var merged = await fixture.As("bob").MergeAsDuplicateAsync(duplicate.Id, survivor.Id);

        merged.Phase.ShouldBe(IncidentPhase.Closed);
        merged.DuplicateOf.ShouldBe(survivor.Id);
        merged.ChangedBy.ShouldBe("bob");
        (await fixture.Desk.TimelineAsync(duplicate.Id)).Select(e => e.Text).ShouldBe([
            $"merged as a duplicate of {survivor.Id} (sites deleted by the legacy app cleanup); phase investigating → closed",
            "support saw 40 tickets in ten minutes",
            "declared SEV2 mass-deletion (restricted): customers cannot sign in",
        ]);
        (await fixture.Desk.TimelineAsync(survivor.Id, limit: 1))[0].Text.ShouldBe($"{duplicate.Id} (customers cannot sign in) merged into this incident as a duplicate");

        (await fixture.RefusedAsync(() => fixture.Desk.AssignAsync(duplicate.Id, IncidentRole.Commander, "erin")))
            .ShouldBe($"incident {duplicate.Id} is closed as a duplicate of {survivor.Id}: assign the role on the survivor there. Nothing was changed.");
    }

    [Fact]
    public async Task BadMerges_AreRefused_NamingWhy_AndChangeNothing()
    {
        var open = await fixture.DeclareAsync();
        var other = await fixture.DeclareAsync();
        var duplicate = await fixture.DeclareAsync();
        await fixture.Desk.MergeAsDuplicateAsync(duplicate.Id, other.Id);

        (await fixture.RefusedAsync(() => fixture.Desk.MergeAsDuplicateAsync(open.Id, open.Id)))
            .ShouldContain("cannot be a duplicate of itself");
        (await fixture.RefusedAsync(() => fixture.Desk.MergeAsDuplicateAsync(open.Id, duplicate.Id)))
            .ShouldBe($"incident {duplicate.Id} is closed, so it cannot take a duplicate: merge into {other.Id}, which it duplicates. Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.MergeAsDuplicateAsync(duplicate.Id, open.Id)))
            .ShouldContain($"is already merged into {other.Id}");
        (await fixture.RefusedAsync(() => fixture.Desk.MergeAsDuplicateAsync(open.Id, IncidentId.Parse("inc_0000000000nosuchincident"))))
            .ShouldContain("does not exist");
    }
}
