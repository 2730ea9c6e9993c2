using Lifeboat.Bench.Harness;
using Lifeboat.Storage;

namespace Lifeboat.Bench.Writes;

/// <summary>One record write: which record and its new content.</summary>
internal sealed record Put(string Id, Doc Doc);

/// <summary>One transaction: a single write, or a batch of writes to one tenant.</summary>
internal sealed record Txn(TenantId Tenant, Put[] Puts);

/// <summary>
/// The records of the benchmark's tenants, and the plans of writes over them. Writer w owns every
/// w-th tenant, so concurrent writers never wait for each other's row locks (nor deadlock on
/// batches); a plan is applied to both sides, so both write the same documents to the same keys.
/// </summary>
internal sealed class KeySpace
{
    private readonly TenantId[] _tenants;
    private readonly List<string>[] _ids;
    private long _newIds;

    public KeySpace(IReadOnlyList<TenantId> tenants, int recordsPerTenant)
    {
        _tenants = [.. tenants];
        _ids = [.. tenants.Select(_ => Enumerable.Range(0, recordsPerTenant).Select(i => $"seed-{i:D5}").ToList())];
    }

    /// <summary>
    /// Plans <paramref name="transactions"/> transactions of <paramref name="size"/> records for each
    /// of <paramref name="writers"/> writers: each record an update of an existing one with
    /// probability <paramref name="updateShare"/>, otherwise a new record (which later plans may update).
    /// </summary>
    public Txn[][] Plan(Workload workload, int writers, int transactions, int size, double updateShare)
    {
        var plan = new Txn[writers][];
        for (var w = 0; w < writers; w++)
        {
            var owned = Enumerable.Range(0, _tenants.Length).Where(t => t % writers == w).ToArray();
            plan[w] = new Txn[transactions];
            for (var n = 0; n < transactions; n++)
            {
                var t = owned[workload.Next(owned.Length)];
                var ids = _ids[t];
                var chosen = new HashSet<string>(StringComparer.Ordinal);
                var puts = new Put[size];
                for (var k = 0; k < size; k++)
                {
                    string id;
                    if (workload.NextDouble() < updateShare)
                    {
                        do
                        {
                            id = ids[workload.Next(ids.Count)];
                        }
                        while (!chosen.Add(id));
                    }
                    else
                    {
                        id = $"new-{++_newIds:D7}";
                        chosen.Add(id);
                        ids.Add(id);
                    }

                    puts[k] = new Put(id, workload.Issue(workload.Next(1000)));
                }

                plan[w][n] = new Txn(_tenants[t], puts);
            }
        }

        return plan;
    }
}
