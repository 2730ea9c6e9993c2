using Npgsql;

namespace Lifeboat.Storage.Tests;

public sealed class RecordStoreTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task Put_ThenGet_ReturnsTheDocumentAndWhoWroteIt()
    {
        var t = await fixture.NewTenantAsync();
        var write = await Store.WithActor("alice").Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("Login fails"));

        var got = await Store.Records.GetAsync(t, "tracker.issues", "iss-1");

        got.ShouldNotBeNull();
        got.Title().ShouldBe("Login fails");
        got.Actor.ShouldBe("alice");
        got.Position.ShouldBe(write.Position);
    }

    [Fact]
    public async Task Put_Twice_KeepsEveryVersionInHistory()
    {
        var t = await fixture.NewTenantAsync();
        var first = await Store.Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("v1"));
        var second = await Store.Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("v2"));

        var history = await Store.Records.HistoryAsync(t, "tracker.issues", "iss-1");

        history.Select(v => v.Title()).ShouldBe(["v1", "v2"]);
        history.Select(v => v.Position).ShouldBe([first.Position, second.Position]);
        second.Position.ShouldBeGreaterThan(first.Position);
    }

    [Fact]
    public async Task Delete_WritesATombstone_TheRecordIsGoneButItsVersionsStay()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("doomed"));

        (await Store.Records.DeleteAsync(t, "tracker.issues", "iss-1")).Deleted.ShouldBe(1);
        (await Store.Records.DeleteAsync(t, "tracker.issues", "iss-1")).Deleted.ShouldBe(0, "deleting twice is not an error");

        (await Store.Records.GetAsync(t, "tracker.issues", "iss-1")).ShouldBeNull();
        var deleted = await Store.Records.ListDeletedAsync(t, "tracker.issues");
        deleted.Select(r => r.Id).ShouldBe(["iss-1"]);
        var history = await Store.Records.HistoryAsync(t, "tracker.issues", "iss-1");
        history.Select(v => v.Deleted).ShouldBe([false, true]);
        history[0].Title().ShouldBe("doomed");
    }

    [Fact]
    public async Task Undelete_BringsBackTheLastLiveContent()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("first"));
        await Store.Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("last", "closed"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "iss-1");

        await Store.Records.UndeleteAsync(t, "tracker.issues", "iss-1");

        var back = await Store.Records.GetAsync(t, "tracker.issues", "iss-1");
        back!.Title().ShouldBe("last");
        (await Store.Records.QueryAsync(t, Docs.Issues, "status", "closed")).Select(r => r.Id).ShouldBe(["iss-1"], "index keys come back too");
        (await Store.Records.ListDeletedAsync(t, "tracker.issues")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Undelete_ARecordThatIsNotDeleted_FailsAndSaysSo()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "iss-1", Docs.Issue("alive"));

        var e = await Should.ThrowAsync<RecordStateException>(() => Store.Records.UndeleteAsync(t, "tracker.issues", "iss-1"));
        e.Message.ShouldContain("is not deleted");
        var missing = await Should.ThrowAsync<RecordStateException>(() => Store.Records.UndeleteAsync(t, "tracker.issues", "nope"));
        missing.Message.ShouldContain("does not exist");
    }

    [Fact]
    public async Task Query_ByIndexedField_ReturnsOnlyMatchingLiveRecordsOfThatTenant()
    {
        var t = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("A", "open", "ann"));
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("B", "closed", "ann"));
        await Store.Records.PutAsync(t, Docs.Issues, "c", Docs.Issue("C", "open", "bob"));
        await Store.Records.PutAsync(other, Docs.Issues, "x", Docs.Issue("X", "open", "ann"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "c");

        (await Store.Records.QueryAsync(t, Docs.Issues, "status", "open")).Select(r => r.Id).ShouldBe(["a"]);
        (await Store.Records.QueryAsync(t, Docs.Issues, "assignee", "ann")).Select(r => r.Id).ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task Query_ByAFieldTheCollectionDoesNotIndex_FailsNamingTheIndexedFields()
    {
        var t = await fixture.NewTenantAsync();

        var e = await Should.ThrowAsync<StoreConfigurationException>(() => Store.Records.QueryAsync(t, Docs.Issues, "title", "x"));

        e.Message.ShouldContain("does not index 'title'");
        e.Message.ShouldContain("status, assignee");
    }

    [Fact]
    public async Task Collection_DeclaredWithOtherIndexedFieldsThanTheDatabaseKnows_IsRefused()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, new CollectionDefinition("tracker.labels", "name"), "l1", Docs.Json(new { name = "bug" }));

        // A second program (a second store) declaring the same collection differently.
        await using var second = await TenantStore.OpenAsync(fixture.Options());
        var e = await Should.ThrowAsync<StoreConfigurationException>(() =>
            second.Records.PutAsync(t, new CollectionDefinition("tracker.labels", "colour"), "l2", Docs.Json(new { colour = "red" })));

        e.Message.ShouldContain("indexed by [name]");
        e.Message.ShouldContain("declares [colour]");
        (await Store.Records.GetAsync(t, "tracker.labels", "l2")).ShouldBeNull();
    }

    [Fact]
    public async Task WriteBatch_CommitsEveryWriteAtOnePosition()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Pages, "p0", Docs.Json(new { title = "old" }));
        var batch = Store.Records.Batch(t)
            .Put(Docs.Issues, "i1", Docs.Issue("one"))
            .Put(Docs.Issues, "i2", Docs.Issue("two"))
            .Put(Docs.Pages, "p1", Docs.Json(new { title = "page" }))
            .Delete("wiki.pages", "p0");

        var result = await Store.Records.WriteAsync(batch);

        var now = await Store.Records.SnapshotAsync(t);
        now.Select(r => r.Id).ShouldBe(["i1", "i2", "p1"]);
        now.ShouldAllBe(r => r.Position == result.Position);
        now.ShouldAllBe(r => r.Stamp == result.Stamp, "one transaction, one instant");
        (await Store.Records.HistoryAsync(t, "wiki.pages", "p0"))[^1].Position.ShouldBe(result.Position);
    }

    [Fact]
    public async Task WriteBatch_WhenAnIncludedStatementFails_CommitsNothing()
    {
        var t = await fixture.NewTenantAsync();
        var batch = Store.Records.Batch(t)
            .Put(Docs.Issues, "i1", Docs.Issue("one"))
            .Include(new NpgsqlBatchCommand("SELECT 1/0"));

        await Should.ThrowAsync<PostgresException>(() => Store.Records.WriteAsync(batch));

        (await Store.Records.GetAsync(t, "tracker.issues", "i1")).ShouldBeNull();
    }

    [Fact]
    public async Task WriteBatch_WithTheSameRecordTwice_IsRefusedBeforeAnythingIsSent()
    {
        var t = await fixture.NewTenantAsync();
        var batch = Store.Records.Batch(t).Put(Docs.Issues, "i1", Docs.Issue("one"));

        var e = Should.Throw<StoreConfigurationException>(() => batch.Delete("tracker.issues", "i1"));

        e.Message.ShouldContain("appears twice in one batch");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    public void TenantId_Malformed_IsRefusedWithTheRule(string id)
    {
        var e = Should.Throw<InvalidIdentifierException>(() => TenantId.Parse(id));
        e.Message.ShouldContain("is not a valid tenant ID");
        e.Message.ShouldContain("lowercase letters");
    }

    [Fact]
    public async Task Put_MalformedRecordIdOrCollection_IsRefusedAndNothingWritten()
    {
        var t = await fixture.NewTenantAsync();

        (await Should.ThrowAsync<InvalidIdentifierException>(() => Store.Records.PutAsync(t, Docs.Issues, " padded", Docs.Issue("x"))))
            .Message.ShouldContain("not a valid record ID");
        Should.Throw<InvalidIdentifierException>(() => new CollectionDefinition("Bad Name")).Message.ShouldContain("not a valid collection name");
        (await Store.Records.SnapshotAsync(t)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Put_ANonObjectDocument_IsRefused()
    {
        var t = await fixture.NewTenantAsync();

        var e = await Should.ThrowAsync<StoreConfigurationException>(() => Store.Records.PutAsync(t, Docs.Pages, "p", Docs.Json(42)));

        e.Message.ShouldContain("must be a JSON object");
    }

    [Fact]
    public async Task Put_ForAnUnknownTenant_FailsNamingTheTenant()
    {
        var ghost = TenantId.Parse("no-such-tenant");

        var e = await Should.ThrowAsync<TenantNotFoundException>(() => Store.Records.PutAsync(ghost, Docs.Issues, "i", Docs.Issue("x")));

        e.Message.ShouldContain("tenant no-such-tenant does not exist");
        (await Should.ThrowAsync<TenantNotFoundException>(() => Store.Records.ListAsync(ghost, "tracker.issues"))).Tenant.ShouldBe(ghost);
    }

    [Fact]
    public async Task DeletingRowsWithSql_IsRefusedByTheDatabase()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "i1", Docs.Issue("protected"));

        // The application role has no DELETE; the owner, which has, is stopped by the guard.
        (await Should.ThrowAsync<PostgresException>(() => DeleteAsync(fixture.Database.ConnectionString))).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await Should.ThrowAsync<PostgresException>(() => DeleteAsync(fixture.Database.OwnerConnectionString))).MessageText.ShouldContain("never removed directly");

        async Task DeleteAsync(string connectionString)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("DELETE FROM lifeboat.records WHERE tenant_id = $1", connection);
            cmd.Parameters.Add(new() { Value = t.Value });
            await cmd.ExecuteNonQueryAsync();
        }

        (await Store.Records.GetAsync(t, "tracker.issues", "i1")).ShouldNotBeNull();
    }

    [Fact]
    public async Task ConcurrentWritesToOneRecord_KeepEveryVersion_AndTheNewestPositionIsCurrent()
    {
        var t = await fixture.NewTenantAsync();
        var writes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Store.Records.PutAsync(t, Docs.Issues, "hot", Docs.Issue($"v{i}"))));

        var history = await Store.Records.HistoryAsync(t, "tracker.issues", "hot");
        var current = await Store.Records.GetAsync(t, "tracker.issues", "hot");

        history.Count.ShouldBe(40);
        history.Select(v => v.Position).ShouldBe(writes.Select(w => w.Position).Order());
        current!.Position.ShouldBe(writes.Max(w => w.Position));
    }

    [Fact]
    public async Task AVersionThatArrivesLate_GoesIntoHistory_AndTheNewerOneStaysCurrent()
    {
        var t = await fixture.NewTenantAsync();
        var first = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("first"));
        await using var late = await Store.DataSource.OpenConnectionAsync();
        await using var tx = await late.BeginTransactionAsync();
        await using var gate = new NpgsqlCommand("SELECT pos FROM lifeboat.gate_write($1)", late, tx);
        gate.Parameters.Add(new() { Value = t.Value });
        var latePosition = (long)(await gate.ExecuteScalarAsync())!;

        // A writer that took its position later commits first; the late one's update then meets a newer row.
        var newer = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("newer"));
        await using var write = new NpgsqlCommand("""
            UPDATE lifeboat.records r SET position = g.pos, stamp = g.stamp, doc = '{"title": "late"}', ix1 = NULL, ix2 = NULL
            FROM lifeboat.take_position() g WHERE r.tenant_id = $1 AND r.collection = 'tracker.issues' AND r.record_id = 'a'
            """, late, tx);
        write.Parameters.Add(new() { Value = t.Value });
        (await write.ExecuteNonQueryAsync()).ShouldBe(0, "the late version does not replace the newer one");
        await tx.CommitAsync();

        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("newer");
        (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Select(v => (v.Position, v.Title()))
            .ShouldBe([(first.Position, "first"), (latePosition, "late"), (newer.Position, "newer")]);
    }

    [Fact]
    public async Task Snapshot_AtAPosition_ShowsTheTenantAsItWasThen()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a1"));
        var point = await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b1"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a2"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "b");
        await Store.Records.PutAsync(t, Docs.Issues, "c", Docs.Issue("c1"));

        var then = await Store.Records.SnapshotAsync(t, RecoveryPoint.AtPosition(point.Position));
        var thenByTime = await Store.Records.SnapshotAsync(t, RecoveryPoint.AtTime((await Store.Restores.CommittedAtAsync(point.Position))!.Value));

        then.Select(r => (r.Id, r.Title())).ShouldBe([("a", "a1"), ("b", "b1")]);
        thenByTime.Select(r => (r.Id, r.Title())).ShouldBe([("a", "a1"), ("b", "b1")]);
    }

    [Fact]
    public async Task Put_WhileAnotherProcessRegistersTheSameNewCollection_WaitsForItAndWrites()
    {
        var t = await fixture.NewTenantAsync();
        var collection = new CollectionDefinition($"race.{Guid.NewGuid():n}", "status");
        await using var other = await Store.BeginTransactionAsync();
        await using (var register = other.Command("INSERT INTO lifeboat.collections (name, indexed_fields) VALUES ($1, $2)"))
        {
            register.Parameters.Add(new() { Value = collection.Name });
            register.Parameters.Add(new() { Value = collection.IndexedFields.ToArray() });
            await register.ExecuteNonQueryAsync();
        }

        var put = Store.Records.PutAsync(t, collection, "r1", new { status = "open" });
        await WaitForALockWaitAsync();
        await other.CommitAsync();

        await put; // registered by the other process after this statement began: it must still be found
        (await Store.Records.GetAsync(t, collection.Name, "r1")).ShouldNotBeNull();
    }

    private async Task WaitForALockWaitAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            await using var cmd = Store.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if ((long)(await cmd.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("the write never waited for the other registration");
    }
}
