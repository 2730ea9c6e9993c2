using System.Collections.Concurrent;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

public sealed class RestoreJobTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly CollectionDefinition Issues = new("tracker.issues", "status");
    private static readonly CollectionDefinition Attachments = new("tracker.attachments");

    [Fact]
    public async Task AJobFromAPlan_BringsEverySiteBack_EveryStore_SameIds_WhileOtherSitesKeepWriting()
    {
        await using var platform = await DrillPlatformAsync();
        var sites = await SitesWithDataAsync(platform, 10);
        var bystanders = await SitesWithDataAsync(platform, 3);
        var before = new Dictionary<SiteId, IReadOnlyList<CollectionDigest>>();
        foreach (var s in sites)
        {
            before[s] = await platform.Store.Records.DigestAsync(s.Tenant);
        }

        var plan = await DeleteAllAsync(platform, sites);
        var acknowledged = new ConcurrentBag<(SiteId Site, string Id, string Title)>();
        using var stop = new CancellationTokenSource();
        var writers = bystanders.Select(site => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await platform.Store.Records.PutAsync(site.Tenant, Issues, $"load-{n % 20}", new { title = $"write {n}", status = "open" });
                acknowledged.Add((site, $"load-{n % 20}", $"write {n}"));
            }
        })).ToList();

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("the drill") { Plan = plan.Id });
        await using (var worker = platform.Restores.CreateWorker("w1", 4))
        {
            await worker.RunAsync(untilIdle: true);
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var done = await platform.Restores.ProgressAsync(job.Id);
        done.Job.State.ShouldBe(RestoreJobState.Completed, string.Join("; ", (await platform.Restores.SitesAsync(job.Id)).Select(r => r.Error).OfType<string>()));
        (done.Restored, done.Failed, done.ShareRestored).ShouldBe((10, 0, 1.0));
        foreach (var s in sites)
        {
            (await platform.Sites.GetAsync(s)).State.ShouldBe(TenantState.Active);
            (await platform.Store.Records.DigestAsync(s.Tenant)).ShouldBe(before[s], "every store of the site equals its state before the plan");
            (await platform.Identity.SignInAsync(s, "owner@example.com")).Site.ShouldBe(s);
        }

        (await platform.Restores.SitesAsync(job.Id)).ShouldAllBe(r => r.State == SiteRestoreState.Restored && r.Validation != null);
        foreach (var site in bystanders)
        {
            var last = acknowledged.Where(a => a.Site == site).GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.Last().Title);
            foreach (var (id, title) in last)
            {
                (await platform.Store.Records.GetAsync(site.Tenant, Issues.Name, id))!.Document!.Value.GetProperty("title").GetString()
                    .ShouldNotBeNull($"acknowledged write {id} of {site} is there");
            }
        }

        (await platform.Events.PeekAsync($"restore-check-{Guid.NewGuid():n}", 100_000)).Count(e => e.Type == "site.restored" && e.Subject == job.Id.Value).ShouldBe(10);
    }

    [Fact]
    public async Task TwoWorkers_ShareOneJob_AndEachStepRunsOnce()
    {
        await using var platform = await DrillPlatformAsync();
        var sites = await SitesWithDataAsync(platform, 8);
        var plan = await DeleteAllAsync(platform, sites);
        var job = await platform.Restores.StartAsync(new RestoreJobRequest("two workers") { Plan = plan.Id });

        await using var a = platform.Restores.CreateWorker("worker-a", 2);
        await using var b = platform.Restores.CreateWorker("worker-b", 2);
        await Task.WhenAll(a.RunAsync(untilIdle: true), b.RunAsync(untilIdle: true));

        (await platform.Restores.ProgressAsync(job.Id)).Restored.ShouldBe(8, string.Join("; ", (await platform.Restores.SitesAsync(job.Id)).Select(r => r.Error).OfType<string>()));
        await using var cmd = DatabaseSql.AsOwner(platform.Options.Store).CreateCommand("SELECT worker, attempts FROM platform.restore_steps WHERE job_id = $1");
        cmd.Parameters.Add(new() { Value = job.Id.Value });
        var steps = new List<(string Worker, int Attempts)>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                steps.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }

        steps.Count.ShouldBe(8 * 5, "catalog, identity, products, validate, complete per site");
        steps.ShouldAllBe(s => s.Attempts == 1, "each step claimed once");
        steps.Select(s => s.Worker).Distinct().Order().ToList().ShouldBe(["worker-a", "worker-b"], "both workers took part");
    }

    [Fact]
    public async Task ACorruptedBlob_FailsValidationOfThatSiteOnly_AndARetryAfterTheFixRestoresIt()
    {
        await using var platform = await DrillPlatformAsync();
        var sites = await SitesWithDataAsync(platform, 3);
        var blob = (await platform.Store.Records.GetAsync(sites[1].Tenant, Attachments.Name, "att-1"))!.Blob!;
        var plan = await DeleteAllAsync(platform, sites);
        var path = Directory.EnumerateFiles(fixture.BlobDirectory, blob.Sha256, SearchOption.AllDirectories).Single();
        var original = await File.ReadAllBytesAsync(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(path, [.. original.Take(original.Length - 1), 0x21]);

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("corruption") { Plan = plan.Id });
        await using (var worker = platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        var result = await platform.Restores.SitesAsync(job.Id);
        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.CompletedWithFailures);
        var failed = result.Single(r => r.Site == sites[1]);
        failed.State.ShouldBe(SiteRestoreState.Failed);
        failed.Error!.ShouldContain("validate: validation failed: blob tracker.attachments/att-1: altered");
        result.Where(r => r.Site != sites[1]).ShouldAllBe(r => r.State == SiteRestoreState.Restored);
        (await platform.Sites.GetAsync(sites[1])).State.ShouldBe(TenantState.Restoring, "a site that failed validation is not reopened");

        await File.WriteAllBytesAsync(path, original);
        (await platform.Restores.RetryAsync(job.Id)).ShouldBe(1);
        await using (var worker = platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed);
        (await platform.Sites.GetAsync(sites[1])).State.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task BadJobs_AreRefused_AndNothingIsStarted()
    {
        await using var platform = await DrillPlatformAsync();
        var sites = await SitesWithDataAsync(platform, 3);
        var untouched = (await SitesWithDataAsync(platform, 1))[0];
        var plan = await DeleteAllAsync(platform, sites);
        var first = (await platform.Plans.TargetsAsync(plan.Id)).Min(t => t.BeforePosition!.Value) + 1;

        (await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Plan = plan.Id, Point = RecoveryPoint.AtPosition(first + 5) })))
            .Message.ShouldContain("is at or after plan");
        (await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Plan = plan.Id, Sites = [sites[0], untouched] })))
            .Message.ShouldContain($"plan {plan.Id} did not touch 1 of the sites given: {untouched}");
        (await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Sites = [sites[0]] })))
            .Message.ShouldContain("needs a recovery point");
        (await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Sites = [sites[0]], Point = RecoveryPoint.AtPosition(first + 1_000_000) })))
            .Message.ShouldContain("is in the future");
        (await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Plan = PlanId.Parse("plan_01jd8x2k9q4m7t6v5w3y1z0a8b") })))
            .Kind.ShouldBe(PlatformErrorKind.NotFound);

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("first") { Plan = plan.Id });
        var second = await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("second") { Plan = plan.Id }));
        second.Kind.ShouldBe(PlatformErrorKind.Conflict);
        second.Message.ShouldContain($"is already in restore job {job.Id}");
        (await platform.Restores.ListAsync()).Count(j => j.Source == $"plan:{plan.Id}").ShouldBe(1);
    }

    [Fact]
    public async Task AJobGivenOnlyAPosition_IsRefused_WhileParticipantsNeedATime()
    {
        await using var platform = await DrillPlatformAsync();
        var sites = await SitesWithDataAsync(platform, 1);
        var position = (await platform.Store.Records.GetAsync(sites[0].Tenant, Issues.Name, "iss-0"))!.Position;
        await platform.Restores.Participants.RegisterAsync("search-test", new Uri("http://127.0.0.1:9/lifeboat"), TimeSpan.FromSeconds(1));
        try
        {
            var e = await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Sites = sites, Point = RecoveryPoint.AtPosition(position) }));

            e.Message.ShouldContain("participants (search-test) restore to a time");
            (await platform.Restores.ListAsync()).ShouldNotContain(j => j.Reason == "x");
        }
        finally
        {
            await platform.Restores.Participants.RemoveAsync("search-test");
        }
    }

    /// <summary>A platform whose policy lets a drill bypass the guardrails (to make damage quickly), on the shared database.</summary>
    private Task<LifeboatPlatform> DrillPlatformAsync() => fixture.OpenAsync(new PlanPolicy { AllowDrillOverride = true, Breaker = { Enabled = false } }, TimeProvider.System);

    private static async Task<ChangePlan> DeleteAllAsync(LifeboatPlatform platform, List<SiteId> sites)
    {
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", sites.Select(s => s.Value).ToList(), "the script", new Dictionary<string, string>(), "drill"));
        (await platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
        return plan;
    }

    private static async Task<List<SiteId>> SitesWithDataAsync(LifeboatPlatform platform, int count)
    {
        var list = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            var site = (await platform.Sites.CreateAsync($"Site {Guid.NewGuid():n}", "eu-west")).Id;
            await platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            await platform.Flags.SetAsync(site, "new-editor", true);
            await platform.Apps.InstallAsync(site, PlatformFixture.LegacyApp);
            var batch = platform.Store.Records.Batch(site.Tenant);
            for (var n = 0; n < 20; n++)
            {
                batch.Put(Issues, $"iss-{n}", new { title = $"issue {n}", status = n % 2 == 0 ? "open" : "closed" });
            }

            await platform.Store.Records.WriteAsync(batch);
            await platform.Store.Blobs.PutAsync(site.Tenant, Attachments, "att-1", new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"screenshot of {site}")));
            list.Add(site);
        }

        return list;
    }
}
