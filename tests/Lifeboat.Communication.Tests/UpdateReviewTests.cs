using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Updates;
using Npgsql;

namespace Lifeboat.Communication.Tests;

/// <summary>An update's way out: drafted with its phase and the live figures, approved, double-checked by another person, published, immutable.</summary>
public sealed class UpdateReviewTests(CommsFixture fixture) : IClassFixture<CommsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADraftIsBoundToTheFigures_ApprovedByTheLead_CheckedByAnother_ThenPublishedAndNeverChanged()
    {
        var (incident, _, sites) = await fixture.DeletedSitesAsync(3);
        var draft = await fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft
        {
            Audience = UpdateAudience.Public, Phase = UpdatePhase.Investigating, Message = "A cleanup script deleted some sites. We are on it.",
        }, Ct);

        draft.State.ShouldBe(UpdateState.Draft);
        draft.Label.ShouldBe("[Investigating]");
        draft.Body.ShouldStartWith("[Investigating] ");
        draft.Subject.ShouldBe($"[Investigating] {incident.Title}");
        draft.Body.ShouldContain("A cleanup script deleted some sites. We are on it.");
        draft.Body.ShouldContain("Sites affected: 3. Restored and validated: 0 (0%).");
        draft.Body.ShouldContain("not known yet for 3 site(s) still being restored (confidence: unknown)");
        draft.Figures.GetProperty("sitesAffected").GetInt32().ShouldBe(3);
        draft.DraftedBy.ShouldBe("alice");

        (await fixture.RefusedAsync(() => fixture.As("frank").PublishUpdateAsync(incident.Id, draft.Number, Ct))).ShouldContain("not approved");
        (await fixture.RefusedAsync(() => fixture.As("alice").ApproveUpdateAsync(incident.Id, draft.Number, Ct)))
            .ShouldContain("the communications lead or the commander approves");
        (await fixture.RefusedAsync(() => fixture.As("erin").DoubleCheckUpdateAsync(incident.Id, draft.Number, Ct))).ShouldContain("not approved yet");

        var approved = await fixture.As("dana").ApproveUpdateAsync(incident.Id, draft.Number, Ct);
        (approved.State, approved.ApprovedBy).ShouldBe((UpdateState.Approved, "dana"));
        (await fixture.RefusedAsync(() => fixture.As("frank").PublishUpdateAsync(incident.Id, draft.Number, Ct))).ShouldContain("not double-checked");
        (await fixture.RefusedAsync(() => fixture.As("DANA").DoubleCheckUpdateAsync(incident.Id, draft.Number, Ct))).ShouldContain("cannot double-check it too");

        await fixture.As("erin").DoubleCheckUpdateAsync(incident.Id, draft.Number, Ct);
        var published = await fixture.As("frank").PublishUpdateAsync(incident.Id, draft.Number, Ct);
        (published.State, published.CheckedBy, published.PublishedBy).ShouldBe((UpdateState.Published, "erin", "frank"));
        published.Body.ShouldBe(draft.Body, "what was reviewed is what goes out");

        (await fixture.RefusedAsync(() => fixture.As("frank").PublishUpdateAsync(incident.Id, draft.Number, Ct))).ShouldContain("is published and cannot be published");
        (await fixture.RefusedAsync(() => fixture.As("frank").WithdrawUpdateAsync(incident.Id, draft.Number, "typo", Ct))).ShouldContain("draft a correction");

        // Not even the database's own users can rewrite or delete what went out.
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        foreach (var sql in new[] { "UPDATE comms.updates SET body = '[Investigating] all good' WHERE incident_id = $1", "DELETE FROM comms.updates WHERE incident_id = $1" })
        {
            await using var cmd = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = incident.Id.Value } } };
            (await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync(Ct))).SqlState.ShouldBeOneOf("LBCOM", "42501"); // the trigger, or no DELETE grant at all
        }

        (await fixture.Incidents.TimelineAsync(incident.Id, cancellationToken: Ct)).ShouldContain(e => e.Kind == "customer-update" && e.Text.Contains("[Investigating]"),
            "a published customer-facing update restarts the customers' cadence");
        (await fixture.Desk.UpdatesAsync(incident.Id, publishedOnly: true, Ct)).Select(u => u.Number).ShouldBe([draft.Number]);
        sites.Count.ShouldBe(3);
    }

    [Fact]
    public async Task AfterTheRestore_TheLabelSaysTheShare_AndTheLossIsVerifiedNone()
    {
        var (incident, plan, _) = await fixture.DeletedSitesAsync(2);
        await fixture.RestoreAsync(plan);

        var figures = await fixture.Desk.FiguresAsync(incident.Id, Ct);
        (figures.SitesAffected, figures.SitesRestored, figures.SharePercent, figures.Confidence).ShouldBe((2, 2, 100, Confidence.Verified));
        figures.Eta.ShouldNotBeNull().SitesLeft.ShouldBe(0);

        var restoring = await fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Restoring }, Ct);
        restoring.Label.ShouldBe("[Restoring 100%]");
        restoring.Body.ShouldContain("Expected data loss: none: every restored site was verified equal to the instant before the damage (confidence: verified).");
        restoring.Body.ShouldContain("Time to restore the rest: none: every site is back.");

        var japanese = await fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Recovered, Language = "ja" }, Ct);
        japanese.Body.ShouldStartWith("[Recovered] ");
        japanese.Body.ShouldContain("復旧・検証済み: 2件（100%）");
        japanese.Body.ShouldContain("確度: 検証済み");
    }

    [Fact]
    public async Task AnUpdateWithoutItsPhase_OrWithATypedLabel_OrForTheWrongAudience_IsRefusedAndNothingIsDrafted()
    {
        var (incident, _, _) = await fixture.DeletedSitesAsync(1);

        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = null, Message = "sites are gone" }, Ct)))
            .ShouldContain("has no phase");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Restoring, Message = "[Restoring 90%] nearly there" }, Ct)))
            .ShouldContain("opens with '[Restoring 90%]'");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Customer, Phase = UpdatePhase.Identified }, Ct)))
            .ShouldContain("needs the customer's account");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Template = "no-such" }, Ct)))
            .ShouldContain("there is no update template en/no-such");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Message = new string('x', 4001) }, Ct)))
            .ShouldContain("at most 4,000");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Stream = "nope" }, Ct)))
            .ShouldContain("has no stream 'nope'");
    }

    [Fact]
    public async Task ACorrectionPointsAtAPublishedUpdateOfTheSameAudience_AndADraftIsWithdrawnNotDeleted()
    {
        var (incident, _, _) = await fixture.DeletedSitesAsync(1);
        var first = await fixture.PublishedAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Message = "Three sites." });
        var internalNote = await fixture.PublishedAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Internal, Phase = UpdatePhase.Identified });
        var pending = await fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified }, Ct);

        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Corrects = pending.Number }, Ct)))
            .ShouldContain("not published");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Corrects = internalNote.Number }, Ct)))
            .ShouldContain("went to a different audience (internal)");
        (await fixture.RefusedAsync(() => fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Corrects = 99 }, Ct)))
            .ShouldContain("has no update 99 to correct");

        var correction = await fixture.Desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Message = "One site, not three.", Corrects = first.Number }, Ct);
        correction.Corrects.ShouldBe(first.Number);
        correction.Body.ShouldContain($"This update corrects update {first.Number}.");

        (await fixture.RefusedAsync(() => fixture.Desk.WithdrawUpdateAsync(incident.Id, pending.Number, " ", Ct))).ShouldContain("needs a reason");
        var withdrawn = await fixture.Desk.WithdrawUpdateAsync(incident.Id, pending.Number, "superseded by the correction", Ct);
        withdrawn.State.ShouldBe(UpdateState.Withdrawn);
        (await fixture.RefusedAsync(() => fixture.As("dana").ApproveUpdateAsync(incident.Id, pending.Number, Ct))).ShouldContain("is withdrawn and cannot be approved");
        (await fixture.Desk.UpdatesAsync(incident.Id, cancellationToken: Ct)).Select(u => u.Number).ShouldContain(pending.Number, "a withdrawn draft stays in the record");
    }
}
