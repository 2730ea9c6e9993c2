using Npgsql;

namespace Lifeboat.Incidents.Tests;

public sealed class RoleTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task ASecondCommander_IsRefused_NamingTheHolder_AndPointingToTheHandoff()
    {
        var incident = await fixture.DeclareAsync();
        var erin = await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        erin.Person.ShouldBe("erin");
        erin.AssignedBy.ShouldBe("alice");

        var message = await fixture.RefusedAsync(() => fixture.As("bob").AssignAsync(incident.Id, IncidentRole.Commander, "frank"));

        message.ShouldStartWith($"erin is the commander of incident {incident.Id} (since {erin.From:u}, assigned by alice); there is one commander at a time: " +
            "hand the role over to frank with a handoff");
        message.ShouldEndWith("Nothing was changed.");
        (await fixture.Desk.RolesAsync(incident.Id)).ShouldHaveSingleItem().Person.ShouldBe("erin");
    }

    [Fact]
    public async Task BadRoleInput_IsRefused_AndChangesNothing()
    {
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, "gina");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Contributor, "hank");

        (await fixture.RefusedAsync(() => fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, " Gina ", RoleSlot.Backup)))
            .ShouldContain("gina is already the scribe of incident");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignAsync(incident.Id, IncidentRole.Contributor, "HANK")))
            .ShouldBe($"hank is already a contributor of incident {incident.Id}. Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignAsync(incident.Id, IncidentRole.Informed, "ivy", RoleSlot.Backup)))
            .ShouldContain("informed is a role many people hold, so it has no backup");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignAsync(incident.Id, IncidentRole.Approver, "  ")))
            .ShouldContain("the person to make approver is empty");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignAsync(incident.Id, (IncidentRole)42, "ivy")))
            .ShouldContain("role 42 does not exist");
        (await fixture.RefusedAsync(() => fixture.Desk.ReleaseAsync(incident.Id, IncidentRole.Scribe, "hank")))
            .ShouldContain("hank is not the scribe of incident");
    }

    [Fact]
    public async Task MissingRoles_ListsEmptyRequiredRolesAndBackups_UntilTheyAreFilled()
    {
        var incident = await fixture.DeclareAsync();
        (await fixture.Desk.MissingRolesAsync(incident.Id)).Select(g => g.Described).ShouldBe([
            "commander", "backup commander", "communications-lead", "backup communications-lead", "scribe", "backup scribe"]);

        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "frank", RoleSlot.Backup);
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.CommunicationsLead, "gina");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.SupportLead, "hank");
        (await fixture.Desk.MissingRolesAsync(incident.Id)).Select(g => g.Described).ShouldBe([
            "backup communications-lead", "scribe", "backup scribe"]);

        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.CommunicationsLead, "ivy", RoleSlot.Backup);
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, "jo");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, "kim", RoleSlot.Backup);
        (await fixture.Desk.MissingRolesAsync(incident.Id)).ShouldBeEmpty();

        await fixture.Desk.ReleaseAsync(incident.Id, IncidentRole.Scribe, "kim", RoleSlot.Backup);
        (await fixture.Desk.MissingRolesAsync(incident.Id)).ShouldHaveSingleItem().Described.ShouldBe("backup scribe");
    }

    [Fact]
    public async Task RoleHistory_KeepsWhoHeldWhatFromWhenToWhen()
    {
        var start = new DateTimeOffset(2026, 4, 5, 9, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var incident = await fixture.DeclareAsync();
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Contributor, "lee");
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Contributor, "max");
        fixture.Clock.Advance(TimeSpan.FromHours(8));
        await fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "night shift: restores of wave 3 running");
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await fixture.As("frank").ReleaseAsync(incident.Id, IncidentRole.Contributor, "lee");

        var history = await fixture.Desk.RoleHistoryAsync(incident.Id);
        history.Select(h => (h.Role, h.Person, h.From, h.Until, h.EndedBy)).ShouldBe([
            (IncidentRole.Commander, "erin", start, start.AddHours(8), "erin"),
            (IncidentRole.Contributor, "lee", start, start.AddHours(9), "frank"),
            (IncidentRole.Contributor, "max", start, (DateTimeOffset?)null, (string?)null),
            (IncidentRole.Commander, "frank", start.AddHours(8), (DateTimeOffset?)null, (string?)null),
        ]);
        (await fixture.Desk.RolesAsync(incident.Id)).Select(h => h.Person).ShouldBe(["max", "frank"]);
    }

    [Fact]
    public async Task TwoPeopleAssigningTheCommanderAtOnce_OneWins_TheOthersAreToldWho()
    {
        var incident = await fixture.DeclareAsync();
        string[] people = ["nina", "omar", "pia", "quin", "rex", "sam"];
        using var start = new ManualResetEventSlim();
        var calls = people.Select(p => Task.Run(async () =>
        {
            start.Wait(TestContext.Current.CancellationToken);
            return await fixture.As(p).AssignAsync(incident.Id, IncidentRole.Commander, p);
        })).ToList();
        start.Set();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        var won = calls.Where(c => c.IsCompletedSuccessfully).ToList();
        var winner = (await won.ShouldHaveSingleItem()).Person;
        var lost = calls.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException).ToList();
        lost.Count.ShouldBe(people.Length - 1);
        lost.ShouldAllBe(e => e is Lifeboat.Platform.PlatformException && e.Message.StartsWith($"{winner} is the commander of incident {incident.Id}", StringComparison.Ordinal));
        (await fixture.Desk.RolesAsync(incident.Id)).ShouldHaveSingleItem().Person.ShouldBe(winner);
        (await fixture.Desk.TimelineAsync(incident.Id)).Count(e => e.Kind == "role").ShouldBe(1);
    }

    [Fact]
    public async Task ACommanderCommittedBetweenTheCheckAndTheInsert_IsCaughtByTheIndex_AndNamed()
    {
        var incident = await fixture.DeclareAsync();
        // The other person's transaction has inserted its commander and not committed yet.
        await using var other = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await other.OpenAsync(TestContext.Current.CancellationToken);
        await using var tx = await other.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO incidents.role_holdings (incident_id, role, slot, person, held_from, assigned_by)
            VALUES ($1, 'commander', 'holder', 'tess', now(), 'tess')
            """, other, tx))
        {
            insert.Parameters.Add(new() { Value = incident.Id.Value });
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // Ours reads no commander (the other is uncommitted), then waits on the index at its insert.
        var ours = fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "uma", cancellationToken: TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        ours.IsCompleted.ShouldBeFalse("the assignment waits for the other transaction on the unique index");
        await tx.CommitAsync(TestContext.Current.CancellationToken);

        var refused = await Should.ThrowAsync<Lifeboat.Platform.PlatformException>(() => ours);
        refused.Message.ShouldStartWith($"tess is the commander of incident {incident.Id}");
        refused.Message.ShouldContain("hand the role over to uma with a handoff");
        (await fixture.Desk.RolesAsync(incident.Id)).ShouldHaveSingleItem().Person.ShouldBe("tess");
    }
}
