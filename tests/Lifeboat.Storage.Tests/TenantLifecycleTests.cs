namespace Lifeboat.Storage.Tests;

public sealed class TenantLifecycleTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task Create_TheSameTenantTwice_FailsSayingItExists()
    {
        var t = await fixture.NewTenantAsync();

        var e = await Should.ThrowAsync<TenantAlreadyExistsException>(() => Store.Tenants.CreateAsync(t));

        e.Message.ShouldBe($"tenant {t} already exists (it is Active).");
    }

    [Fact]
    public async Task Suspended_IsReadableButRefusesWrites_NamingTheState()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "i1", Docs.Issue("kept"));
        await Store.Tenants.SuspendAsync(t, "billing");

        var e = await Should.ThrowAsync<TenantStateException>(() => Store.Records.PutAsync(t, Docs.Issues, "i2", Docs.Issue("refused")));

        e.State.ShouldBe(TenantState.Suspended);
        e.Message.ShouldContain($"tenant {t} is Suspended");
        e.Message.ShouldContain("Resume the tenant");
        (await Store.Records.GetAsync(t, "tracker.issues", "i1")).ShouldNotBeNull();
        (await Store.Records.GetAsync(t, "tracker.issues", "i2")).ShouldBeNull();
        (await Should.ThrowAsync<TenantStateException>(() => Store.Records.DeleteAsync(t, "tracker.issues", "i1"))).State.ShouldBe(TenantState.Suspended);
    }

    [Fact]
    public async Task Deleted_IsInvisibleAndClosed_ButItsDataIsIntactWhenUndeleted()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "i1", Docs.Issue("survives"));
        await Store.Tenants.DeleteAsync(t, "customer left");

        (await Should.ThrowAsync<TenantStateException>(() => Store.Records.GetAsync(t, "tracker.issues", "i1"))).Message.ShouldContain("is Deleted");
        (await Should.ThrowAsync<TenantStateException>(() => Store.Records.PutAsync(t, Docs.Issues, "i2", Docs.Issue("x")))).State.ShouldBe(TenantState.Deleted);

        await Store.Tenants.UndeleteAsync(t, "mistake");

        (await Store.Records.GetAsync(t, "tracker.issues", "i1"))!.Title().ShouldBe("survives");
    }

    [Fact]
    public async Task LifecycleChanges_AreIdempotent_AndRecordedInHistory()
    {
        var t = await fixture.NewTenantAsync();

        (await Store.Tenants.SuspendAsync(t, "one")).ShouldNotBeNull();
        (await Store.Tenants.SuspendAsync(t, "again")).ShouldBeNull("suspending a suspended tenant changes nothing");
        await Store.Tenants.DeleteAsync(t, "gone");

        var history = await Store.Tenants.HistoryAsync(t);
        history.Select(h => h.State).ShouldBe([TenantState.Active, TenantState.Suspended, TenantState.Deleted]);
        history.Select(h => h.Reason).ShouldBe(["created", "one", "gone"]);
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Deleted);
    }

    [Fact]
    public async Task Resume_ADeletedTenant_IsRefusedWithTheAllowedStates()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Tenants.DeleteAsync(t, "gone");

        var e = await Should.ThrowAsync<TenantStateException>(() => Store.Tenants.ResumeAsync(t, "oops"));

        e.Message.ShouldContain($"tenant {t} is Deleted; it cannot become Active");
        e.Message.ShouldContain("only from: Suspended");
    }

    [Fact]
    public async Task DeletingATenant_IsADestructiveEvent_DetectorsCanSee()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b"));
        await Store.WithActor("script").Records.DeleteAsync(t, "tracker.issues", ["a", "b"]);
        await Store.WithActor("script").Tenants.DeleteAsync(t, "cleanup");

        await using var cmd = Store.DataSource.CreateCommand("SELECT action, actor, count FROM lifeboat.destructive_events WHERE tenant_id = $1 ORDER BY event_id");
        cmd.Parameters.Add(new() { Value = t.Value });
        var events = new List<(string, string, int)>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
            }
        }

        events.ShouldBe([("record.delete", "script", 2), ("tenant.delete", "script", 1)]);
    }

    [Fact]
    public async Task List_FiltersByState()
    {
        var active = await fixture.NewTenantAsync("list");
        var deleted = await fixture.NewTenantAsync("list");
        await Store.Tenants.DeleteAsync(deleted, "x");

        var deletedOnes = await Store.Tenants.ListAsync(TenantState.Deleted);

        deletedOnes.Select(t => t.Id).ShouldContain(deleted);
        deletedOnes.Select(t => t.Id).ShouldNotContain(active);
    }
}
