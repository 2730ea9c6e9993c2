using Npgsql;

namespace Lifeboat.Storage.Tests;

/// <summary>The destructive-write log: written by the database for every path, never rewritten, read without skipping.</summary>
public sealed class DestructiveWriteLogTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task Feed_AWriteThatCommitsAfterAHigherOne_IsReadAllTheSame()
    {
        var (early, late) = (await fixture.NewTenantAsync(), await fixture.NewTenantAsync());
        await Store.Records.PutAsync(early, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.PutAsync(late, Docs.Issues, "b", Docs.Issue("b"));
        var feed = Store.DestructiveWrites.Feed();
        var cursor = await ReadSettledAsync(feed, 0, [], until: _ => true);

        // The early deletion draws its event ID first and commits last, as two parallel scripts can.
        await using var slow = await Store.BeginTransactionAsync();
        await Store.Records.WriteAsync(Store.Records.Batch(early).Delete("tracker.issues", "a"), slow);
        await Store.Records.DeleteAsync(late, "tracker.issues", "b");
        var seen = new List<DestructiveWrite>();
        cursor = await ReadSettledAsync(feed, cursor, seen, until: _ => false);
        seen.ShouldNotContain(w => w.Tenant == early || w.Tenant == late, "nothing past the uncommitted event has settled");
        await slow.CommitAsync();
        cursor = await ReadSettledAsync(feed, cursor, seen, until: s => s.Any(w => w.Tenant == late));

        var ours = seen.Where(w => w.Tenant == early || w.Tenant == late).ToList();
        ours.Select(w => w.Tenant).ShouldBe([early, late]);
        ours[0].EventId.ShouldBeLessThan(ours[1].EventId);
        cursor.ShouldBeGreaterThanOrEqualTo(ours[1].EventId);
    }

    [Fact]
    public async Task EveryPathThatDestroys_IsLogged_RestoresRawUpdatesAndTenantDeletionsToo()
    {
        var t = await fixture.NewTenantAsync();
        var before = await Store.Records.PutAsync(t, Docs.Issues, "kept", Docs.Issue("kept"));
        await Store.Records.PutAsync(t, Docs.Issues, "born later", Docs.Issue("born after the point"));
        var start = await Store.DestructiveWrites.LatestAsync();

        // A restore to a point before a record existed tombstones it.
        await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(before.Position));
        // A raw update that writes a tombstone, bypassing the store's delete.
        await ExecAsync($"""
            WITH g AS (SELECT * FROM lifeboat.gate_write('{t}'))
            UPDATE lifeboat.records r SET deleted = true, doc = NULL, position = g.pos, stamp = g.stamp, actor = 'raw-sql'
            FROM g WHERE r.tenant_id = '{t}' AND r.record_id = 'kept'
            """);
        await Store.Tenants.DeleteAsync(t, "end of the test");

        var logged = (await Store.DestructiveWrites.ReadAsync(start)).Where(w => w.Tenant == t).ToList();
        logged.Select(w => (w.Key, w.Count)).ShouldBe([("record.delete:tracker.issues", 1), ("record.delete:tracker.issues", 1), ("tenant.delete", 1)]);
        logged[0].Actor.ShouldStartWith("restore:");
        logged[1].Actor.ShouldBe("raw-sql");
        logged[2].Actor.ShouldBe("test");
    }

    [Fact]
    public async Task TheLog_RefusesUpdatesAndDeletes()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "a");

        var update = $"UPDATE lifeboat.destructive_events SET count = 0 WHERE tenant_id = '{t}'";
        var delete = $"DELETE FROM lifeboat.destructive_events WHERE tenant_id = '{t}'";

        // The application role may not touch it; the owner, which may, is stopped by the log's triggers.
        (await Should.ThrowAsync<PostgresException>(() => ExecAsync(update))).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await Should.ThrowAsync<PostgresException>(() => ExecAsync(delete))).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await Should.ThrowAsync<PostgresException>(() => ExecAsync(update, fixture.Database.OwnerConnectionString))).MessageText.ShouldContain("append-only");
        (await Should.ThrowAsync<PostgresException>(() => ExecAsync(delete, fixture.Database.OwnerConnectionString))).MessageText.ShouldContain("never removed directly");
        (await Store.DestructiveWrites.SinceAsync(0)).Where(w => w.Tenant == t).Select(w => w.Count).ShouldBe([1]);
    }

    /// <summary>
    /// Reads until <paramref name="until"/> holds, for at most a few seconds. A bound settles once no older
    /// transaction of the cluster is running, and other tests' databases share the cluster.
    /// </summary>
    private static async Task<long> ReadSettledAsync(DestructiveWriteFeed feed, long cursor, List<DestructiveWrite> into, Func<List<DestructiveWrite>, bool> until)
    {
        for (var i = 0; i < 50 && (i < 3 || !until(into)); i++)
        {
            var read = await feed.ReadAsync(cursor);
            into.AddRange(read.Writes);
            cursor = read.Cursor;
            await Task.Delay(20);
        }

        return cursor;
    }

    private async Task ExecAsync(string sql, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? fixture.Database.ConnectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // the test's own statements
        await using var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync();
    }
}
