using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lifeboat.Storage.Tests;

public sealed class RestoreConcurrencyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task WritesToOtherTenantsThroughoutARestore_AllSucceed_AndEveryAcknowledgedWriteIsThere()
    {
        var restored = await fixture.NewTenantAsync("big");
        var batch = Store.Records.Batch(restored);
        for (var i = 0; i < 8000; i++)
        {
            batch.Put(Docs.Issues, $"i{i}", Docs.Issue($"original {i}"));
        }

        var point = await Store.Records.WriteAsync(batch);
        var damage = Store.Records.Batch(restored);
        for (var i = 0; i < 8000; i++)
        {
            damage.Delete("tracker.issues", $"i{i}");
        }

        await Store.Records.WriteAsync(damage);
        var others = new List<TenantId>();
        for (var i = 0; i < 4; i++)
        {
            others.Add(await fixture.NewTenantAsync("busy"));
        }

        var acknowledged = new ConcurrentBag<(TenantId Tenant, string Id, string Title, long Ticks)>();
        var failures = new ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();
        var writers = others.Select(tenant => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    var title = $"write {n} of {tenant}";
                    await Store.Records.PutAsync(tenant, Docs.Issues, $"w{n % 50}", Docs.Issue(title));
                    acknowledged.Add((tenant, $"w{n % 50}", title, Stopwatch.GetTimestamp()));
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
        })).ToList();

        await Task.Delay(100);
        var started = Stopwatch.GetTimestamp();
        var result = await Store.Restores.RestoreAsync(restored, RecoveryPoint.AtPosition(point.Position));
        var finished = Stopwatch.GetTimestamp();
        await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        failures.ShouldBeEmpty();
        result.Records.ShouldBe(8000);
        acknowledged.Count(a => a.Ticks > started && a.Ticks < finished).ShouldBeGreaterThan(0, "other tenants kept writing while the restore ran");
        foreach (var tenant in others)
        {
            var lastAcknowledged = acknowledged.Where(a => a.Tenant == tenant).GroupBy(a => a.Id)
                .Select(g => (g.Key, g.MaxBy(a => a.Ticks).Title)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            var stored = (await Store.Records.ListAsync(tenant, "tracker.issues")).Select(r => (r.Id, r.Title())).ToList();
            stored.ShouldBe(lastAcknowledged, $"every acknowledged write of {tenant} is there");
            var versions = 0;
            foreach (var (id, _) in stored)
            {
                versions += (await Store.Records.HistoryAsync(tenant, "tracker.issues", id)).Count;
            }

            versions.ShouldBe(acknowledged.Count(a => a.Tenant == tenant), $"one version per acknowledged write of {tenant}");
        }

        (await Store.Records.ListAsync(restored, "tracker.issues")).Count.ShouldBe(8000);
    }
}
