using Npgsql;

namespace Lifeboat.Incidents.Tests;

public sealed class TimelineTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task TheTimeline_ListsNewestFirst_Bounded_AndPinsForTheRetrospective()
    {
        var start = new DateTimeOffset(2026, 4, 5, 3, 0, 0, TimeSpan.Zero);
        fixture.Clock.Pin(start);
        var incident = await fixture.DeclareAsync();
        for (var i = 1; i <= 4; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(10));
            await fixture.As("gina").NoteAsync(incident.Id, $"update {i}");
        }

        var latest = await fixture.Desk.TimelineAsync(incident.Id, limit: 3);
        latest.Select(e => e.Text).ShouldBe(["update 4", "update 3", "update 2"]);
        latest.Select(e => e.At).ShouldBe([start.AddMinutes(40), start.AddMinutes(30), start.AddMinutes(20)]);
        latest.ShouldAllBe(e => e.Actor == "gina" && e.Kind == "note");

        var pinned = await fixture.As("hank").PinAsync(incident.Id, latest[1].Id);
        pinned.PinnedBy.ShouldBe("hank");
        pinned.PinnedAt.ShouldBe(start.AddMinutes(40));
        (await fixture.Desk.TimelineAsync(incident.Id, pinnedOnly: true)).ShouldHaveSingleItem().Text.ShouldBe("update 3");

        (await fixture.RefusedAsync(() => fixture.Desk.PinAsync(incident.Id, latest[1].Id)))
            .ShouldContain($"event {latest[1].Id} of incident {incident.Id} was pinned by hank");
        (await fixture.RefusedAsync(() => fixture.Desk.NoteAsync(incident.Id, " ")))
            .ShouldContain("the note for incident");
        (await fixture.RefusedAsync(() => fixture.Desk.PinAsync(incident.Id, 999_999)))
            .ShouldContain($"incident {incident.Id} has no timeline event 999999");
        (await Should.ThrowAsync<Lifeboat.Platform.PlatformException>(() => fixture.Desk.TimelineAsync(incident.Id, limit: 0)))
            .Message.ShouldBe("a timeline is listed 0 events at a time; give a limit from 1 to 1000.");
    }

    [Fact]
    public async Task TheDatabase_RefusesDeletingIncidentData_AndRewritingAnEvent_ForEveryRole()
    {
        var incident = await fixture.DeclareAsync();
        var before = await fixture.StateAsync();

        // As the application role the product runs as: no DELETE privilege at all.
        (await Attempt(fixture.Platform.Database.ConnectionString, "DELETE FROM incidents.timeline WHERE incident_id = $1", incident))
            .SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await Attempt(fixture.Platform.Database.ConnectionString, "UPDATE incidents.timeline SET text = 'nothing happened' WHERE incident_id = $1", incident))
            .MessageText.ShouldStartWith("a timeline event cannot be rewritten");
        // As the owner, who has the privileges: the triggers still refuse.
        foreach (var table in new[] { "incidents", "role_holdings", "handoffs", "timeline", "participants", "streams", "tasks", "stream_updates", "checklist_items", "snoozes", "progress_steps" })
        {
            (await Attempt(fixture.Platform.Database.ConnectionString, $"DELETE FROM incidents.{table} WHERE incident_id = $1", incident))
                .SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
            (await Attempt(fixture.Platform.Database.OwnerConnectionString, $"DELETE FROM incidents.{table} WHERE incident_id = $1", incident))
                .MessageText.ShouldStartWith($"incident data is never deleted (incidents.{table})");
        }

        (await fixture.StateAsync()).ShouldBe(before);
    }

    private static async Task<PostgresException> Attempt(string connectionString, string sql, Incident incident)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // the test's own constant statements
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        cmd.Parameters.Add(new() { Value = incident.Id.Value });
        return await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
    }
}
