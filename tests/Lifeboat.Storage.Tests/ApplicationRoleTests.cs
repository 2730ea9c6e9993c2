using System.Reflection;
using Npgsql;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The attacks on the store's invariants, each made with raw SQL as the application role the product
/// runs as, and each refused by the database with nothing changed: the invariants do not rest on
/// the product's code being the only writer.
/// </summary>
public sealed class ApplicationRoleTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task SettingTheRemovalReason_AndDeleting_IsRefused()
    {
        var (t, before) = await TenantWithHistoryAsync();

        foreach (var sql in new[]
                 {
                     "SET LOCAL lifeboat.removal = 'retention'; DELETE FROM lifeboat.record_history WHERE tenant_id = $1",
                     "SET LOCAL lifeboat.removal = 'erasure'; DELETE FROM lifeboat.records WHERE tenant_id = $1",
                     "SET LOCAL lifeboat.removal = 'retention'; DELETE FROM lifeboat.tenant_history WHERE tenant_id = $1",
                     "SET LOCAL lifeboat.removal = 'retention'; TRUNCATE lifeboat.record_history",
                     "SET LOCAL lifeboat.removal = 'retention'; DELETE FROM lifeboat.destructive_events WHERE tenant_id = $1",
                     "SELECT lifeboat.remove_tenant_data($1, 'mallory', 'because')",
                 })
        {
            (await AttackAsync(sql, t)).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege, sql);
        }

        (await SnapshotAsync(t)).ShouldBe(before);
    }

    [Fact]
    public async Task TheRemovalFunctions_HoldTheCallerToTheDatabasesWindow_AndToASecondPersonsApproval()
    {
        var (t, before) = await TenantWithHistoryAsync();
        var deleted = await fixture.NewTenantAsync("gone");
        await Store.Tenants.DeleteAsync(deleted, "just now");
        var erasure = await Store.WithActor("mallory").Erasures.RequestAsync(t, "no approval");

        // A cutoff a century ahead compacts nothing younger than the window (30 days), whatever the caller's clock says.
        (await ScalarAsync("SELECT lifeboat.compact_history($1, now() + interval '100 years')", t)).ShouldBe(0L);
        (await ScalarAsync("SELECT lifeboat.purge_tenant($1, 'mallory', 'early')", deleted)).ShouldBe(DBNull.Value);
        (await AttackAsync($"SELECT lifeboat.erase_tenant('{erasure.Id.Value}', 'mallory')", t)).MessageText.ShouldContain("has no approval by a second person");
        (await AttackAsync($"SELECT lifeboat.approve_erasure('{erasure.Id.Value}', ' MALLORY ')", t)).MessageText.ShouldContain("cannot also approve it");
        (await AttackAsync("UPDATE lifeboat.erasures SET approved_by = 'bob' WHERE erasure_id = $1".Replace("$1", $"'{erasure.Id.Value}'"), t))
            .SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await AttackAsync("UPDATE lifeboat.settings SET retention_window = interval '0'", t)).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);

        (await SnapshotAsync(t)).ShouldBe(before);
        (await Store.Tenants.GetAsync(deleted)).State.ShouldBe(TenantState.Deleted);
    }

    [Fact]
    public async Task UpdatingHistory_IsRefused_AsTheApplication_AndAsTheOwner()
    {
        var (t, before) = await TenantWithHistoryAsync();

        foreach (var sql in new[]
                 {
                     """UPDATE lifeboat.record_history SET doc = '{"title": "forged"}' WHERE tenant_id = $1""",
                     "UPDATE lifeboat.tenant_history SET actor = 'someone else' WHERE tenant_id = $1",
                     "UPDATE lifeboat.destructive_events SET count = 0 WHERE tenant_id = $1",
                 })
        {
            (await AttackAsync(sql, t)).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege, sql);
            (await AttackAsync(sql, t, fixture.Database.OwnerConnectionString)).MessageText.ShouldContain("append-only", Case.Insensitive, sql);
        }

        (await SnapshotAsync(t)).ShouldBe(before);
    }

    [Fact]
    public async Task UpdatingARecord_WithoutANewPosition_OrAtAnotherTransactionsPosition_IsRefused()
    {
        var (t, before) = await TenantWithHistoryAsync();

        // Keeping the position would overwrite the current version without a trace.
        (await AttackAsync("""UPDATE lifeboat.records SET doc = '{"title": "forged"}' WHERE tenant_id = $1""", t))
            .MessageText.ShouldContain("was written by another transaction: an update must carry a new position");
        // Claiming an older position (setting the transaction's position by hand proves nothing).
        (await AttackAsync("""
            SET LOCAL lifeboat.txn_position = '1';
            UPDATE lifeboat.records SET position = 1, doc = '{"title": "forged"}' WHERE tenant_id = $1
            """, t)).MessageText.ShouldContain("must carry the position its own transaction took");
        // Forging a late version: it would slip into history as if written long ago.
        (await AttackAsync("""
            INSERT INTO lifeboat.records (tenant_id, collection, record_id, position, stamp, actor, deleted, doc)
            SELECT tenant_id, collection, record_id, 1, stamp, 'mallory', false, '{"title": "forged"}' FROM lifeboat.records WHERE tenant_id = $1
            ON CONFLICT (tenant_id, collection, record_id) DO UPDATE SET position = excluded.position, doc = excluded.doc
            """, t)).MessageText.ShouldContain("must carry the position its own transaction took");
        (await AttackAsync("""
            INSERT INTO lifeboat.records (tenant_id, collection, record_id, position, stamp, actor, deleted, doc)
            VALUES ($1, 'tracker.issues', 'new-one', 2, now(), 'mallory', false, '{"title": "forged"}')
            """, t)).MessageText.ShouldContain("must carry the position its own transaction took");

        (await SnapshotAsync(t)).ShouldBe(before);
    }

    [Fact]
    public async Task ChangingATenantsStateAroundItsHistory_IsRefused()
    {
        var (t, before) = await TenantWithHistoryAsync();
        await Store.Tenants.DeleteAsync(t, "the customer left");
        var deleted = await SnapshotAsync(t);

        (await AttackAsync("UPDATE lifeboat.tenants SET state = 'Active' WHERE tenant_id = $1", t))
            .MessageText.ShouldContain("a change of state must be recorded in its history at this transaction's position");
        (await AttackAsync("UPDATE lifeboat.tenants SET created_position = created_position + 1 WHERE tenant_id = $1", t))
            .MessageText.ShouldContain("when it was created never changes");
        (await AttackAsync("""
            INSERT INTO lifeboat.tenant_history (tenant_id, position, stamp, state, actor, reason) VALUES ($1, 1, now(), 'Active', 'mallory', 'forged')
            """, t)).MessageText.ShouldContain("must carry the position its own transaction took");

        (await SnapshotAsync(t)).ShouldBe(deleted);
        deleted.ShouldNotBe(before);
    }

    [Fact]
    public async Task ATransactionWritingTwoTenants_IsRefused_WhenTheSecondChangedAfterItTookItsPosition()
    {
        var first = await fixture.NewTenantAsync("first");
        var second = await fixture.NewTenantAsync("second");
        var secondBefore = await SnapshotAsync(second);
        var firstBefore = await SnapshotAsync(first);

        await using (var tx = await Store.BeginTransactionAsync())
        {
            await Store.Records.WriteAsync(Store.Records.Batch(first).Put(Docs.Issues, "a", Docs.Issue("in the first")), tx);
            // Meanwhile the second tenant is suspended and resumed: changes at later positions than the transaction's.
            await Store.Tenants.SuspendAsync(second, "maintenance");
            await Store.Tenants.ResumeAsync(second, "maintenance over");
            var afterChange = await SnapshotAsync(second);

            var refused = await Should.ThrowAsync<TransactionTooOldException>(() =>
                Store.Records.WriteAsync(Store.Records.Batch(second).Put(Docs.Issues, "b", Docs.Issue("in the second")), tx));

            refused.Message.ShouldContain($"before tenant {second} changed");
            refused.Message.ShouldContain("Retry the transaction");
            refused.Tenant.ShouldBe(second);
            (await SnapshotAsync(second)).ShouldBe(afterChange);
        }

        (await SnapshotAsync(first)).ShouldBe(firstBefore, "the refused transaction wrote nothing");

        // Retried, it takes a new position, and both versions carry it.
        await using (var retry = await Store.BeginTransactionAsync())
        {
            var a = await Store.Records.WriteAsync(Store.Records.Batch(first).Put(Docs.Issues, "a", Docs.Issue("in the first")), retry);
            var b = await Store.Records.WriteAsync(Store.Records.Batch(second).Put(Docs.Issues, "b", Docs.Issue("in the second")), retry);
            await retry.CommitAsync();
            b.Position.ShouldBe(a.Position);
            b.Position.ShouldBeGreaterThan((await Store.Tenants.GetAsync(second)).StatePosition);
        }

        (await SnapshotAsync(second)).ShouldNotBe(secondBefore);
    }

    [Fact]
    public async Task AnUnmigratedDatabase_OpenedAsTheApplicationRoleAlone_IsRefusedSayingWhichConnectionToGive_ThenOpensOnceMigrated()
    {
        await using var fresh = await PostgresServer.CreateDatabaseAsync("unmigrated");
        StoreOptions Options(string? owner) => new()
        {
            ConnectionString = fresh.ConnectionString,
            OwnerConnectionString = owner,
            BlobDirectory = fixture.BlobDirectory,
            Actor = "test",
        };

        var refused = await Should.ThrowAsync<StoreConfigurationException>(() => TenantStore.OpenAsync(Options(null)));
        refused.Message.ShouldContain("the role lifeboat_app may not apply them");
        refused.Message.ShouldContain("--owner-connection");

        await (await TenantStore.OpenAsync(Options(fresh.OwnerConnectionString))).DisposeAsync();
        await using var asApplication = await TenantStore.OpenAsync(Options(null));
        (await asApplication.Tenants.CreateAsync(TenantId.Parse("t-after-migration"))).State.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task ASchemaNewerThanThisProgram_IsRefused_AsTheApplicationRoleToo()
    {
        await using var fresh = await PostgresServer.CreateDatabaseAsync("newer");
        StoreOptions Options(string? owner) => new()
        {
            ConnectionString = fresh.ConnectionString,
            OwnerConnectionString = owner,
            BlobDirectory = fixture.BlobDirectory,
            Actor = "test",
        };
        await (await TenantStore.OpenAsync(Options(fresh.OwnerConnectionString))).DisposeAsync();
        await using (var owner = new NpgsqlConnection(fresh.OwnerConnectionString))
        {
            await owner.OpenAsync();
            await using var later = new NpgsqlCommand(
                "INSERT INTO lifeboat.schema_migrations (module, version, name) SELECT module, max(version) + 1, 'from a later Lifeboat' FROM lifeboat.schema_migrations WHERE module = 'store' GROUP BY module",
                owner);
            await later.ExecuteNonQueryAsync();
        }

        foreach (var owner in new[] { null, fresh.OwnerConnectionString })
        {
            (await Should.ThrowAsync<StoreConfigurationException>(() => TenantStore.OpenAsync(Options(owner)))).Message.ShouldContain("newer than this program knows");
        }
    }

    [Fact]
    public void RawSqlAccessToTenantTables_IsNotPartOfThePublicSurface()
    {
        Property(typeof(TenantStore), "DataSource").ShouldBeNull();
        Property(typeof(StoreTransaction), "Connection").ShouldBeNull();
        Property(typeof(StoreTransaction), "Transaction").ShouldBeNull();
        typeof(WriteBatch).GetMethod("Include", BindingFlags.Public | BindingFlags.Instance).ShouldBeNull();
        typeof(TenantStore).Assembly.GetExportedTypes().SelectMany(type => type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Where(p => typeof(NpgsqlDataSource).IsAssignableFrom(p.PropertyType) || typeof(NpgsqlConnection).IsAssignableFrom(p.PropertyType))
            .Select(p => $"{p.DeclaringType!.Name}.{p.Name}").ShouldBeEmpty();

        static PropertyInfo? Property(Type type, string name) => type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
    }

    /// <summary>A tenant with a few versions of a record, a deleted record, and its lifecycle history.</summary>
    private async Task<(TenantId Tenant, string Snapshot)> TenantWithHistoryAsync()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("v1"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("v2"));
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "b");
        await Store.Tenants.SuspendAsync(t, "billing");
        await Store.Tenants.ResumeAsync(t, "paid");
        return (t, await SnapshotAsync(t));
    }

    /// <summary>Every row of the tenant, current and past, as the owner reads it.</summary>
    private async Task<string> SnapshotAsync(TenantId tenant)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT string_agg(format('%s %s %s %s %s', collection, record_id, position, deleted, doc), ';' ORDER BY collection, record_id) FROM lifeboat.records WHERE tenant_id = $1),
                (SELECT string_agg(format('%s %s %s %s', collection, record_id, position, doc), ';' ORDER BY position, collection, record_id) FROM lifeboat.record_history WHERE tenant_id = $1),
                (SELECT format('%s %s %s', state, state_position, created_position) FROM lifeboat.tenants WHERE tenant_id = $1),
                (SELECT string_agg(format('%s %s %s', position, state, actor), ';' ORDER BY position) FROM lifeboat.tenant_history WHERE tenant_id = $1),
                (SELECT string_agg(format('%s %s %s', position, action, count), ';' ORDER BY position) FROM lifeboat.destructive_events WHERE tenant_id = $1))
            """, connection);
        cmd.Parameters.Add(new() { Value = tenant.Value });
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs <paramref name="sql"/> in a transaction as the application role (or another), and returns the database's refusal.</summary>
    private async Task<PostgresException> AttackAsync(string sql, TenantId tenant, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var statements = sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var refusal = await Should.ThrowAsync<PostgresException>(async () =>
        {
            foreach (var statement in statements)
            {
                await using var cmd = new NpgsqlCommand(statement, connection, tx);
                if (statement.Contains("$1", StringComparison.Ordinal))
                {
                    cmd.Parameters.Add(new() { Value = tenant.Value });
                }

                await cmd.ExecuteNonQueryAsync();
            }

            await tx.CommitAsync();
        });
        return refusal;
    }

    private async Task<object?> ScalarAsync(string sql, TenantId tenant)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new() { Value = tenant.Value });
        return await cmd.ExecuteScalarAsync();
    }
}
