using Lifeboat.Bench.Harness;
using Lifeboat.Platform;
using Lifeboat.Sample;
using Lifeboat.Storage;

namespace Lifeboat.Bench.VsPgBackRest;

/// <summary>The incident: the site's issues deleted, then the site itself.</summary>
internal static class Damage
{
    /// <summary>Returns the number of records the damage deleted.</summary>
    public static async Task<int> ApplyAsync(LifeboatPlatform platform, SiteId site, CancellationToken ct)
    {
        var issues = await platform.Store.Records.ListAsync(site.Tenant, TrackerData.Issues.Name, ct);
        var deleted = await platform.Store.Records.DeleteAsync(site.Tenant, TrackerData.Issues.Name, issues.Select(i => i.Id).ToList(), ct);
        await platform.Sites.DeleteAsync(site, "bench: the incident", ct);
        return deleted.Deleted;
    }
}

/// <summary>Ordinary writes of other tenants between a backup and the incident.</summary>
internal static class Activity
{
    private static readonly TenantId Tenant = TenantId.Parse("bench-activity");

    public static async Task WriteAsync(TenantStore store, int records, CancellationToken ct)
    {
        if (await store.Tenants.FindAsync(Tenant, ct) is null)
        {
            await store.Tenants.CreateAsync(Tenant, ct);
        }

        var workload = new Workload(seed: 7);
        for (var first = 0; first < records; first += 50)
        {
            var batch = store.Records.Batch(Tenant);
            for (var i = first; i < Math.Min(records, first + 50); i++)
            {
                batch.Put(Workload.Issues, $"a{i % 2_000:D4}", workload.Issue(revision: 1).Element);
            }

            await store.Records.WriteAsync(batch, ct);
        }
    }
}

/// <summary>Other tenants' records, added until the database reaches a size: what a cluster-wide restore has to copy.</summary>
internal sealed class Ballast(TenantStore store)
{
    private const int RecordsPerTenant = 20_000;
    private const int BatchSize = 500;
    private readonly Workload _workload = new(seed: 11);
    private int _tenants;

    public async Task GrowToAsync(BenchServer server, long bytes, CancellationToken ct)
    {
        var size = await DatabaseSizeAsync(server, ct);
        if (size >= bytes)
        {
            return;
        }

        Log.Info($"Growing the database from {size / (double)(1L << 30):0.00} GiB to {bytes / (double)(1L << 30):0.00} GiB with other tenants' records");
        while (size < bytes)
        {
            var tenant = TenantId.Parse($"ballast-{_tenants++:D4}");
            await store.Tenants.CreateAsync(tenant, ct);
            for (var first = 0; first < RecordsPerTenant; first += BatchSize)
            {
                var batch = store.Records.Batch(tenant);
                for (var i = first; i < first + BatchSize; i++)
                {
                    batch.Put(Workload.Issues, $"b{i:D6}", _workload.Issue(revision: 1).Element);
                }

                await store.Records.WriteAsync(batch, ct);
            }

            size = await DatabaseSizeAsync(server, ct);
            if (_tenants % 10 == 0 || size >= bytes)
            {
                Log.Info($"  {_tenants} tenants of {RecordsPerTenant:N0} records: database {size / (double)(1L << 30):0.00} GiB");
            }
        }

        await server.ExecAsync("VACUUM ANALYZE", ct);
    }

    private static Task<long> DatabaseSizeAsync(BenchServer server, CancellationToken ct) =>
        server.ScalarAsync<long>("SELECT pg_database_size(current_database())", ct);
}

/// <summary>Reports at once, on the caller's thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
