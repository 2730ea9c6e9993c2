using System.Collections.Concurrent;
using Lifeboat.Platform.Catalog;
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

    [Fact(Timeout = 180_000)]
    public async Task AJobFromAPlan_BringsEachSiteBackToTheInstantBeforeItsOwnDeletion_KeepingWhatItsCustomersWroteAfterEarlierWaves()
    {
        // The plan waits a minute of the test clock after each target, so the test writes to B between the waves.
        var policy = PlatformFixture.WithoutBreaker;
        policy.Waves.PaceMilliseconds = 60_000;
        await using var platform = await fixture.OpenAsync(policy, fixture.Clock);
        var sites = await SitesWithDataAsync(platform, 2);
        var (a, b) = (sites[0], sites[1]);
        var aBefore = await platform.Store.Records.DigestAsync(a.Tenant);
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [a.Value, b.Value], "the script", new Dictionary<string, string>()));
        plan.Waves.Select(w => w.Kind).ShouldBe(["canary", "rollout"]);
        var run = platform.Plans.Runner.RunAsync(plan.Id);
        await WaitForAsync(async () => (await platform.Sites.GetAsync(a)).State == TenantState.Deleted, "the first wave to delete site A");
        (await platform.Sites.GetAsync(b)).State.ShouldBe(TenantState.Active, "site B's wave has not run yet");

        // B's customers go on working between the waves.
        await platform.Identity.AddUserAsync(b, "late@example.com", "Late");
        await platform.Store.Records.PutAsync(b.Tenant, Issues, "iss-late", new { title = "written between the waves", status = "open" });
        var bBefore = await platform.Store.Records.DigestAsync(b.Tenant);
        while (!run.IsCompleted)
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(run, Task.Delay(50));
        }

        (await run).State.ShouldBe(PlanState.Completed);
        (await platform.Sites.GetAsync(b)).State.ShouldBe(TenantState.Deleted);

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("the script deleted them in waves") { Plan = plan.Id });
        await RunWorkerAsync(platform);

        var outcome = await platform.Restores.SitesAsync(job.Id);
        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed, string.Join("; ", outcome.Select(r => r.Error).OfType<string>()));
        (await platform.Store.Records.DigestAsync(b.Tenant)).ShouldBe(bBefore, "B comes back as it was just before its own deletion, with what was written between the waves");
        (await platform.Store.Records.GetAsync(b.Tenant, Issues.Name, "iss-late"))!.Document!.Value.GetProperty("title").GetString().ShouldBe("written between the waves");
        (await platform.Identity.SignInAsync(b, "late@example.com")).Email.ShouldBe("late@example.com");
        (await platform.Store.Records.DigestAsync(a.Tenant)).ShouldBe(aBefore);
        var targets = (await platform.Plans.TargetsAsync(plan.Id)).ToDictionary(t => t.Site, t => t.BeforePosition!.Value);
        outcome.Single(r => r.Site == a).Point.ShouldBe(RecoveryPoint.AtPosition(targets[a]), "A's own point: just before its deletion");
        outcome.Single(r => r.Site == b).Point.ShouldBe(RecoveryPoint.AtPosition(targets[b]), "B's own point: just before its deletion, not A's");
        outcome.ShouldAllBe(r => r.PointTime != null && r.UndoPoint != null);
        job.Point.ShouldBe($"per site, position:{targets[a]} to position:{targets[b]}");
    }

    [Fact]
    public async Task AJobFromAnAlert_BringsEachSiteOfTheBurstBackToTheInstantBeforeTheBurstReachedIt()
    {
        var clock = new TestClock();
        clock.Freeze();
        await using var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, clock);
        var sites = await SitesWithDataAsync(platform, 4);
        await platform.Detector.CheckAsync();
        var rogue = platform.WithActor($"rogue-{Guid.NewGuid():n}");
        foreach (var site in sites.Take(3))
        {
            await rogue.Sites.DeleteAsync(site, "no plan at all");
        }

        // The last site's customers are still at work while the script deletes the others.
        var last = sites[3];
        await platform.Store.Records.PutAsync(last.Tenant, Issues, "iss-late", new { title = "written during the burst", status = "open" });
        var lastBefore = await platform.Store.Records.DigestAsync(last.Tenant);
        await rogue.Sites.DeleteAsync(last, "no plan at all");
        clock.Advance(TimeSpan.FromSeconds(5));
        var alert = (await platform.Detector.CheckAsync()).Single(a => a.Actor == rogue.Store.Actor);
        await platform.Detector.AcknowledgeAsync(alert.Id); // an open alert would halt the other tests' plans

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("undo the burst") { Alert = alert.Id });
        await RunWorkerAsync(platform);

        var outcome = await platform.Restores.SitesAsync(job.Id);
        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed, string.Join("; ", outcome.Select(r => r.Error).OfType<string>()));
        outcome.Select(r => r.Site.Value).Order(StringComparer.Ordinal).ShouldBe(sites.Select(s => s.Value).Order(StringComparer.Ordinal));
        outcome.Select(r => r.Point.Position).Distinct().Count().ShouldBe(4, "each site to the position before the burst's write to it");
        (await platform.Store.Records.DigestAsync(last.Tenant)).ShouldBe(lastBefore, "the last site keeps what was written to it during the burst");
        (await platform.Sites.GetAsync(last)).State.ShouldBe(TenantState.Active);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("site undelete")]
    [InlineData("store restore")]
    public async Task AQueuedJob_WhoseSiteWasReopenedAndWrittenBeforeAWorkerCame_FailsThatSiteSayingWhatChanged_AndRevertsNothing(string reopen)
    {
        await using var platform = await DrillPlatformAsync();
        var site = (await SitesWithDataAsync(platform, 1))[0];
        var point = RecoveryPoint.AtPosition((await platform.Store.Records.PutAsync(site.Tenant, Issues, "iss-0", new { title = "last before the delete", status = "open" })).Position);
        await platform.Sites.DeleteAsync(site, "oops");
        var job = await platform.Restores.StartAsync(new RestoreJobRequest("bring it back") { Sites = [site], Point = point });

        // No worker yet. Someone reopens the site another way, and its users go back to work.
        if (reopen == "site undelete")
        {
            await platform.Sites.UndeleteAsync(site, "support reopened it");
        }
        else
        {
            await platform.Store.Restores.RestoreAsync(site.Tenant, point);
        }

        await platform.Identity.AddUserAsync(site, "new@example.com", "New");
        await platform.Flags.SetAsync(site, "after-reopen", true);
        var reopened = await platform.Store.Records.DigestAsync(site.Tenant);
        await RunWorkerAsync(platform);

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.CompletedWithFailures);
        var failed = (await platform.Restores.SitesAsync(job.Id)).Single();
        failed.State.ShouldBe(SiteRestoreState.Failed);
        failed.Error.ShouldNotBeNull();
        failed.Error.ShouldStartWith($"catalog: site {site} changed after restore job {job.Id} was created for it: it is Active now (the job found it Deleted)");
        failed.Error.ShouldContain($"after position {failed.FoundAs!.Position}");
        failed.Error.ShouldContain($"start a new job for it, which takes a new dry run of what it would discard: lifeboat restore start --sites {site} --to {point}");
        (await platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active, "the site is left open, as it was");
        (await platform.Store.Records.DigestAsync(site.Tenant)).ShouldBe(reopened, "nothing written after the job was created is reverted");
        (await platform.Identity.SignInAsync(site, "new@example.com")).Email.ShouldBe("new@example.com");
        (await platform.Flags.ListAsync(site)).ShouldContain(new FeatureFlag("after-reopen", true));
    }

    [Fact]
    public async Task AJobThatWouldDiscardLaterWrites_IsRefusedUnlessAskedForExplicitly_AndShowsItsDryRun_AndIsUndoneByAnother()
    {
        await using var platform = await DrillPlatformAsync();
        var site = (await SitesWithDataAsync(platform, 1))[0];
        var point = RecoveryPoint.AtPosition((await platform.Store.Records.GetAsync(site.Tenant, Issues.Name, "iss-0"))!.Position - 1);
        var before = await platform.Store.Records.DigestAsync(site.Tenant);

        // A healthy, Active site; 20 issues and an attachment were written after the point.
        var refused = await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Sites = [site], Point = point }));
        refused.Kind.ShouldBe(PlatformErrorKind.Invalid);
        refused.Message.ShouldContain($"restoring 1 site to its point would discard what was written after: site {site} to {point}: 21 live records reverted or deleted (tracker.attachments 1, tracker.issues 20)");
        refused.Message.ShouldContain("ask for it explicitly (lifeboat restore start … --discard-later-writes; over HTTP, discardLaterWrites: true)");
        (await platform.Restores.ListAsync()).ShouldNotContain(j => j.Reason == "x");
        (await platform.Store.Records.DigestAsync(site.Tenant)).ShouldBe(before);

        var twice = await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("x") { Sites = [site, site], Point = point, DiscardLaterWrites = true }));
        twice.Message.ShouldContain($"1 site(s) are listed more than once ({site}). List each site once.");

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("roll the site back on purpose") { Sites = [site], Point = point, DiscardLaterWrites = true });
        job.State.ShouldBe(RestoreJobState.Running, "one site and 21 records are under the policy's thresholds: no second approver");
        (job.DryRun.SitesDiscardingWrites, job.DryRun.RecordsDiscarded, job.Approval.Required).ShouldBe((1, 21L, false));
        var dryRun = (await platform.Restores.SitesAsync(job.Id)).Single().DryRun!;
        dryRun.Changes.Single(c => c.Collection == Issues.Name).Deleted.ShouldBe(20);
        dryRun.Changes.Single(c => c.Collection == Attachments.Name).BlobBytes.ShouldBe(0);
        await RunWorkerAsync(platform);
        var restored = (await platform.Restores.SitesAsync(job.Id)).Single();
        restored.State.ShouldBe(SiteRestoreState.Restored, restored.Error);
        (await platform.Store.Records.GetAsync(site.Tenant, Issues.Name, "iss-0")).ShouldBeNull();
        job.UndoCommand.ShouldBe($"lifeboat restore undo {job.Id} --reason \"…\"");

        // The undo only brings back what the job tombstoned: it discards nothing, so it needs no explicit ask.
        var undo = await platform.Restores.UndoAsync(job.Id, "we were wrong");
        (undo.Source, undo.Undoes, undo.Point).ShouldBe(($"undo:{job.Id}", (RestoreJobId?)job.Id, restored.UndoPoint!.Value.ToString()));
        await RunWorkerAsync(platform);
        (await platform.Restores.GetAsync(undo.Id)).State.ShouldBe(RestoreJobState.Completed);
        (await platform.Store.Records.DigestAsync(site.Tenant)).ShouldBe(before, "the undo brings back every write the job discarded");
    }

    [Fact]
    public async Task ADiscardingJobAboveThePolicysThresholds_WaitsForASecondPerson_AndCanBeCancelled()
    {
        var strict = PlatformFixture.WithoutBreaker;
        strict.SecondApproverAbove.Records = 5;
        await using var dana = await fixture.OpenAsync(strict, TimeProvider.System, actor: "dana");
        await using var sameDana = await fixture.OpenAsync(strict, TimeProvider.System, actor: " DANA ");
        await using var lee = await fixture.OpenAsync(strict, TimeProvider.System, actor: "lee");
        var sites = await SitesWithDataAsync(dana, 2);
        var point = RecoveryPoint.AtPosition((await dana.Store.Records.GetAsync(sites[0].Tenant, Issues.Name, "iss-0"))!.Position - 1);
        var before = await dana.Store.Records.DigestAsync(sites[0].Tenant);

        var job = await dana.Restores.StartAsync(new RestoreJobRequest("roll back") { Sites = [sites[0]], Point = point, DiscardLaterWrites = true });
        job.State.ShouldBe(RestoreJobState.AwaitingApproval);
        job.Approval.Reasons.ShouldBe(["it discards 21 records written after the points (more than 5)"]);
        await RunWorkerAsync(dana);
        (await dana.Store.Records.DigestAsync(sites[0].Tenant)).ShouldBe(before, "no worker touches a job awaiting approval");
        (await dana.Restores.ProgressAsync(job.Id)).Pending.ShouldBe(1);

        (await Should.ThrowAsync<PlatformException>(() => sameDana.Restores.ApproveAsync(job.Id))).Message
            .ShouldContain($"asked for restore job {job.Id} and cannot also approve it; a second person must");
        var approved = await lee.Restores.ApproveAsync(job.Id);
        (approved.State, approved.Approval.ApprovedBy).ShouldBe((RestoreJobState.Running, "lee"));
        (await Should.ThrowAsync<PlatformException>(() => lee.Restores.ApproveAsync(job.Id))).Message.ShouldContain("only a job awaiting approval can be approved");
        await RunWorkerAsync(dana);
        (await dana.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed);

        var otherPoint = RecoveryPoint.AtPosition((await dana.Store.Records.GetAsync(sites[1].Tenant, Issues.Name, "iss-0"))!.Position - 1);
        var other = await dana.Restores.StartAsync(new RestoreJobRequest("roll back too") { Sites = [sites[1]], Point = otherPoint, DiscardLaterWrites = true });
        var cancelled = await lee.Restores.CancelAsync(other.Id, "not needed after all");
        (cancelled.State, cancelled.CancelledBy, cancelled.CancelReason).ShouldBe((RestoreJobState.Cancelled, "lee", "not needed after all"));
        (await dana.Restores.SitesAsync(other.Id)).Single().State.ShouldBe(SiteRestoreState.Cancelled);
        (await dana.Restores.StartAsync(new RestoreJobRequest("the site is free again") { Sites = [sites[1]], Point = otherPoint, DiscardLaterWrites = true }))
            .State.ShouldBe(RestoreJobState.AwaitingApproval);
    }

    [Fact]
    public async Task UndoingDamage_UndeletingRecordsAndReopeningSites_NeedsNoApprovalUnderTheStrictestPolicy_ButUndoingThatRestoreDoes()
    {
        var strictest = PlatformFixture.WithoutBreaker;
        strictest.SecondApproverAbove.Sites = 0;
        strictest.SecondApproverAbove.Records = 0;
        await using var platform = await fixture.OpenAsync(strictest, TimeProvider.System);
        var sites = await SitesWithDataAsync(platform, 2);
        var point = RecoveryPoint.AtPosition((await platform.Store.Records.GetAsync(sites[1].Tenant, Attachments.Name, "att-1"))!.Position);
        var script = platform.WithActor("script");
        foreach (var site in sites)
        {
            await script.Store.Records.DeleteAsync(site.Tenant, Issues.Name, ["iss-1", "iss-2"]);
            await script.Sites.DeleteAsync(site, "the script");
        }

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("undo the script") { Sites = sites, Point = point });

        (job.State, job.DryRun.DiscardsWrites, job.DryRun.SitesChanged, job.DryRun.RecordsChanged).ShouldBe((RestoreJobState.Running, false, 2, 4L));
        foreach (var site in await platform.Restores.SitesAsync(job.Id))
        {
            (site.DryRun!.StateNow, site.DryRun.StateAtPoint, site.DryRun.Changes.Single().Undeleted).ShouldBe((TenantState.Deleted, TenantState.Active, 2));
            site.FoundAs.ShouldBe(new RestoreExpectation(TenantState.Deleted, site.FoundAs!.Position));
        }

        await RunWorkerAsync(platform);
        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed);

        // Undoing that restore deletes the sites again and tombstones the records it brought back: destructive.
        var refused = await Should.ThrowAsync<PlatformException>(() => platform.Restores.UndoAsync(job.Id, "put it back as the script left it"));
        refused.Message.ShouldContain($"site {sites[0]} to ");
        refused.Message.ShouldContain("2 live records reverted or deleted (tracker.issues 2), and the site closed (Active now, Deleted at the point)");
        var undo = await platform.Restores.UndoAsync(job.Id, "put it back as the script left it", discardLaterWrites: true);
        undo.State.ShouldBe(RestoreJobState.AwaitingApproval);
        undo.Approval.Reasons.ShouldBe(["it discards later writes of 2 sites (more than 0)", "it discards 4 records written after the points (more than 0)"]);
        (undo.DryRun.SitesClosed, undo.Undoes).ShouldBe((2, (RestoreJobId?)job.Id));
    }

    private static async Task RunWorkerAsync(LifeboatPlatform platform)
    {
        await using var worker = platform.Restores.CreateWorker("w", 4);
        await worker.RunAsync(untilIdle: true);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            patience.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), $"waited for {what}");
            await Task.Delay(50);
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
