using System.Globalization;
using System.Text.Json;
using Lifeboat.Retrospectives.Drafting;

namespace Lifeboat.Retrospectives.Tests;

public sealed class ActionTests(RetroFixture fixture) : IClassFixture<RetroFixture>
{
    [Fact]
    public async Task Completing_IsRefusedNamingTheMissingKinds_UntilEachHasAnActionOrANotNeededWithAReason()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var carol = fixture.As("carol");

        var none = await fixture.RefusedAsync(() => carol.CompleteAsync(incident.Id));
        foreach (var kind in new[] { "confirm-cause", "make-fix-permanent", "prevent-recurrence", "detect-sooner", "recover-faster" })
        {
            none.ShouldContain(kind);
        }

        await carol.AddActionAsync(incident.Id, Action(ActionKind.ConfirmCause, "find why the script took site IDs"));
        await carol.AddActionAsync(incident.Id, Action(ActionKind.MakeFixPermanent, "the deletion API takes one kind of ID"));
        var dropped = await carol.AddActionAsync(incident.Id, Action(ActionKind.PreventRecurrence, "stage every destructive script"));
        await carol.DropActionAsync(incident.Id, dropped.Number, "covered by the plans' waves");

        var three = await fixture.RefusedAsync(() => carol.CompleteAsync(incident.Id));
        three.ShouldContain("prevent-recurrence, detect-sooner, recover-faster", customMessage: "a dropped action does not count");
        three.ShouldNotContain("confirm-cause");

        (await fixture.RefusedAsync(() => carol.MarkNotNeededAsync(incident.Id, ActionKind.DetectSooner, "  too short "))).ShouldContain("at least 10");
        await carol.MarkNotNeededAsync(incident.Id, ActionKind.DetectSooner, "the detector caught it in one window");
        await carol.MarkNotNeededAsync(incident.Id, ActionKind.PreventRecurrence, "plans refuse a mixed kind of ID now");

        (await fixture.RefusedAsync(() => carol.CompleteAsync(incident.Id))).ShouldContain("cannot be completed: recover-faster has neither");

        await carol.AddActionAsync(incident.Id, Action(ActionKind.RecoverFaster, "restore in parallel per region"));
        var completed = await carol.CompleteAsync(incident.Id);
        completed.State.ShouldBe(RetrospectiveState.Completed);
        completed.CompletedBy.ShouldBe("carol");
        completed.MissingKinds.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnAction_NeedsAnOperatorAsOwner_AndADueDateNotPast_AndClosesWithEvidence()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var carol = fixture.As("carol");
        (await fixture.RefusedAsync(() => carol.AddActionAsync(incident.Id, Action(ActionKind.ConfirmCause, "x") with { Owner = "nobody" }))).ShouldContain("nobody is not an operator");
        (await fixture.RefusedAsync(() => carol.AddActionAsync(incident.Id, Action(ActionKind.ConfirmCause, "x") with { Due = fixture.Day(-1) }))).ShouldContain("is past");

        var action = await carol.AddActionAsync(incident.Id, Action(ActionKind.ConfirmCause, "write up the cause"));
        (await fixture.RefusedAsync(() => carol.CompleteActionAsync(incident.Id, action.Number, " "))).ShouldContain("evidence");
        var done = await carol.CompleteActionAsync(incident.Id, action.Number, "https://wiki.example.com/postmortems/42");
        done.State.ShouldBe(ActionState.Done);
        done.EvidenceKind.ShouldBe(EvidenceKind.Url);
        (await fixture.RefusedAsync(() => carol.DropActionAsync(incident.Id, action.Number, "changed our minds"))).ShouldContain("is done already");
    }

    /// <summary>The incident restored 2 sites in 10 minutes from its declaration (no alert: from the declaration). A drill that did it faster closes the action; a slower one is refused with both figures.</summary>
    [Fact]
    public async Task ARecoverFasterAction_IsClosedByADrillThatBeatsTheIncident_AndNotByOneThatDoesNot()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync(sites: 2, restoreAfter: TimeSpan.FromMinutes(10));
        var carol = fixture.As("carol");
        var incidentSeconds = (await fixture.Desk.GetAsync(incident.Id)).Draft!.Figures.Single(f => f.Key == FigureKeys.EverySiteRestored).Seconds!.Value;
        var action = await carol.AddActionAsync(incident.Id, Action(ActionKind.RecoverFaster, "restore jobs per region in parallel"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));

        var slow = await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, action.Number, Report(rto: incidentSeconds + 60, sites: 2)));
        slow.ShouldContain("does not beat the incident");
        slow.ShouldContain("the drill restored and validated 2 sites in");
        slow.ShouldContain("the incident's 2 took");

        // The sizes differ, so the drill is compared per site: ten sites in twice the incident's time beat its two; ten in five times (and more) do not.
        var perSite = await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, action.Number, Report(rto: incidentSeconds * 5 + 100, sites: 10)));
        perSite.ShouldContain("per site");

        var closed = await carol.CloseWithDrillAsync(incident.Id, action.Number, Report(rto: incidentSeconds * 2, sites: 10));
        closed.State.ShouldBe(ActionState.Done);
        closed.EvidenceKind.ShouldBe(EvidenceKind.Drill);
        closed.Evidence.ShouldNotBeNull().ShouldContain("per site");
        closed.DrillReport!.Value.GetProperty("rto_seconds").GetDouble().ShouldBe(incidentSeconds * 2, "the report is kept beside the action");
    }

    [Fact]
    public async Task ADrill_ClosesOnlyDetectSoonerOrRecoverFaster_AndNotWhenTheIncidentsFigureIsUnknown_OrTheReportIsNotADrillReport()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var carol = fixture.As("carol");
        var cause = await carol.AddActionAsync(incident.Id, Action(ActionKind.ConfirmCause, "find the cause"));
        var detect = await carol.AddActionAsync(incident.Id, Action(ActionKind.DetectSooner, "alert on deletions through the API"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));

        (await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, cause.Number, Report(rto: 1, sites: 2)))).ShouldContain("only a detect-sooner or recover-faster");
        // This incident had no alert, so its time to detect is unknown: no drill can be said to beat it.
        (await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, detect.Number, Report(rto: 1, sites: 2, detection: 1)))).ShouldContain("time to detect is unknown");
        (await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, detect.Number, "{not json"))).ShouldContain("not JSON");
        (await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, detect.Number, """{"schema": "other/1", "complete": true}"""))).ShouldContain("lifeboat.drill-report/1");
        (await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, detect.Number, Report(rto: 1, sites: 2, complete: false)))).ShouldContain("interrupted");
        (await fixture.RefusedAsync(() => carol.CloseWithDrillAsync(incident.Id, detect.Number, Report(rto: 1, sites: 2, finishedAt: fixture.Clock.GetUtcNow().AddDays(-1)))))
            .ShouldContain("before action");
    }

    [Fact]
    public async Task Reminders_FireOnceTwoDaysBefore_AndOnceOnTheDay_OnTheIncidentsTimeline()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var action = await fixture.As("carol").AddActionAsync(incident.Id, Action(ActionKind.PreventRecurrence, "stage destructive scripts") with { Due = fixture.Day(2), Owner = "erin" });

        var fired = await fixture.Desk.FireRemindersAsync();
        fired.ShouldContain(r => r.Action == action.Number && r.Reminder == "two-days-before");
        (await fixture.Desk.FireRemindersAsync()).Count.ShouldBe(0);

        fixture.Clock.Advance(TimeSpan.FromDays(2));
        (await fixture.Desk.FireRemindersAsync()).ShouldContain(r => r.Action == action.Number && r.Reminder == "due-today");
        (await fixture.Desk.FireRemindersAsync()).Count.ShouldBe(0);

        var retro = await fixture.Desk.GetAsync(incident.Id);
        retro.Reminders.Select(r => r.Reminder).ShouldBe(["two-days-before", "due-today"]);
        var notes = await fixture.Incidents.TimelineAsync(incident.Id);
        notes.Count(e => e.Actor == RetrospectiveDesk.ProductActor && e.Text.Contains($"action {action.Number} (prevent-recurrence) owned by erin", StringComparison.Ordinal)).ShouldBe(2);
    }

    private ActionDraft Action(ActionKind kind, string title) => new() { Kind = kind, Title = title, Owner = "dana", Due = fixture.Day(14) };

    private string Report(double rto, int sites, double? detection = 4.2, bool complete = true, DateTimeOffset? finishedAt = null) => JsonSerializer.Serialize(new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["schema"] = "lifeboat.drill-report/1",
        ["complete"] = complete,
        ["finished_at"] = (finishedAt ?? fixture.Clock.GetUtcNow()).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["rto_seconds"] = rto,
        ["detection_seconds"] = detection,
        ["sites_restored"] = sites,
        ["rpo_seconds"] = 0,
    });
}
