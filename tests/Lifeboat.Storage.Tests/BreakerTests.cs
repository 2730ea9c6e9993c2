namespace Lifeboat.Storage.Tests;

/// <summary>The breaker: the write that would take the rate of destruction over a limit is refused in its own transaction.</summary>
public sealed class BreakerTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task TheDeletionThatPassesTheLimit_IsRefused_NothingOfItCommits_AndTheScopeStaysClosed()
    {
        var script = await WithLimitsAsync(new BreakerLimit(BreakerScope.Actor, "tenant.delete", 3, 60));
        var tenants = await TenantsAsync(5);
        for (var i = 0; i < 3; i++)
        {
            await script.Tenants.DeleteAsync(tenants[i], "the script, within the limit");
        }

        var refused = await Should.ThrowAsync<BreakerTrippedException>(() => script.Tenants.DeleteAsync(tenants[3], "the script, one too many"));

        refused.Message.ShouldContain($"4 tenant.delete writes by actor {script.Actor} within 60 s would pass the limit of 3");
        refused.Trip.IsOpen.ShouldBeTrue();
        (await Store.Tenants.GetAsync(tenants[3])).State.ShouldBe(TenantState.Active, "nothing of the refused deletion committed");
        (await Should.ThrowAsync<BreakerTrippedException>(() => script.Tenants.DeleteAsync(tenants[4], "and the next one")))
            .Message.ShouldContain("the breaker is open");
        (await Store.Breaker.TripsAsync(openOnly: true)).Where(t => t.Actor == script.Actor).Select(t => t.TripId).ShouldBe([refused.Trip.TripId], "one open trip per scope");
        await Store.WithActor("someone else").Tenants.DeleteAsync(tenants[4], "another actor's scope is not closed");
    }

    [Fact]
    public async Task OneStatementOfManyTombstones_IsRefusedWhole()
    {
        var app = await WithLimitsAsync(new BreakerLimit(BreakerScope.Actor, "record.delete:site.apps", 20, 60));
        var t = await fixture.NewTenantAsync();
        var batch = Store.Records.Batch(t);
        var apps = new CollectionDefinition("site.apps");
        for (var i = 0; i < 25; i++)
        {
            batch.Put(apps, $"ain-{i}", Docs.Json(new { app = "legacy" }));
        }

        await Store.Records.WriteAsync(batch);

        await Should.ThrowAsync<BreakerTrippedException>(() => app.Records.DeleteAsync(t, "site.apps", [.. Enumerable.Range(0, 25).Select(i => $"ain-{i}")]));

        (await Store.Records.ListAsync(t, "site.apps")).Count.ShouldBe(25);
    }

    [Fact]
    public async Task DeletersRunningAtOnceAsOneActor_PassTheLimitTogetherNoMoreThanOneWould()
    {
        var script = await WithLimitsAsync(new BreakerLimit(BreakerScope.Actor, "tenant.delete", 3, 60));
        var tenants = await TenantsAsync(8);
        var outcomes = await Task.WhenAll(tenants.Select(t => Task.Run(async () =>
        {
            try
            {
                await script.Tenants.DeleteAsync(t, "eight copies of the script at once");
                return true;
            }
            catch (BreakerTrippedException)
            {
                return false;
            }
        })));

        outcomes.Count(ok => ok).ShouldBe(3);
    }

    [Fact]
    public async Task ARestoresTombstones_AreNotCounted_AndAResetOpensTheScopeAgain()
    {
        var script = await WithLimitsAsync(new BreakerLimit(BreakerScope.Actor, "record.delete", 2, 60), new BreakerLimit(BreakerScope.Environment, "record.delete", 4, 60));
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "kept", Docs.Issue("kept"));
        for (var i = 0; i < 5; i++)
        {
            await Store.Records.PutAsync(t, Docs.Issues, $"born-{i}", Docs.Issue("after the point"));
        }

        var restore = await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));
        restore.Changes.Single().Deleted.ShouldBe(5, "a restore tombstones what its point did not hold, whatever the limit");

        await Store.Restores.RestoreAsync(t, restore.UndoPoint);
        await script.Records.DeleteAsync(t, "tracker.issues", ["born-0", "born-1"]);
        var trip = (await Should.ThrowAsync<BreakerTrippedException>(() => script.Records.DeleteAsync(t, "tracker.issues", "born-2"))).Trip;
        await Store.Breaker.ResetAsync(trip.TripId, "the test deletes on purpose");

        await script.Records.DeleteAsync(t, "tracker.issues", "born-2");
        (await Store.Breaker.GetTripAsync(trip.TripId)).ResetBy.ShouldBe("test");
    }

    [Fact]
    public async Task Limits_ThatMakeNoSense_AreRefused()
    {
        var e = await Should.ThrowAsync<StoreConfigurationException>(() =>
            Store.Breaker.SetLimitsAsync([new BreakerLimit(BreakerScope.Actor, "tenant.delete", 0, 60), new BreakerLimit(BreakerScope.Actor, "drop.table", 1, 60)], "test"));

        e.Message.ShouldContain("Actor tenant.delete: 0 per 60 s");
        e.Message.ShouldContain("drop.table");
    }

    /// <summary>Sets the limits for this test (the class's database), and returns a store acting as a script of its own.</summary>
    private async Task<TenantStore> WithLimitsAsync(params BreakerLimit[] limits)
    {
        foreach (var open in await Store.Breaker.TripsAsync(openOnly: true))
        {
            await Store.Breaker.ResetAsync(open.TripId, "a new test");
        }

        await Store.Breaker.SetLimitsAsync(limits, "test");
        return Store.WithActor($"script-{Guid.NewGuid():n}");
    }

    private async Task<List<TenantId>> TenantsAsync(int count)
    {
        var list = new List<TenantId>();
        for (var i = 0; i < count; i++)
        {
            list.Add(await fixture.NewTenantAsync());
        }

        return list;
    }
}
