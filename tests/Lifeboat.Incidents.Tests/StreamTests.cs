namespace Lifeboat.Incidents.Tests;

public sealed class StreamTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task AStream_HasALeadAGoalAndItsOwnTasks_AndRollsUp()
    {
        var start = new DateTimeOffset(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.JoinAsync(incident.Id, "bob", "apac");
        var wave1 = await fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening
        {
            Slug = "restore-wave-1", Lead = "Bob", Goal = "every site of wave 1 restored and validated", Cadence = TimeSpan.FromMinutes(15),
        });
        (wave1.Lead, wave1.Cadence, wave1.OpenTasks, wave1.LastUpdateAt, wave1.IsOpen).ShouldBe(("bob", (TimeSpan?)TimeSpan.FromMinutes(15), 0, (DateTimeOffset?)null, true));
        await fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "comms", Lead = "bob", Goal = "customers told" });

        TaskAssignment InWave1(string action) => new() { Owner = "bob", Purpose = "get wave 1 back", Action = action, Stream = "restore-wave-1" };
        await fixture.Desk.AssignTaskAsync(incident.Id, InWave1("start the restore job"));
        await fixture.Desk.AssignTaskAsync(incident.Id, InWave1("validate the sites"));
        await fixture.Desk.AssignTaskAsync(incident.Id, new TaskAssignment { Purpose = "keep customers informed", Action = "post on the status page" });
        await fixture.Desk.CompleteTaskAsync(incident.Id, 1);
        fixture.Clock.Advance(TimeSpan.FromMinutes(10));
        var update = await fixture.As("bob").StreamUpdateAsync(incident.Id, "restore-wave-1", "job running, 120 of 300 sites");
        (update.Kind, update.Text).ShouldBe(("note", "[restore-wave-1] job running, 120 of 300 sites"));

        var streams = await fixture.Desk.StreamsAsync(incident.Id);
        streams.Select(s => (s.Slug, s.OpenTasks, s.DoneTasks, s.LastUpdateAt)).ShouldBe([
            ("comms", 0, 0, (DateTimeOffset?)null),
            ("restore-wave-1", 1, 1, (DateTimeOffset?)start.AddMinutes(10)),
        ]);
        (await fixture.Desk.TasksAsync(incident.Id, "restore-wave-1")).Select(t => t.Number).ShouldBe([1, 2]);

        (await fixture.RefusedAsync(() => fixture.Desk.CloseStreamAsync(incident.Id, "restore-wave-1")))
            .ShouldBe($"stream restore-wave-1 of incident {incident.Id} still has open tasks (#2): complete or drop them first. Nothing was changed.");
        await fixture.Desk.CompleteTaskAsync(incident.Id, 2);
        var closed = await fixture.Desk.CloseStreamAsync(incident.Id, "restore-wave-1");
        (closed.IsOpen, closed.ClosedBy, closed.DoneTasks).ShouldBe((false, "alice", 2));

        (await fixture.RefusedAsync(() => fixture.Desk.AssignTaskAsync(incident.Id, InWave1("one more"))))
            .ShouldStartWith($"stream restore-wave-1 of incident {incident.Id} was closed by alice at ");
        (await fixture.RefusedAsync(() => fixture.Desk.StreamUpdateAsync(incident.Id, "restore-wave-1", "late")))
            .ShouldContain("was closed by alice");
        (await fixture.RefusedAsync(() => fixture.Desk.CloseStreamAsync(incident.Id, "restore-wave-1"))).ShouldContain("already");
        (await fixture.Desk.TimelineAsync(incident.Id)).Where(e => e.Kind == "stream").Select(e => e.Text).ShouldBe([
            "stream restore-wave-1 closed",
            "stream comms opened, led by bob: customers told",
            "stream restore-wave-1 opened, led by bob, updates every 15 min: every site of wave 1 restored and validated",
        ]);
    }

    [Fact]
    public async Task BadStreams_AreRefused_AndChangeNothing()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.JoinAsync(incident.Id, "bob");
        await fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "wave-1", Lead = "bob", Goal = "wave 1 back" });

        (await fixture.RefusedAsync(() => fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "wave-1", Lead = "bob", Goal = "again" })))
            .ShouldStartWith($"incident {incident.Id} has a stream wave-1 already (opened by alice at ");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "Wave 2", Lead = "bob", Goal = "g" })))
            .ShouldContain("is not a short slug");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "wave-2", Lead = "zoe", Goal = "g" })))
            .ShouldStartWith($"zoe is not a participant of incident {incident.Id}, so they cannot be the lead of stream wave-2: add them first");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "wave-2", Lead = "bob", Goal = " " })))
            .ShouldContain("needs a goal of 1 to 500 characters");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "wave-2", Lead = "bob", Goal = "g", Cadence = TimeSpan.FromSeconds(90) })))
            .ShouldContain("is not a whole number of minutes from 1 minute to 24 hours");
        (await fixture.RefusedAsync(() => fixture.Desk.StreamUpdateAsync(incident.Id, "wave-9", "x"))).ShouldContain("has no stream 'wave-9'");
        (await fixture.RefusedAsync(() => fixture.Desk.StreamUpdateAsync(incident.Id, "wave-1", " "))).ShouldContain("is empty");
    }
}
