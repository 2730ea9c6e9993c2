using Lifeboat.Bench.Harness;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Bench.Restore;

/// <summary>
/// The tenants of a restore benchmark: many small tenants, so the tables and their indexes are
/// shared as in production, and the large ones under test. Every write goes through the store.
/// </summary>
internal sealed class Population(TenantStore store, Workload workload)
{
    private const int BatchSize = 1000;

    public static string RecordId(int i) => $"rec-{i:D6}";

    /// <summary>Creates <paramref name="count"/> small tenants of <paramref name="min"/> to <paramref name="max"/> records each; returns them with their record counts.</summary>
    public async Task<IReadOnlyList<(TenantId Tenant, int Records)>> CreateSmallTenantsAsync(int count, int min, int max, CancellationToken ct)
    {
        Log.Info($"Creating {count:N0} small tenants of {min}-{max} records");
        var tenants = new List<(TenantId, int)>();
        for (var t = 0; t < count; t++)
        {
            var tenant = TenantId.Parse($"small-{t:D4}");
            var records = min + workload.Next(max - min + 1);
            await store.Tenants.CreateAsync(tenant, ct);
            await WriteAsync(tenant, 0, records, ct);
            tenants.Add((tenant, records));
            Log.Step("small tenants", t + 1, count, 250);
        }

        return tenants;
    }

    public async Task CreateTenantAsync(TenantId tenant, int records, CancellationToken ct)
    {
        Log.Info($"Creating tenant {tenant} with {records:N0} records");
        await store.Tenants.CreateAsync(tenant, ct);
        for (var first = 0; first < records; first += BatchSize)
        {
            await WriteAsync(tenant, first, Math.Min(BatchSize, records - first), ct);
            Log.Step($"{tenant}", first + Math.Min(BatchSize, records - first), records, 20_000);
        }
    }

    /// <summary>
    /// Damages every record of the tenant after the recovery point, as an incident would: the even
    /// ones deleted (tombstones), the odd ones overwritten with other content.
    /// </summary>
    public async Task DamageAsync(TenantId tenant, int records, CancellationToken ct)
    {
        for (var first = 0; first < records; first += BatchSize)
        {
            var count = Math.Min(BatchSize, records - first);
            var ids = Enumerable.Range(first, count).ToArray();
            await store.Records.DeleteAsync(tenant, Workload.Issues.Name, ids.Where(i => i % 2 == 0).Select(RecordId).ToArray(), ct);
            var batch = store.Records.Batch(tenant);
            foreach (var i in ids.Where(i => i % 2 == 1))
            {
                batch.Put(Workload.Issues, RecordId(i), workload.Issue(revision: 99).Element);
            }

            await store.Records.WriteAsync(batch, ct);
            Log.Step($"damaging {tenant}", first + count, records, 50_000);
        }
    }

    /// <summary>The latest commit position: a recovery point that includes everything written so far.</summary>
    public static async Task<RecoveryPoint> LatestPointAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT last_value FROM lifeboat.commit_position");
        return RecoveryPoint.AtPosition((long)(await cmd.ExecuteScalarAsync(ct))!);
    }

    private async Task WriteAsync(TenantId tenant, int first, int count, CancellationToken ct)
    {
        var batch = store.Records.Batch(tenant);
        for (var i = first; i < first + count; i++)
        {
            batch.Put(Workload.Issues, RecordId(i), workload.Issue(revision: 1).Element);
        }

        await store.Records.WriteAsync(batch, ct);
    }
}
