using Npgsql;

namespace Lifeboat.Incidents.Tests;

public sealed class HandoffTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task AHandoff_MovesTheRole_WithAPacket_AndStaysPendingUntilTheReceiverAcknowledges()
    {
        var incident = await fixture.DeclareAsync(severity: IncidentSeverity.Sev1);
        await fixture.Desk.MovePhaseAsync(incident.Id, IncidentPhase.Identified);
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, "gina");

        var handoff = await fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "frank",
            "Tokyo to Dublin: 412 of 883 sites restored; wave 4 queued; the cleanup script is ruled out as still running.");

        handoff.From.ShouldBe("erin");
        handoff.To.ShouldBe("frank");
        handoff.HandedBy.ShouldBe("erin");
        handoff.Pending.ShouldBeTrue();
        handoff.Packet.Note.ShouldStartWith("Tokyo to Dublin: 412 of 883 sites restored");
        handoff.Packet.Phase.ShouldBe(IncidentPhase.Identified);
        handoff.Packet.Severity.ShouldBe(IncidentSeverity.Sev1);
        handoff.Packet.OpenRoleGaps.ShouldBe(["backup commander", "communications-lead", "backup communications-lead", "backup scribe"]);
        (await fixture.Desk.RolesAsync(incident.Id)).Single(h => h.Role == IncidentRole.Commander).Person.ShouldBe("frank");
        (await fixture.Desk.PendingHandoffsAsync(incident.Id)).ShouldHaveSingleItem().Id.ShouldBe(handoff.Id);

        var message = await fixture.RefusedAsync(() => fixture.As("erin").AcknowledgeHandoffAsync(incident.Id, handoff.Id));
        message.ShouldBe($"handoff {handoff.Id} of incident {incident.Id} is to frank, so only frank can acknowledge it, not erin: " +
            "ask frank to read the packet and acknowledge it. Nothing was changed.");

        var acknowledged = await fixture.As("Frank").AcknowledgeHandoffAsync(incident.Id, handoff.Id);
        acknowledged.Pending.ShouldBeFalse();
        acknowledged.AcknowledgedBy.ShouldBe("Frank");
        (await fixture.Desk.PendingHandoffsAsync(incident.Id)).ShouldBeEmpty();
        (await fixture.RefusedAsync(() => fixture.As("frank").AcknowledgeHandoffAsync(incident.Id, handoff.Id)))
            .ShouldContain("was acknowledged by frank at");

        var events = (await fixture.Desk.TimelineAsync(incident.Id, limit: 2)).Select(e => (e.Actor, e.Kind, e.Text)).ToList();
        events[0].ShouldBe(("Frank", "handoff", $"Frank acknowledged handoff {handoff.Id}"));
        events[1].Actor.ShouldBe("erin");
        events[1].Text.ShouldStartWith($"erin handed commander to frank (handoff {handoff.Id}, awaiting acknowledgement): Tokyo to Dublin");
    }

    [Fact]
    public async Task TheBackupTakingOver_StopsBeingTheBackup_AndThePacketSaysSo()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "frank", RoleSlot.Backup);

        var handoff = await fixture.Desk.HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "erin is off shift");

        handoff.Packet.OpenRoleGaps.ShouldContain("backup commander");
        (await fixture.Desk.RolesAsync(incident.Id)).Select(h => (h.Role, h.Slot, h.Person)).ShouldBe([(IncidentRole.Commander, RoleSlot.Holder, "frank")]);
    }

    [Fact]
    public async Task BadHandoffs_AreRefused_NamingWhatWasWrong_AndChangeNothing()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Contributor, "lee");

        (await fixture.RefusedAsync(() => fixture.Desk.HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "  ")))
            .ShouldStartWith("the handoff to frank has no note: write what frank needs to carry on");
        (await fixture.RefusedAsync(() => fixture.Desk.HandOffAsync(incident.Id, IncidentRole.Commander, "ERIN", "to myself")))
            .ShouldContain("erin is already the commander");
        (await fixture.RefusedAsync(() => fixture.Desk.HandOffAsync(incident.Id, IncidentRole.Scribe, "gina", "notes")))
            .ShouldContain($"no one is the scribe of incident {incident.Id}, so there is nothing to hand over: assign gina instead");
        (await fixture.RefusedAsync(() => fixture.Desk.HandOffAsync(incident.Id, IncidentRole.Contributor, "max", "notes")))
            .ShouldContain("contributor is held by many, so it is not handed over");
        (await fixture.RefusedAsync(() => fixture.Desk.HandOffAsync(incident.Id, IncidentRole.Commander, "frank", new string('n', 10_001))))
            .ShouldContain("the handoff note is 10001 characters long; keep it to 10000");
        (await fixture.RefusedAsync(() => fixture.Desk.AcknowledgeHandoffAsync(incident.Id, 999_999)))
            .ShouldContain($"incident {incident.Id} has no handoff 999999");
    }

    [Fact]
    public async Task AHandoffThatWaitedForAnother_IsToldWhoHoldsTheRoleNow()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        // Another handoff of the commander, in flight: erin's holding ended, vic's begun, not committed yet.
        await using var other = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await other.OpenAsync(TestContext.Current.CancellationToken);
        await using var tx = await other.BeginTransactionAsync(TestContext.Current.CancellationToken);
        foreach (var sql in new[]
        {
            "UPDATE incidents.role_holdings SET held_until = now(), ended_by = 'erin' WHERE incident_id = $1 AND role = 'commander' AND held_until IS NULL",
            "INSERT INTO incidents.role_holdings (incident_id, role, slot, person, held_from, assigned_by) VALUES ($1, 'commander', 'holder', 'vic', now(), 'erin')",
        })
        {
#pragma warning disable CA2100 // the test's own constant statements
            await using var move = new NpgsqlCommand(sql, other, tx);
#pragma warning restore CA2100
            move.Parameters.Add(new() { Value = incident.Id.Value });
            await move.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var ours = fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "walt", "going off shift", cancellationToken: TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        ours.IsCompleted.ShouldBeFalse("the handoff waits for the other one's lock on the holding");
        await tx.CommitAsync(TestContext.Current.CancellationToken);

        var refused = await Should.ThrowAsync<Lifeboat.Platform.PlatformException>(() => ours);
        refused.Message.ShouldStartWith($"vic became the commander of incident {incident.Id} while this handoff waited");
        (await fixture.Desk.RolesAsync(incident.Id)).ShouldHaveSingleItem().Person.ShouldBe("vic");
        (await fixture.Desk.PendingHandoffsAsync(incident.Id)).ShouldBeEmpty();
    }
}
