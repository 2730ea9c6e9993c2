using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Backups.Sealing;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Retrospectives.Tests;

/// <summary>
/// An environment backup carries the retro schema beside the platform's, the incidents' and the communication tables: after the
/// live database is lost, the retrospective comes back with its draft, KPT revisions and actions, and the desk goes on from them.
/// </summary>
public sealed class RetroBackupTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lifeboat-retro-backups", Guid.NewGuid().ToString("n"));
    private readonly BackupKeyring _keys = BackupKeyring.Generate();
    private readonly TestClock _clock = new();
    private readonly List<IAsyncDisposable> _owned = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task AnEnvironmentRestore_BringsBackEveryRetrospectiveRow_AndTheDeskGoesOnFromThem()
    {
        var live = await DatabaseAsync("retro-live");
        IncidentId incident;
        string before;
        await using (var platform = await LifeboatPlatform.OpenAsync(Options(live, "blobs")))
        {
            await platform.Operators.CreateAsync("erin", "Erin", [Roles.IncidentCommander]);
            await using var incidents = await IncidentDesk.OpenAsync(platform.WithActor("alice"));
            await using var comms = await CommunicationDesk.OpenAsync(platform.WithActor("alice"), incidents);
            await using var desk = await RetrospectiveDesk.OpenAsync(platform.WithActor("alice"), incidents, comms);
            incident = (await incidents.DeclareAsync(new IncidentDeclaration { Title = "Drill: 20 sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev2 })).Id;
            await incidents.AssignAsync(incident, IncidentRole.Commander, "erin");
            var erin = desk.WithActor("erin");
            await erin.OpenRetrospectiveAsync(incident, drill: true);
            var entry = await erin.AddEntryAsync(incident, EntryKind.Problem, "the restore waited for a person");
            await erin.ReviseEntryAsync(incident, entry.Number, "the restore waited for a person to approve it");
            await erin.AddActionAsync(incident, new ActionDraft { Kind = ActionKind.RecoverFaster, Title = "pre-approve drill restores", Owner = "erin", Due = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime).AddDays(3) });
            await erin.MarkNotNeededAsync(incident, ActionKind.DetectSooner, "detected within one window");
            await platform.Backups.FullAsync();
            before = await StateAsync(live.ConnectionString);
        }

        var target = await DatabaseAsync("retro-restored");
        await new BackupDirectory(Path.Combine(_folder, "backups"), _keys, _clock).RestoreEnvironmentAsync(Options(target, "restored-blobs"));
        (await StateAsync(target.ConnectionString)).ShouldBe(before, "every retrospective row comes back as it was");

        await using var restored = await LifeboatPlatform.OpenAsync(Options(target, "restored-blobs"));
        await using var restoredIncidents = await IncidentDesk.OpenAsync(restored.WithActor("alice"));
        await using var restoredComms = await CommunicationDesk.OpenAsync(restored.WithActor("alice"), restoredIncidents);
        await using var restoredDesk = await RetrospectiveDesk.OpenAsync(restored.WithActor("alice"), restoredIncidents, restoredComms);
        var retro = await restoredDesk.GetAsync(incident);
        retro.Drill.ShouldBeTrue();
        retro.Entries.Single().Revisions.Count.ShouldBe(2);
        (await restoredDesk.WithActor("erin").AddEntryAsync(incident, EntryKind.Try, "approve drill restores ahead")).Number.ShouldBe(2);
    }

    private static async Task<string> StateAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(r ORDER BY incident_id)::text FROM retro.retrospectives r),
                (SELECT json_agg(d ORDER BY incident_id, draft_number)::text FROM retro.drafts d),
                (SELECT json_agg(e ORDER BY incident_id, entry_number)::text FROM retro.entries e),
                (SELECT json_agg(v ORDER BY incident_id, entry_number, revision)::text FROM retro.entry_revisions v),
                (SELECT json_agg(a ORDER BY incident_id, action_number)::text FROM retro.actions a),
                (SELECT json_agg(n ORDER BY incident_id, kind)::text FROM retro.kinds_not_needed n))
            """, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private PlatformOptions Options(TestDatabase database, string blobFolder) => new()
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
        Modules = [IncidentDesk.Module, CommunicationDesk.Module, RetrospectiveDesk.Module],
    };

    private async Task<TestDatabase> DatabaseAsync(string purpose)
    {
        var database = await PostgresServer.CreateDatabaseAsync(purpose);
        _owned.Add(database);
        return database;
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
