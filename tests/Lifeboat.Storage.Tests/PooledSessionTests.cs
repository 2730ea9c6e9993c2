using Npgsql;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The store's pool does not reset a connection when it is returned (No Reset On Close), so nothing the store runs
/// may leave session state on it. A pool of one connection makes every call reuse the same session.
/// </summary>
public sealed class PooledSessionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task ReturnedConnection_AfterWritesARestoreAndADeletion_CarriesNoSessionStateIntoTheNextUse()
    {
        var options = fixture.Options();
        await using var store = await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxPoolSize = 1 }.ConnectionString,
            OwnerConnectionString = options.OwnerConnectionString,
            BlobDirectory = options.BlobDirectory,
            TimeProvider = options.TimeProvider,
            Actor = "pool-test",
            RestoreChunkSize = 2,
        });
        var tenant = TenantId.Parse($"pool-{Guid.NewGuid():n}");
        await store.Tenants.CreateAsync(tenant);
        var point = await store.Records.PutAsync(tenant, Docs.Issues, "a", Docs.Issue("kept"));
        var first = await SessionAsync(store);
        await store.Records.PutAsync(tenant, Docs.Issues, "b", Docs.Issue("later"));
        await store.Records.PutAsync(tenant, Docs.Issues, "c", Docs.Issue("later"));
        await store.Records.DeleteAsync(tenant, Docs.Issues.Name, "a");
        await store.Restores.RestoreAsync(tenant, RecoveryPoint.AtPosition(point.Position));
        await store.Tenants.DeleteAsync(tenant, "pool test");

        var after = await SessionAsync(store);

        after.Pid.ShouldBe(first.Pid, "the pool of one hands back the same session, so the check means something");
        after.ShouldBe(first with { Pid = after.Pid }, "role, settings, locks and temp tables as before");
        after.Position.ShouldBeNullOrEmpty("a transaction's commit position must not outlive it");
        after.SetForTheSession.ShouldBeNull("no setting may be set for the session (a restore chunk's synchronous_commit = off is for its transaction)");
        after.AdvisoryLocks.ShouldBe(0);
        after.TempTables.ShouldBe(0);
    }

    private sealed record Session(int Pid, string User, string? Position, string? Operation, string? SetForTheSession, long AdvisoryLocks, long TempTables);

    private static async Task<Session> SessionAsync(TenantStore store)
    {
        await using var cmd = store.DataSource.CreateCommand("""
            SELECT pg_backend_pid(), current_user, current_setting('lifeboat.txn_position', true), current_setting('lifeboat.operation', true),
                   (SELECT string_agg(name, ', ') FROM pg_settings WHERE source = 'session'),
                   (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'),
                   (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema())
            """);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Session(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6));
    }
}
