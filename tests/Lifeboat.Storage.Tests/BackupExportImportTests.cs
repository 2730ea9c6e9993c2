using Npgsql;
using System.Text;
using Lifeboat.Storage.Backups;

namespace Lifeboat.Storage.Tests;

/// <summary>The store's export and import of versions, without files: what the platform's backups stand on.</summary>
public sealed class BackupExportImportTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task FullThenIncrementalExport_ImportedIntoAnEmptyStore_GivesEveryVersionWithTheSamePositions()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a1", "open", "ann"));
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b1"));
        await Store.Blobs.PutAsync(t, Docs.Attachments, "f", new MemoryStream(Encoding.UTF8.GetBytes("bytes of " + t)));
        var full = await ExportAsync(0, t);
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a2", "closed", "bob"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "b");
        var incremental = await ExportAsync(full.UpTo, t);

        incremental.Versions.ShouldBe(2, "only the versions after the full backup's position");
        await using var target = await EmptyStoreAsync();
        var result = await ImportAsync(target.Store, RecoveryPoint.AtPosition(incremental.UpTo), t, full, incremental);

        result.TenantsCreated.ShouldBe(1);
        result.Versions.ShouldBe(5);
        (await target.Store.Records.SnapshotAsync(t)).Fingerprint().ShouldBe((await Store.Records.SnapshotAsync(t)).Fingerprint());
        (await target.Store.Records.HistoryAsync(t, "tracker.issues", "a")).Fingerprint().ShouldBe((await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Fingerprint());
        (await target.Store.Tenants.GetAsync(t)).ShouldBe(await Store.Tenants.GetAsync(t));
        (await target.Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "f")).ShouldBe(Encoding.UTF8.GetBytes("bytes of " + t), "blob files were already in the shared blob folder");
        var next = await target.Store.Records.PutAsync(t, Docs.Issues, "c", Docs.Issue("after the import"));
        next.Position.ShouldBeGreaterThan(incremental.UpTo, "the imported store's positions continue above the imported ones");
    }

    [Fact]
    public async Task ImportIntoTheLiveStore_AddsOnlyMissingVersions_AndNeverTouchesNewerOnes()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a1"));
        var full = await ExportAsync(0, t);
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a2"));
        var before = (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Fingerprint();

        var result = await ImportAsync(Store, RecoveryPoint.AtPosition(full.UpTo), t, full);

        result.Versions.ShouldBe(0, "every exported version is still in the store");
        result.TenantsCreated.ShouldBe(0);
        (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Fingerprint().ShouldBe(before);
    }

    [Fact]
    public async Task ImportIntoALiveStoreThatLostRows_PutsOlderVersionsInHistory_AndBringsBackLostCurrentOnes()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a1"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a2"));
        var b = await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b1"));
        var full = await ExportAsync(0, t);
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a3, written after the backup"));
        var historyOfA = (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Fingerprint();
        await LoseRowsAsync(t);
        (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Count.ShouldBe(1);

        var result = await ImportAsync(Store, RecoveryPoint.AtPosition(full.UpTo), t, full);

        result.Versions.ShouldBe(3);
        (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Fingerprint().ShouldBe(historyOfA);
        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("a3, written after the backup");
        (await Store.Records.GetAsync(t, "tracker.issues", "b"))!.Position.ShouldBe(b.Position);
    }

    [Fact]
    public async Task AnImport_KeepsTheBlobFilesItNeeds_FromRetentionRunsBeforeItCommits()
    {
        var t = await fixture.NewTenantAsync();
        var bytes = Encoding.UTF8.GetBytes("an attachment whose record was lost " + t);
        await Store.Blobs.PutAsync(t, Docs.Attachments, "f", new MemoryStream(bytes));
        var full = await ExportAsync(0, t);
        await LoseRowsAsync(t, everyRecord: true);
        await using var import = await Store.Backups.BeginImportAsync(new ImportScope { Tenant = t, Point = RecoveryPoint.AtPosition(full.UpTo) });
        await import.StageRowsAsync(new MemoryStream(full.Store), 0);
        await import.StageVersionsAsync(new MemoryStream(full.VersionLines));
        (await import.PrepareAsync()).ShouldBeEmpty("the file is still in the blob folder, though nothing committed refers to it");

        // A long import: retention runs, twice past the grace period, before it commits.
        for (var i = 0; i < 2; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
            await Store.Retention.RunAsync();
        }

        await import.CommitAsync();
        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "f")).ShouldBe(bytes);
    }

    [Fact]
    public async Task Import_OfAPurgedTenant_IsRefused()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("secret"));
        var full = await ExportAsync(0, t);
        var erasure = await Store.WithActor("ann").Erasures.RequestAsync(t, "GDPR art. 17");
        await Store.WithActor("bob").Erasures.ApproveAsync(erasure.Id);
        await Store.Erasures.ExecuteAsync(erasure.Id);

        var e = await Should.ThrowAsync<TenantStateException>(() => ImportAsync(Store, RecoveryPoint.AtPosition(full.UpTo), t, full));

        e.State.ShouldBe(TenantState.Purged);
        e.Message.ShouldContain("does not bring it back");
    }

    [Fact]
    public async Task Export_WaitsForATransactionHoldingAnEarlierPosition_SoNoCommitFallsBetweenTwoBackups()
    {
        var t = await fixture.NewTenantAsync();
        await using var slow = await Store.BeginTransactionAsync();
        var inFlight = await Store.Records.WriteAsync(Store.Records.Batch(t).Put(Docs.Issues, "late", Docs.Issue("committed after a later write")), slow);
        await Store.Records.PutAsync(await fixture.NewTenantAsync(), Docs.Issues, "x", Docs.Issue("a later position, committed first"));

        var export = Task.Run(() => ExportAsync(0, t));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        export.IsCompleted.ShouldBeFalse("the export waits for the open transaction");
        await slow.CommitAsync(TestContext.Current.CancellationToken);
        var exported = await export;

        exported.UpTo.ShouldBeGreaterThanOrEqualTo(inFlight.Position);
        exported.Versions.ShouldBe(1);
    }

    [Fact]
    public async Task Export_GivesUpOnATransactionThatStaysOpen_NamingIt()
    {
        await using var idle = await Store.BeginTransactionAsync();
        await using (var cmd = idle.Command("SELECT 1"))
        {
            await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        var e = await Should.ThrowAsync<StoreException>(() => Store.Backups.BeginExportAsync(new ExportRequest { SettleTimeout = TimeSpan.FromMilliseconds(200) }));

        e.Message.ShouldContain("idle in transaction");
        e.Message.ShouldContain("Nothing was written");
    }

    /// <summary>Simulates a damaged database: the tenant's history and record "b" (or every record) are gone (the guard is passed as the retention job would).</summary>
    private async Task LoseRowsAsync(TenantId t, bool everyRecord = false)
    {
        // As the owner: the application role cannot remove rows at all; this stages a disaster, not a path of the product.
        await using var connection = new NpgsqlConnection(fixture.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        foreach (var sql in new[]
        {
            "SELECT set_config('lifeboat.removal', 'retention', true)",
            "DELETE FROM lifeboat.record_history WHERE tenant_id = $1",
            everyRecord ? "DELETE FROM lifeboat.records WHERE tenant_id = $1" : "DELETE FROM lifeboat.records WHERE tenant_id = $1 AND record_id = 'b'",
        })
        {
            await using var cmd = new NpgsqlCommand(sql, connection, tx);
            if (sql.Contains("$1", StringComparison.Ordinal))
            {
                cmd.Parameters.Add(new() { Value = t.Value });
            }

            await cmd.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }

    private async Task<Exported> ExportAsync(long after, TenantId tenant)
    {
        await using var session = await Store.Backups.BeginExportAsync(new ExportRequest { AfterPosition = after });
        var versions = new MemoryStream();
        var store = new MemoryStream();
        var v = await session.WriteVersionsAsync(versions, tenant);
        await session.WriteStoreAsync(store, tenant);
        return new Exported(session.UpToPosition, v.Versions, versions.ToArray(), store.ToArray());
    }

    private static async Task<ImportResult> ImportAsync(TenantStore target, RecoveryPoint point, TenantId? tenant, params Exported[] chain)
    {
        await using var import = await target.Backups.BeginImportAsync(new ImportScope { Tenant = tenant, Point = point });
        for (var i = 0; i < chain.Length; i++)
        {
            await import.StageRowsAsync(new MemoryStream(chain[i].Store), i);
            await import.StageVersionsAsync(new MemoryStream(chain[i].VersionLines));
        }

        (await import.PrepareAsync()).ShouldBeEmpty();
        return await import.CommitAsync();
    }

    private async Task<EmptyStore> EmptyStoreAsync()
    {
        var database = await PostgresServer.CreateDatabaseAsync("import");
        var store = await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = database.ConnectionString,
            OwnerConnectionString = database.OwnerConnectionString,
            BlobDirectory = fixture.BlobDirectory,
            Actor = "test",
        });
        return new EmptyStore(database, store);
    }

    private sealed record Exported(long UpTo, long Versions, byte[] VersionLines, byte[] Store);

    private sealed class EmptyStore(TestDatabase database, TenantStore store) : IAsyncDisposable
    {
        public TenantStore Store { get; } = store;

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            await database.DisposeAsync();
        }
    }
}
