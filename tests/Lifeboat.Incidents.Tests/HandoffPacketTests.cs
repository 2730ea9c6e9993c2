namespace Lifeboat.Incidents.Tests;

/// <summary>A handoff carries what the next region needs besides the note, and one left unacknowledged is escalated once.</summary>
public sealed class HandoffPacketTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheHandoffPacket_CarriesOpenTasksPerStream_Hypotheses_LastUpdates_AndWhatIsDueNext()
    {
        fixture.Clock.Pin(Start);
        var incident = await fixture.DeclareAsync(severity: IncidentSeverity.Sev4);
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "eu-restores", Lead = "erin", Goal = "every EU site back" });
        await fixture.Desk.AssignTaskAsync(incident.Id, new TaskAssignment { Owner = "erin", Purpose = "know what the script touched", Action = "list the deleted sites", Due = Start.AddHours(2) });
        await fixture.Desk.AssignTaskAsync(incident.Id, new TaskAssignment { Purpose = "bring EU sites back", Action = "restore wave 4", Stream = "eu-restores" });
        var stillRunning = await fixture.Desk.RaiseHypothesisAsync(incident.Id, "the cleanup script is still running");
        await fixture.Desk.RaiseHypothesisAsync(incident.Id, "app IDs and site IDs were mixed up");
        await fixture.As("erin").RuleOutAsync(incident.Id, stillRunning.Id, "its host was switched off at 09:12");
        await fixture.Desk.NoteAsync(incident.Id, "412 of 883 sites restored");
        await fixture.Desk.RecordCustomerUpdateAsync(incident.Id, "We are restoring your site; next update at 13:00 UTC.");

        var handoff = await fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "Tokyo to Dublin.");
        var packet = handoff.Packet;

        packet.OpenTasks.Select(s => (s.Stream, string.Join(" | ", s.Tasks))).ShouldBe([
            (null, "#1 erin: list the deleted sites (for: know what the script touched), due 2026-04-05 11:00:00Z"),
            ("eu-restores", "#2 unclaimed: restore wave 4 (for: bring EU sites back)"),
        ], ignoreOrder: true);
        packet.OpenHypotheses.ShouldBe([$"{stillRunning.Id + 1}: app IDs and site IDs were mixed up"]);
        packet.RuledOut.ShouldBe([$"{stillRunning.Id}: the cleanup script is still running (ruled out by erin: its host was switched off at 09:12)"]);
        packet.LastUpdates.Select(u => (u.Audience, u.By, u.Text)).ShouldBe(
            [("internal", "alice", "412 of 883 sites restored"), ("customer", "alice", "We are restoring your site; next update at 13:00 UTC.")], ignoreOrder: true);
        packet.DueNext.ShouldBe(["task #1 due 2026-04-05 11:00:00Z: list the deleted sites"]);
        (await fixture.Desk.PendingHandoffsAsync(incident.Id)).Single().Packet.ShouldBeEquivalentTo(packet, "the packet reads back as written");

        (await fixture.RefusedAsync(() => fixture.Desk.RuleOutAsync(incident.Id, stillRunning.Id, "again"))).ShouldBe(
            $"hypothesis {stillRunning.Id} was ruled out already by erin: its host was switched off at 09:12. Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.RaiseHypothesisAsync(incident.Id, " "))).ShouldStartWith("the hypothesis is empty");
    }

    [Fact]
    public async Task AHandoffLeftUnacknowledged_IsEscalatedOnce_ToTheBackupCommanderAndTheSender_AndCannotBeSnoozed()
    {
        fixture.Clock.Pin(Start);
        var incident = await fixture.DeclareAsync(severity: IncidentSeverity.Sev4);
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "gina", RoleSlot.Backup);
        var handoff = await fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "Dublin, over to you.");

        fixture.Clock.Pin(Start.AddMinutes(14));
        (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldBeEmpty();
        fixture.Clock.Pin(Start.AddMinutes(20));
        var reminder = (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldHaveSingleItem();
        reminder.Kind.ShouldBe(ReminderKind.HandoffUnacknowledged);
        reminder.Text.ShouldBe($"handoff {handoff.Id} of commander to frank has waited 20 min unacknowledged (the limit is 15 min): escalated to gina and erin. " +
            "frank acknowledges it, or the role goes to someone who can take it now.");
        await fixture.Desk.RemindersDueAsync(incident.Id);
        (await fixture.Desk.TimelineAsync(incident.Id)).Count(e => e.Kind == "handoff-escalated").ShouldBe(1, "escalated once, however often reminders are read");
        (await fixture.RefusedAsync(() => fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.HandoffUnacknowledged, Start.AddHours(1), "busy"))).ShouldStartWith("an unacknowledged handoff is not snoozed");

        await fixture.As("frank").AcknowledgeHandoffAsync(incident.Id, handoff.Id);
        (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldBeEmpty();
    }
}
