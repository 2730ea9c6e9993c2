using Lifeboat.Platform.Restores;

namespace Lifeboat.Platform.Tests;

/// <summary>
/// A worker's statements on restore jobs read only what they need, under the generic plan a prepared statement
/// switches to: the claim reads running steps and the first ready ones, not the job's other steps. The database
/// holds 40 jobs of 250 sites (50,000 steps), one of them running, most steps Done or Pending behind another.
/// </summary>
public sealed class StepClaimPlanTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly string[] JobTables = ["restore_steps", "restore_job_sites"];

    public static TheoryData<string> Statements => [.. WorkerStatements().Keys];

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task WorkerStatement_UnderAGenericPlan_DoesNotScanTheJobsSteps(string name)
    {
        await SeedOnceAsync();
        var (sql, types) = WorkerStatements()[name];

        var plan = await GenericPlans.ExplainAsync(fixture.Database.ConnectionString, sql, types);

        GenericPlans.SeqScans(plan, JobTables).ShouldBeEmpty($"{name} scans a whole table under its generic plan:\n{plan}");
    }

    private static Dictionary<string, (string Sql, string[] Types)> WorkerStatements() => new(StringComparer.Ordinal)
    {
        ["claim"] = (RestoreWorker.ClaimSql, ["integer"]),
        ["mark running"] = (RestoreWorker.MarkRunningSql, ["text[]", "text[]", "text[]", "text", "timestamptz"]),
        ["mark sites"] = (RestoreWorker.MarkSitesSql, ["text[]", "text[]", "text[]", "timestamptz"]),
        ["finish a step"] = (RestoreWorker.FinishStepSql, ["text", "text", "text", "text", "text", "jsonb", "timestamptz"]),
        ["finish a site"] = (RestoreWorker.FinishSiteSql, ["text", "text", "text", "text", "jsonb", "timestamptz"]),
        ["close the job"] = (RestoreWorker.CloseJobSql, ["text", "timestamptz"]),
        ["open work"] = (RestoreWorker.OpenWorkSql, []),
        ["undo point"] = (RestoreWorker.UndoPointSql, ["text", "text", "bigint"]),
    };

    private static readonly SemaphoreSlim Seeded = new(1, 1);
    private static bool _seeded;

    private async Task SeedOnceAsync()
    {
        await Seeded.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            await using var seed = DatabaseSql.AsOwner(fixture.Options.Store).CreateCommand("""
                INSERT INTO platform.restore_jobs (job_id, source, target_position, reason, requested_by, state, sites, created_at)
                SELECT 'rjob_' || j, 'sites', 1, 'plan test', 'test', CASE WHEN j = 0 THEN 'Running' ELSE 'Completed' END, 250, now()
                FROM generate_series(0, 39) j;
                INSERT INTO platform.restore_job_sites (job_id, site_id, state, target_position)
                SELECT 'rjob_' || j, 'site_' || s, CASE WHEN j > 0 OR s < 100 THEN 'Restored' WHEN s < 110 THEN 'Restoring' ELSE 'Pending' END, 1
                FROM generate_series(0, 39) j, generate_series(0, 249) s;
                INSERT INTO platform.restore_steps (job_id, site_id, step, depends_on, state, waiting)
                SELECT 'rjob_' || j, 'site_' || s, st.step, st.deps,
                       CASE WHEN j > 0 OR s < 100 THEN 'Done' WHEN s < 110 AND st.step = 'catalog' THEN 'Running' ELSE 'Pending' END,
                       CASE WHEN j > 0 OR s < 100 OR st.step = 'catalog' THEN 0 ELSE cardinality(st.deps) END
                FROM generate_series(0, 39) j, generate_series(0, 249) s,
                     (VALUES ('catalog', '{}'::text[]), ('identity', '{catalog}'), ('products', '{catalog}'),
                             ('validate', '{identity,products}'), ('complete', '{validate}')) st(step, deps);
                ANALYZE platform.restore_jobs, platform.restore_job_sites, platform.restore_steps;
                """);
            await seed.ExecuteNonQueryAsync();
            _seeded = true;
        }
        finally
        {
            Seeded.Release();
        }
    }
}
