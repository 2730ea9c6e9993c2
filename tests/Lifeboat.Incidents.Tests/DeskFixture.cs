using Npgsql;

namespace Lifeboat.Incidents.Tests;

/// <summary>A platform on its own database and the incident desk opened on it, acting as alice.</summary>
public sealed class DeskFixture : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public IncidentDesk Desk { get; private set; } = null!;

    public TestClock Clock => Platform.Clock;

    public async ValueTask InitializeAsync()
    {
        await Platform.InitializeAsync();
        Desk = await IncidentDesk.OpenAsync(Platform.Platform.WithActor("alice"));
    }

    public IncidentDesk As(string actor) => Desk.WithActor(actor);

    public Task<Incident> DeclareAsync(string title = "sites deleted by a cleanup script", IncidentSeverity severity = IncidentSeverity.Sev2) =>
        Desk.DeclareAsync(new IncidentDeclaration { Title = title, Type = "mass-deletion", Severity = severity });

    /// <summary>Every row of the module's tables, as text: equal before and after means a refused call changed nothing.</summary>
    public async Task<string> StateAsync()
    {
        await using var connection = new NpgsqlConnection(Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(i ORDER BY incident_id)::text FROM incidents.incidents i),
                (SELECT json_agg(r ORDER BY incident_id, holding_id)::text FROM incidents.role_holdings r),
                (SELECT json_agg(h ORDER BY incident_id, handoff_id)::text FROM incidents.handoffs h),
                (SELECT json_agg(t ORDER BY incident_id, event_id)::text FROM incidents.timeline t),
                (SELECT json_agg(p ORDER BY incident_id, participant_id)::text FROM incidents.participants p),
                (SELECT json_agg(s ORDER BY incident_id, stream)::text FROM incidents.streams s),
                (SELECT json_agg(k ORDER BY incident_id, task_number)::text FROM incidents.tasks k),
                (SELECT json_agg(u ORDER BY incident_id, stream, event_id)::text FROM incidents.stream_updates u),
                (SELECT json_agg(c ORDER BY incident_id, item_id)::text FROM incidents.checklist_items c),
                (SELECT json_agg(z ORDER BY incident_id, snooze_id)::text FROM incidents.snoozes z),
                (SELECT json_agg(g ORDER BY incident_id)::text FROM incidents.progress_steps g),
                (SELECT json_agg(w ORDER BY incident_id, site_id)::text FROM incidents.site_tracking w),
                (SELECT json_agg(x ORDER BY incident_id, job_id)::text FROM incidents.restore_stream_waits x))
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

    /// <summary>A second desk on the same database, acting as alice, with runbooks and a cadence policy; the caller disposes it.</summary>
    public Task<IncidentDesk> OpenWithAsync(IncidentDeskOptions options) => IncidentDesk.OpenAsync(Platform.Platform.WithActor("alice"), options);

    /// <summary>The repository's own runbooks folder (runbooks/ beside Lifeboat.slnx).</summary>
    public static string RepositoryRunbooks() => TestFiles.RepositoryRunbooks();

    public async ValueTask DisposeAsync()
    {
        await Desk.DisposeAsync();
        await Platform.DisposeAsync();
    }
}
