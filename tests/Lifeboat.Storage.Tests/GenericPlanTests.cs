namespace Lifeboat.Storage.Tests;

/// <summary>
/// Every per-tenant statement of a restore (validation, candidates, digests, the retention-window check, the
/// "written since" check, lifecycle state, blob verification) reads only the tenant's index range, even under
/// the generic plan a prepared statement switches to after five executions. The database holds many tenants
/// with history, analyzed, so a sequential scan is what the planner picks only when the statement leaves it
/// no index path, or makes it expect an early match in a scan of the whole table.
/// </summary>
public sealed class GenericPlanTests(GenericPlanTests.ManyTenants fixture) : IClassFixture<GenericPlanTests.ManyTenants>
{
    private static readonly string[] Versioned = ["records", "record_history", "tenant_history"];

    public static TheoryData<string> Statements => [.. PerTenantStatements().Keys];

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task PerTenantStatement_UnderAGenericPlan_ReadsOnlyTheTenantsIndexRange(string name)
    {
        var (sql, types) = PerTenantStatements()[name];

        var plan = await GenericPlans.ExplainAsync(fixture.Inner.Database.ConnectionString, sql, types);

        GenericPlans.SeqScans(plan, Versioned).ShouldBeEmpty($"{name} scans whole tables under its generic plan:\n{plan}");
    }

    private static Dictionary<string, (string Sql, string[] Types)> PerTenantStatements()
    {
        var position = RecoveryPoint.AtPosition(1);
        var time = RecoveryPoint.AtTime(DateTimeOffset.UnixEpoch);
        string[] target = ["text", "bigint", "text[]", "text[]"];
        string[] targetAtTime = ["text", "timestamptz", "text[]", "text[]"];
        string[] chunk = [.. target, "text", "text", "integer", "text"];
        string[] chunkAtTime = [.. targetAtTime, "text", "text", "integer", "text"];
        return new(StringComparer.Ordinal)
        {
            ["retention-window check"] = (TenantRestorer.ChangedBeforeWindowSql, ["text", "bigint", "timestamptz"]),
            ["written since the job found it"] = (TenantRestorer.WrittenSinceSql, ["text", "bigint"]),
            ["collections"] = (TenantRestorer.CollectionsSql, ["text"]),
            ["state at a position"] = (TenantRestorer.StateAtSql(position), ["text", "bigint"]),
            ["state at a time"] = (TenantRestorer.StateAtSql(time), ["text", "timestamptz"]),
            ["dry run to a position"] = (TenantRestorer.PreviewSql(position), target),
            ["dry run to a time"] = (TenantRestorer.PreviewSql(time), targetAtTime),
            ["restore chunk to a position"] = (TenantRestorer.RestoreChunkSql(position), chunk),
            ["restore chunk to a time"] = (TenantRestorer.RestoreChunkSql(time), chunkAtTime),
            ["digest now"] = (RecordStore.DigestSql(null), ["text"]),
            ["digest at a position"] = (RecordStore.DigestSql(position), ["text", "bigint"]),
            ["digest at a time"] = (RecordStore.DigestSql(time), ["text", "timestamptz"]),
            ["blob verification of a tenant"] = (BlobStore.VerifyTenantSql, ["text"]),
        };
    }

    /// <summary>
    /// A store of 1,000 tenants with a few records each, and 20 busy ones whose 20 records were written 50 times, their
    /// writes interleaved as a busy environment's are: the history is the busy tenants', each holding a twentieth of
    /// it, spread over many pages. That is where a generic plan that expects an early match prefers a scan of the
    /// whole table (the drill's database showed it: a Seq Scan on record_history for one site's retention check).
    /// </summary>
    public sealed class ManyTenants : IAsyncLifetime
    {
        public StoreFixture Inner { get; } = new();

        public async ValueTask InitializeAsync()
        {
            await Inner.InitializeAsync();
            var store = Inner.Store;
            var quiet = Enumerable.Range(0, 1000).Select(i => $"q{i}");
            var busy = Enumerable.Range(0, 20).Select(i => $"b{i}").ToList();
            var tenants = new System.Collections.Concurrent.ConcurrentDictionary<string, TenantId>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(quiet.Concat(busy), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (name, ct) =>
                tenants[name] = await Write(await Inner.NewTenantAsync(name), 5, "first", ct));
            for (var round = 0; round < 50; round++)
            {
                await Parallel.ForEachAsync(busy, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (name, ct) =>
                    await Write(tenants[name], 20, $"round {round}", ct));
            }

            await using var analyze = DatabaseSql.AsOwner(Inner.Options()).CreateCommand("ANALYZE");
            await analyze.ExecuteNonQueryAsync();
        }

        public ValueTask DisposeAsync() => Inner.DisposeAsync();

        private async Task<TenantId> Write(TenantId tenant, int records, string version, CancellationToken ct)
        {
            var batch = Inner.Store.Records.Batch(tenant);
            for (var r = 0; r < records; r++)
            {
                batch.Put(r % 2 == 0 ? Docs.Issues : Docs.Pages, $"rec-{r}", Docs.Issue($"{version} of {r}"));
            }

            await Inner.Store.Records.WriteAsync(batch, ct);
            return tenant;
        }
    }
}
