namespace Lifeboat.Incidents.Tests;

public sealed class TaskTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private static TaskAssignment Validate(string? owner = null, string? stream = null) => new()
    {
        Owner = owner,
        Purpose = "so support can tell customers their site is back",
        Action = "validate the restored sites of wave 1",
        Stream = stream,
    };

    [Fact]
    public async Task ATaskIsAssignedToAParticipant_WithItsPurpose_AndClosedOnTheTimeline()
    {
        var start = new DateTimeOffset(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.JoinAsync(incident.Id, "bob");
        var task = await fixture.Desk.AssignTaskAsync(incident.Id, Validate("BOB") with { Due = start.AddHours(2) });

        (task.Number, task.Owner, task.State, task.Due, task.CreatedBy).ShouldBe((1, "bob", IncidentTaskState.Open, (DateTimeOffset?)start.AddHours(2), "alice"));
        task.Purpose.ShouldBe("so support can tell customers their site is back");
        var second = await fixture.Desk.AssignTaskAsync(incident.Id, Validate() with { Action = "write the customer notice" });
        second.Number.ShouldBe(2);
        second.Owner.ShouldBeNull();

        fixture.Clock.Advance(TimeSpan.FromMinutes(40));
        var done = await fixture.As("bob").CompleteTaskAsync(incident.Id, 1);
        (done.State, done.StateChangedBy, done.StateChangedAt).ShouldBe((IncidentTaskState.Done, "bob", (DateTimeOffset?)start.AddMinutes(40)));
        var dropped = await fixture.Desk.DropTaskAsync(incident.Id, 2, "support writes it from the status page");
        (dropped.State, dropped.StateReason).ShouldBe((IncidentTaskState.Dropped, "support writes it from the status page"));

        (await fixture.Desk.TasksAsync(incident.Id)).Select(t => (t.Number, t.State)).ShouldBe([(1, IncidentTaskState.Done), (2, IncidentTaskState.Dropped)]);
        (await fixture.Desk.TimelineAsync(incident.Id)).Where(e => e.Kind == "task").Select(e => e.Text).ShouldBe([
            "task #2 dropped: write the customer notice (because: support writes it from the status page)",
            "task #1 done: validate the restored sites of wave 1",
            "task #2 open to claim: write the customer notice (for: so support can tell customers their site is back)",
            "task #1 assigned to bob, due 2026-04-05 11:00:00Z: validate the restored sites of wave 1 (for: so support can tell customers their site is back)",
        ]);
    }

    [Fact]
    public async Task BadTasks_AreRefused_NamingWhatIsWrong_AndChangeNothing()
    {
        fixture.Clock.Freeze();
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.JoinAsync(incident.Id, "bob");

        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob") with { Purpose = "  " })))
            .ShouldStartWith("the task has no purpose: say what the task is for");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob") with { Action = "" })))
            .ShouldStartWith("the task has no action");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob") with { Purpose = new string('x', 501) })))
            .ShouldContain("purpose is 501 characters long");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, Validate("zoe"))))
            .ShouldBe($"zoe is not a participant of incident {incident.Id}, so they cannot be given a task: add them first (they join the incident, or someone gives them a role), then try again. Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob") with { Due = fixture.Clock.GetUtcNow().AddMinutes(-1) })))
            .ShouldContain("which has passed");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob", stream: "nope"))))
            .ShouldContain($"incident {incident.Id} has no stream 'nope'");

        await fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob"));
        await fixture.Desk.CompleteTaskAsync(incident.Id, 1);
        (await fixture.RefusedAsync(() => fixture.Desk.CompleteTaskAsync(incident.Id, 1))).ShouldStartWith($"task #1 of incident {incident.Id} was done by alice at ");
        (await fixture.RefusedAsync(() => fixture.Desk.DropTaskAsync(incident.Id, 1, "x"))).ShouldContain("was done by alice");
        (await fixture.RefusedAsync(() => fixture.Desk.ClaimTaskAsync(incident.Id, 1))).ShouldContain("there is nothing to claim");
        (await fixture.RefusedAsync(() => fixture.Desk.DropTaskAsync(incident.Id, 1, " "))).ShouldStartWith("dropping task #1 needs a reason");
        (await fixture.RefusedAsync(() => fixture.Desk.CompleteTaskAsync(incident.Id, 9))).ShouldBe($"incident {incident.Id} has no task #9: list its tasks for the number. Nothing was changed.");
    }

    [Fact]
    public async Task ClaimingAnOwnedTask_IsRefused_NamingTheOwner()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignTaskAsync(incident.Id, Validate());
        var claimed = await fixture.As("carl").ClaimTaskAsync(incident.Id, 1);
        claimed.Owner.ShouldBe("carl");
        (await fixture.Desk.ParticipantsAsync(incident.Id)).ShouldContain(p => p.Person == "carl", "claiming makes the claimer a participant");

        (await fixture.RefusedAsync(() => fixture.As("dana").ClaimTaskAsync(incident.Id, 1)))
            .ShouldBe($"task #1 of incident {incident.Id} is carl's already: ask carl, or the commander to reassign it. Nothing was changed.");
    }

    [Fact]
    public async Task TwoPeopleClaimingATaskAtOnce_OneWins_TheOthersAreToldWhoHasIt()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignTaskAsync(incident.Id, Validate());
        string[] people = ["nina", "omar", "pia", "quin", "rex", "sam"];
        using var start = new ManualResetEventSlim();
        var calls = people.Select(p => Task.Run(async () =>
        {
            start.Wait(TestContext.Current.CancellationToken);
            return await fixture.As(p).ClaimTaskAsync(incident.Id, 1);
        })).ToList();
        start.Set();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        var winner = (await calls.Where(c => c.IsCompletedSuccessfully).ShouldHaveSingleItem()).Owner;
        var lost = calls.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException).ToList();
        lost.Count.ShouldBe(people.Length - 1);
        lost.ShouldAllBe(e => e is Lifeboat.Platform.PlatformException && e.Message.StartsWith($"task #1 of incident {incident.Id} is {winner}'s already", StringComparison.Ordinal));
        (await fixture.Desk.TasksAsync(incident.Id)).ShouldHaveSingleItem().Owner.ShouldBe(winner);
        (await fixture.Desk.TimelineAsync(incident.Id)).Count(e => e.Kind == "task" && e.Text.Contains("claimed", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task TheWorkload_ShowsOpenTasks_TheIdle_AndTheSilent()
    {
        var start = new DateTimeOffset(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var incident = await fixture.DeclareAsync();
        await fixture.As("bob").JoinAsync(incident.Id, "bob", "apac", "00:00-08:00");
        await fixture.Desk.JoinAsync(incident.Id, "carl");
        await fixture.As("dana").JoinAsync(incident.Id, "dana");
        await fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob"));
        await fixture.Desk.AssignTaskAsync(incident.Id, Validate("bob"));
        await fixture.Desk.AssignTaskAsync(incident.Id, Validate("dana"));
        fixture.Clock.Advance(TimeSpan.FromMinutes(20));
        await fixture.As("dana").NoteAsync(incident.Id, "wave 1 at 40 %");
        fixture.Clock.Advance(TimeSpan.FromMinutes(20));

        var view = await fixture.Desk.WorkloadAsync(incident.Id, TimeSpan.FromMinutes(30));
        view.Select(w => (w.Person, w.Region, w.OpenTasks.Count, w.Idle, w.LastActivity, w.Silent)).ShouldBe([
            ("bob", "apac", 2, false, (DateTimeOffset?)start, true),
            ("carl", null, 0, true, (DateTimeOffset?)null, true),
            ("dana", null, 1, false, (DateTimeOffset?)start.AddMinutes(20), false),
        ]);
        view[0].OpenTasks.ShouldBe([1, 2]);

        await fixture.As("BOB").CompleteTaskAsync(incident.Id, 1);
        var after = (await fixture.Desk.WorkloadAsync(incident.Id, TimeSpan.FromMinutes(30)))[0];
        (after.OpenTasks.ShouldHaveSingleItem(), after.LastActivity, after.Silent).ShouldBe((2, (DateTimeOffset?)start.AddMinutes(40), false));
        (await fixture.RefusedAsync(() => fixture.Desk.WorkloadAsync(incident.Id, TimeSpan.Zero))).ShouldContain("is not a duration");
    }
}
