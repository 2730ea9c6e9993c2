using Lifeboat.Platform;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Backups.Sealing;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Incidents.Tests;

/// <summary>
/// An environment backup carries the incidents schema beside the platform's tables: after the live database
/// is lost, the incidents come back with their roles, handoffs and timeline, and the desk goes on from them.
/// </summary>
public sealed class IncidentBackupTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lifeboat-incident-backups", Guid.NewGuid().ToString("n"));
    private readonly BackupKeyring _keys = BackupKeyring.Generate();
    private readonly TestClock _clock = new();
    private readonly List<IAsyncDisposable> _owned = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task EveryTableOfTheIncidentsSchema_IsNamedInTheModule()
    {
        var database = await DatabaseAsync("incident-tables");
        await using (await LifeboatPlatform.OpenAsync(Options(database, "blobs", withModule: true)))
        {
        }

        var tables = await ReadAsync(database.ConnectionString,
            "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'incidents' AND table_type = 'BASE TABLE'");
        tables.Split(',').ShouldBe(IncidentDesk.Module.Tables.Select(t => t.Name), ignoreOrder: true);
    }

    [Fact]
    public async Task AnEnvironmentRestore_BringsBackEveryIncidentRow_AndTheDeskGoesOnFromThem()
    {
        var live = await DatabaseAsync("incidents-live");
        await using var platform = await LifeboatPlatform.OpenAsync(Options(live, "blobs", withModule: true));
        var incident = await WorkAnIncidentAsync(platform);
        await platform.Backups.FullAsync();
        var before = await StateAsync(live.ConnectionString);

        var target = await DatabaseAsync("incidents-restored");
        await new BackupDirectory(Path.Combine(_folder, "backups"), _keys, _clock).RestoreEnvironmentAsync(Options(target, "restored-blobs", withModule: true));

        (await StateAsync(target.ConnectionString)).ShouldBe(before, "every incident row comes back as it was");
        await using var restored = await LifeboatPlatform.OpenAsync(Options(target, "restored-blobs", withModule: true));
        await using var desk = await IncidentDesk.OpenAsync(restored.WithActor("frank"));
        (await desk.GetAsync(incident)).Title.ShouldBe("883 sites deleted by a cleanup script");
        // The identities continue above the restored rows: new events and holdings get IDs of their own.
        var note = await desk.NoteAsync(incident, "back after the database was rebuilt");
        var timeline = await desk.TimelineAsync(incident);
        timeline[0].Id.ShouldBe(note.Id);
        timeline.Select(e => e.Id).ShouldBeUnique();
        timeline.Count(e => e.PinnedAt is not null).ShouldBe(1);
        await desk.AssignAsync(incident, IncidentRole.Scribe, "gina");
        (await desk.RolesAsync(incident)).Select(h => (h.Role, h.Person)).ShouldBe([(IncidentRole.Commander, "frank"), (IncidentRole.Scribe, "gina")], ignoreOrder: true);
    }

    [Fact]
    public async Task ABackupTakenWithoutTheModule_IsRefused_RatherThanLeavingTheIncidentsOut()
    {
        var live = await DatabaseAsync("incidents-unnamed");
        await using (var platform = await LifeboatPlatform.OpenAsync(Options(live, "blobs", withModule: true)))
        {
            await WorkAnIncidentAsync(platform);
        }

        await using var without = await LifeboatPlatform.OpenAsync(Options(live, "blobs", withModule: false));
        var refused = await Should.ThrowAsync<PlatformException>(() => without.Backups.FullAsync());

        refused.Message.ShouldContain("holds the 'incidents' module's tables, but this Lifeboat was opened without that module");
        refused.Message.ShouldContain("No backup was written");
        var backups = Path.Combine(_folder, "backups");
        (Directory.Exists(backups) ? Directory.EnumerateFileSystemEntries(backups) : []).ShouldBeEmpty();
    }

    [Fact]
    public async Task ARestoreIntoAHostWithoutTheModule_IsRefused_BeforeAnythingIsCreated()
    {
        var live = await DatabaseAsync("incidents-source");
        await using (var platform = await LifeboatPlatform.OpenAsync(Options(live, "blobs", withModule: true)))
        {
            await WorkAnIncidentAsync(platform);
            await platform.Backups.FullAsync();
        }

        var target = await DatabaseAsync("incidents-no-module");
        var refused = await Should.ThrowAsync<PlatformException>(() =>
            new BackupDirectory(Path.Combine(_folder, "backups"), _keys, _clock).RestoreEnvironmentAsync(Options(target, "restored-blobs", withModule: false)));

        refused.Message.ShouldContain("carries the 'incidents' module's tables, but this Lifeboat was opened without that module");
        (await ReadAsync(target.ConnectionString, "SELECT count(*)::text FROM information_schema.schemata WHERE schema_name IN ('lifeboat', 'platform', 'incidents')")).ShouldBe("0");
    }

    private static async Task<IncidentId> WorkAnIncidentAsync(LifeboatPlatform platform)
    {
        await using var desk = await IncidentDesk.OpenAsync(platform.WithActor("alice"), new IncidentDeskOptions { RunbookFolder = DeskFixture.RepositoryRunbooks() });
        var incident = await desk.DeclareAsync(new IncidentDeclaration { Title = "883 sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1 });
        await desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        var handoff = await desk.WithActor("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "412 of 883 restored; wave 4 queued.");
        await desk.WithActor("frank").AcknowledgeHandoffAsync(incident.Id, handoff.Id);
        var note = await desk.NoteAsync(incident.Id, "the script fed site IDs where app IDs were expected");
        await desk.PinAsync(incident.Id, note.Id);
        // A claimed checklist item and its task name each other: both must come back.
        await desk.WithActor("erin").ClaimChecklistItemAsync(incident.Id, "stop-the-cause");
        await desk.OpenStreamAsync(incident.Id, new StreamOpening { Slug = "eu-restores", Lead = "erin", Goal = "every EU site back" });
        return incident.Id;
    }

    private PlatformOptions Options(TestDatabase database, string blobFolder, bool withModule) => new()
    {
        Store = new StoreOptions
        {
            ConnectionString = database.ConnectionString,
            OwnerConnectionString = database.OwnerConnectionString,
            BlobDirectory = Path.Combine(_folder, blobFolder),
            TimeProvider = _clock,
            Actor = "test",
        },
        Backups = new BackupOptions { Directory = Path.Combine(_folder, "backups"), SettleTimeout = TimeSpan.FromSeconds(20), Keys = _keys },
        Modules = withModule ? [IncidentDesk.Module] : [],
    };

    private async Task<TestDatabase> DatabaseAsync(string purpose)
    {
        var database = await PostgresServer.CreateDatabaseAsync(purpose);
        _owned.Add(database);
        return database;
    }

    private static async Task<string> StateAsync(string connectionString) => await ReadAsync(connectionString, """
        SELECT concat_ws(E'\n',
            (SELECT json_agg(i ORDER BY incident_id)::text FROM incidents.incidents i),
            (SELECT json_agg(r ORDER BY incident_id, holding_id)::text FROM incidents.role_holdings r),
            (SELECT json_agg(h ORDER BY incident_id, handoff_id)::text FROM incidents.handoffs h),
            (SELECT json_agg(t ORDER BY incident_id, event_id)::text FROM incidents.timeline t),
            (SELECT json_agg(p ORDER BY incident_id, participant_id)::text FROM incidents.participants p),
            (SELECT json_agg(s ORDER BY incident_id, stream)::text FROM incidents.streams s),
            (SELECT json_agg(k ORDER BY incident_id, task_number)::text FROM incidents.tasks k),
            (SELECT json_agg(c ORDER BY incident_id, item_id)::text FROM incidents.checklist_items c))
        """);

    private static async Task<string> ReadAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
