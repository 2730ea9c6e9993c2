using System.Diagnostics;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// Restore workers as real processes: killed (SIGKILL) at many points of a job, and the job still
/// ends in the right state with nothing written twice; two processes sharing one job.
/// </summary>
public sealed class RestoreWorkerProcessTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static readonly Storage.CollectionDefinition Issues = new("tracker.issues", "status");

    [Fact(Timeout = 300_000)]
    public async Task WorkersKilledAtManyPoints_TheResumedJobEndsRight_AndNothingIsDuplicated()
    {
        await using var platform = await OpenAsync();
        var sites = await DamagedSitesAsync(platform, 24);
        var job = await platform.Restores.StartAsync(new RestoreJobRequest("kill test") { Sites = sites.Sites, Point = sites.Point });
        var random = new Random(4242);

        // Kill points are chosen by progress, not time: each kill lands after a random number of finished steps.
        var totalSteps = sites.Before.Count * 5;
        var kills = 0;
        for (var round = 0; round < 8; round++)
        {
            var done = await ScalarAsync<long>($"SELECT count(*) FROM platform.restore_steps WHERE job_id = '{job.Id}' AND state = 'Done'");
            if (done >= totalSteps - 5)
            {
                break;
            }

            var killAt = random.Next((int)done + 1, Math.Min(totalSteps - 2, (int)done + 25));
            using var worker = await StartWorkerAsync($"doomed-{round}", concurrency: 3);
            while (!worker.HasExited && await ScalarAsync<long>($"SELECT count(*) FROM platform.restore_steps WHERE job_id = '{job.Id}' AND state = 'Done'") < killAt)
            {
                await Task.Delay(5);
            }

            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
                kills++;
            }

            await worker.WaitForExitAsync();
        }

        using (var survivor = await StartWorkerAsync("survivor", concurrency: 3))
        {
            await survivor.WaitForExitAsync();
            survivor.ExitCode.ShouldBe(0, await survivor.StandardOutput.ReadToEndAsync());
        }

        kills.ShouldBeGreaterThan(0, "the test must actually kill workers mid-job");
        var progress = await platform.Restores.ProgressAsync(job.Id);
        progress.Job.State.ShouldBe(RestoreJobState.Completed, string.Join("; ", (await platform.Restores.SitesAsync(job.Id)).Select(s => s.Error).OfType<string>()));
        foreach (var (site, digest) in sites.Before)
        {
            (await platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active);
            (await platform.Store.Records.DigestAsync(site.Tenant)).ShouldBe(digest);
        }

        (await ScalarAsync<long>("""
            SELECT count(*) FROM (
                SELECT tenant_id, collection, record_id FROM (
                    SELECT tenant_id, collection, record_id, actor FROM lifeboat.records UNION ALL SELECT tenant_id, collection, record_id, actor FROM lifeboat.record_history) v
                WHERE actor LIKE 'restore:%' GROUP BY 1, 2, 3 HAVING count(*) > 1) twice
            """)).ShouldBe(0, "every record was written back once, however often its step was re-run");
        (await ScalarAsync<long>($"SELECT count(*) FROM platform.outbox WHERE event_type = 'site.restored' AND subject = '{job.Id}'")).ShouldBe(sites.Before.Count);
    }

    [Fact(Timeout = 300_000)]
    public async Task TwoWorkerProcesses_ShareOneJob()
    {
        await using var platform = await OpenAsync();
        var sites = await DamagedSitesAsync(platform, 16);
        var job = await platform.Restores.StartAsync(new RestoreJobRequest("two processes") { Sites = sites.Sites, Point = sites.Point });

        using var one = await StartWorkerAsync("process-one", concurrency: 2);
        using var two = await StartWorkerAsync("process-two", concurrency: 2);
        await Task.WhenAll(one.WaitForExitAsync(), two.WaitForExitAsync());

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed);
        (await ScalarAsync<long>($"SELECT count(DISTINCT worker) FROM platform.restore_steps WHERE job_id = '{job.Id}'")).ShouldBe(2);
    }

    [Fact(Timeout = 300_000)]
    public async Task AJob_SurvivesARestartOfPostgreSql_AndFinishes()
    {
        var home = Path.Combine("/tmp/lifeboat-tests", "pg-crash-" + Guid.NewGuid().ToString("n")[..8]);
        var server = new Storage.Hosting.LocalPostgres(home, Storage.Hosting.PostgresTuning.Disposable);
        try
        {
            var connection = await server.EnsureStartedAsync("lifeboat");
            (IReadOnlyList<SiteId> Sites, RecoveryPoint Point, Dictionary<SiteId, IReadOnlyList<CollectionDigest>> Before) sites;
            RestoreJobId job;
            await using (var platform = await OpenAsync(connection, home))
            {
                await PlatformFixture.PutInForceAsync(platform, PlatformFixture.WithoutBreaker);
                sites = await DamagedSitesAsync(platform, 40);
                job = (await platform.Restores.StartAsync(new RestoreJobRequest("crash test") { Sites = sites.Sites, Point = sites.Point })).Id;
            }

            using var worker = StartWorker("through-the-crash", concurrency: 2, connection, home);
            await using (var watch = await OpenAsync(connection, home))
            {
                // Crash it mid-job: once some sites are done and most are not.
                while ((await watch.Restores.ProgressAsync(job)).Restored < 3)
                {
                    await Task.Delay(50);
                }
            }

            Npgsql.NpgsqlConnection.ClearAllPools();
            await server.StopAsync();
            await Task.Delay(1000);
            Npgsql.NpgsqlConnection.ClearAllPools();
            await server.EnsureStartedAsync("lifeboat");
            await worker.WaitForExitAsync();

            await using var after = await OpenAsync(connection, home);
            var outcome = await after.Restores.SitesAsync(job);
            (await after.Restores.GetAsync(job)).State.ShouldBe(RestoreJobState.Completed,
                string.Join("; ", outcome.Where(s => s.State != SiteRestoreState.Restored).Select(s => $"{s.Site} {s.State} {s.Error}")));
            foreach (var (site, digest) in sites.Before)
            {
                (await after.Store.Records.DigestAsync(site.Tenant)).ShouldBe(digest);
            }
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await server.StopAsync();
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>A worker process acting as a restorer, with its token in LIFEBOAT_TOKEN, as a service would run it.</summary>
    private async Task<Process> StartWorkerAsync(string name, int concurrency) =>
        StartWorker(name, concurrency, cli.Connections, cli.Home, (await File.ReadAllTextAsync(await cli.TokenFileAsync("restore-service"))).Trim());

    /// <summary>Without a token, on a fresh environment: the OS user running it becomes its first admin, with no set-up.</summary>
    private static Process StartWorker(string name, int concurrency, DatabaseConnections connection, string home, string? token = null)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "lifeboat"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (token is not null)
        {
            info.Environment["LIFEBOAT_TOKEN"] = token;
        }

        foreach (var arg in new[] { "restore", "worker", "--until-idle", "--name", name, "--concurrency", $"{concurrency}", "--connection", connection.Application, "--owner-connection", connection.Owner!, "--home", home })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private Task<LifeboatPlatform> OpenAsync() => OpenAsync(cli.Connections, cli.Home);

    private static async Task<LifeboatPlatform> OpenAsync(DatabaseConnections connection, string home) => await LifeboatPlatform.OpenAsync(new PlatformOptions
    {
        Store = new StoreOptions
        {
            ConnectionString = connection.Application,
            OwnerConnectionString = connection.Owner,
            BlobDirectory = Path.Combine(home, "blobs"),
            Actor = "test",
        },
    });

    /// <summary>Sites whose records a script deleted, and which it then deleted; the point is the instant before.</summary>
    private static async Task<(IReadOnlyList<SiteId> Sites, RecoveryPoint Point, Dictionary<SiteId, IReadOnlyList<CollectionDigest>> Before)> DamagedSitesAsync(
        LifeboatPlatform platform, int count)
    {
        var before = new Dictionary<SiteId, IReadOnlyList<CollectionDigest>>();
        long last = 0;
        for (var i = 0; i < count; i++)
        {
            var site = (await platform.Sites.CreateAsync($"Kill {Guid.NewGuid():n}", "eu-west")).Id;
            await platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            var batch = platform.Store.Records.Batch(site.Tenant);
            for (var n = 0; n < 30; n++)
            {
                batch.Put(Issues, $"iss-{n}", new { title = $"issue {n}", status = "open" });
            }

            last = (await platform.Store.Records.WriteAsync(batch)).Position;
            before[site] = await platform.Store.Records.DigestAsync(site.Tenant);
        }

        var script = platform.WithActor("script");
        foreach (var site in before.Keys)
        {
            await script.Store.Records.DeleteAsync(site.Tenant, Issues.Name, Enumerable.Range(0, 30).Select(n => $"iss-{n}").ToList());
            await script.Sites.DeleteAsync(site, "the script");
        }

        return ([.. before.Keys], RecoveryPoint.AtPosition(last), before);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(cli.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
