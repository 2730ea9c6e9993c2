using Lifeboat.Incidents;
using Npgsql;

namespace Lifeboat.Communication.Tests;

/// <summary>A platform on its own database, the incident desk and the communication desk opened on it, acting as alice.</summary>
public sealed class CommsFixture : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public IncidentDesk Incidents { get; private set; } = null!;

    public CommunicationDesk Desk { get; private set; } = null!;

    public TestClock Clock => Platform.Clock;

    public async ValueTask InitializeAsync()
    {
        await Platform.InitializeAsync();
        Incidents = await IncidentDesk.OpenAsync(Platform.Platform.WithActor("alice"));
        Desk = await CommunicationDesk.OpenAsync(Platform.Platform.WithActor("alice"), Incidents);
    }

    public CommunicationDesk As(string actor) => Desk.WithActor(actor);

    public Task<Incident> DeclareAsync(string title = "sites deleted by a cleanup script", IReadOnlyList<Lifeboat.Platform.SiteId>? sites = null) =>
        Incidents.DeclareAsync(new IncidentDeclaration { Title = title, Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = sites ?? [] });

    /// <summary>Every row of the module's tables, as text: equal before and after means a refused call changed nothing.</summary>
    public async Task<string> StateAsync()
    {
        await using var connection = new NpgsqlConnection(Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(u ORDER BY incident_id, update_number)::text FROM comms.updates u),
                (SELECT json_agg(e ORDER BY position)::text FROM comms.events e))
            """, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a call that must be refused; returns its message after checking that nothing changed.</summary>
    public async Task<string> RefusedAsync(Func<Task> call)
    {
        var before = await StateAsync();
        var refused = await Should.ThrowAsync<Lifeboat.Platform.PlatformException>(call);
        (await StateAsync()).ShouldBe(before, "a refused call must change nothing");
        return refused.Message;
    }

    public async ValueTask DisposeAsync()
    {
        await Desk.DisposeAsync();
        await Incidents.DisposeAsync();
        await Platform.DisposeAsync();
    }
}
