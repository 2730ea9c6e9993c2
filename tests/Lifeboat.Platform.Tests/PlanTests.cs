using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

public sealed class PlanTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>, IAsyncLifetime
{
    private LifeboatPlatform Platform => fixture.Platform;

    /// <summary>The policy is the environment's, shared by this class's tests: each starts from the defaults (the breaker off; its tests are its own).</summary>
    public async ValueTask InitializeAsync() => await fixture.PutInForceAsync(PlatformFixture.WithoutBreaker);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task April2022_UninstallAppGiven883SiteIds_IsRefusedNamingBothKinds_AndNothingChanges()
    {
        var sites = await SitesWithTheAppAsync(3);
        var siteIds = sites.Select(s => s.Site.Value).Concat(Enumerable.Range(0, 880).Select(_ => TypedId.New<SiteId>(TimeProvider.System).Value)).ToList();
        var request = new PlanRequest("uninstall-app", "app-installation", siteIds, "Retire Legacy Insights", new Dictionary<string, string>());

        var e = await Should.ThrowAsync<PlanRefusedException>(() => Platform.WithActor("script").Plans.SubmitAsync(request));

        e.Message.ShouldStartWith("plan refused: 883 of 883 targets are not app installation IDs (ain_…): 883 are site IDs (site_…).");
        e.Message.ShouldContain("is a site ID (site_…), but an app installation ID (ain_…) is expected here.");
        e.Problems.Count.ShouldBe(883);
        foreach (var (site, installation) in sites)
        {
            (await Platform.Apps.InstalledAsync(site)).Select(a => a.Id).ShouldBe([installation]);
        }

        (await Platform.Audit.OfAsync("plan-refused")).ShouldContain(a => a.Actor == "script" && a.Step == "refused");
    }

    [Fact]
    public async Task SubmitAsync_MoreTargetsThanThePolicysMaxTargets_IsRefusedNamingTheCapAndHowToRaiseIt()
    {
        var sites = await SitesWithTheAppAsync(4);
        var request = new PlanRequest("uninstall-app", "app-installation", sites.Select(s => s.Installation.Value).ToList(), "Retire Legacy Insights", new Dictionary<string, string>());
        await fixture.PutInForceAsync(new PlanPolicy { Breaker = { Enabled = false }, MaxTargets = 3 });

        var e = await Should.ThrowAsync<PlanRefusedException>(() => Platform.WithActor("alice").Plans.SubmitAsync(request));

        e.Message.ShouldStartWith("plan refused: it lists 4 targets, and policy version");
        e.Message.ShouldContain("allows at most 3 per plan (max-targets)");
        e.Message.ShouldContain("Split the change into plans of at most 3 targets, or propose a policy with a higher max-targets (lifeboat policy propose)");
        e.Violations.ShouldBe(["it lists 4 targets; max-targets is 3."]);
        (await Platform.Plans.ListAsync()).ShouldNotContain(p => p.RequestedBy == "alice" && p.BlastRadius.Targets == 4);
        foreach (var (site, installation) in sites)
        {
            (await Platform.Apps.InstalledAsync(site)).Select(a => a.Id).ShouldBe([installation]);
        }

        await fixture.PutInForceAsync(new PlanPolicy { Breaker = { Enabled = false }, MaxTargets = 4 });
        (await Platform.WithActor("alice").Plans.SubmitAsync(request)).BlastRadius.Sites.ShouldBe(4, "a raised cap lets the same plan through");
    }

    [Fact]
    public async Task SubmitAsync_TenThousandAndOneTargetsUnderTheDefaults_IsRefusedBeforeAnyIdIsLookedUp()
    {
        var ids = Enumerable.Range(0, 10_001).Select(_ => TypedId.New<AppInstallationId>(TimeProvider.System).Value).ToList();

        var e = await Should.ThrowAsync<PlanRefusedException>(() =>
            Platform.WithActor("script").Plans.SubmitAsync(new PlanRequest("uninstall-app", "app-installation", ids, "Too many", new Dictionary<string, string>())));

        e.Message.ShouldContain("it lists 10001 targets, and policy version");
        e.Message.ShouldContain("allows at most 10000 per plan (max-targets)");
        e.Problems.ShouldBeEmpty("no ID was looked up, so none is reported missing");
        Should.Throw<PlatformException>(() => PlanPolicy.Parse("max-targets: 0\n", "p.yaml")).Message.ShouldContain("max-targets must be 1 to 1000000");
    }

    [Fact]
    public async Task TheSamePlanWithInstallationIds_RemovesOnlyTheApps_InWaves_WithARehearsedRollback()
    {
        var sites = await SitesWithTheAppAsync(24, internalSites: 2);
        var other = await Platform.Apps.InstallAsync(sites[5].Site, PlatformFixture.LegacyApp);
        var request = new PlanRequest("uninstall-app", "app-installation", sites.Select(s => s.Installation.Value).ToList(), "Retire Legacy Insights", new Dictionary<string, string>());
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(request);

        plan.Decision.NeedsSecondApprover.ShouldBeTrue();
        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.RunAsync(plan.Id))).Message.ShouldContain("needs a second approver");
        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        var done = await Platform.Plans.Runner.RunAsync(plan.Id);

        done.State.ShouldBe(PlanState.Completed, done.StateReason);
        done.Waves.Select(w => w.Kind).ShouldBe(["internal", "canary", "rollout", "rollout", "rollout"]);
        done.Waves[0].Size.ShouldBe(2);
        done.Waves[1].Size.ShouldBe(2, "5% of 22 customer targets, rounded up");
        done.Rehearsal.ShouldNotBeNull();
        done.Rehearsal.Passed.ShouldBeTrue();
        done.Rehearsal.Verified.ShouldBe(2);
        foreach (var (site, _) in sites)
        {
            (await Platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active, "only the app went, never the site");
            (await Platform.Identity.UsersAsync(site)).Count.ShouldBe(1);
        }

        (await Platform.Apps.InstalledAsync(sites[5].Site)).Select(a => a.Id).ShouldBe([other.Id], "an installation the plan did not name stays");
        var audit = await Platform.Audit.OfAsync(plan.Id.Value);
        audit.Select(a => a.Step).ShouldContain("rehearsal-passed");
        audit.Where(a => a.Step == "applied").Count().ShouldBe(24 + 2, "each target once, plus the two re-applied after the rehearsal");
        audit.ShouldAllBe(a => a.ContentHash == null || a.ContentHash == plan.ContentHash);
        audit.Single(a => a.Step == "approved").Actor.ShouldBe("bob");
    }

    [Fact]
    public async Task AHealthSignalDuringAWave_HaltsThePlan_AndLeavesTheRestUntouched()
    {
        var sites = await SitesWithTheAppAsync(10, internalSites: 1);
        await using var platform = await fixture.OpenAsync(new PlanPolicy { SecondApproverAbove = { Sites = 100 }, Breaker = { Enabled = false } });
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("uninstall-app", "app-installation", sites.Select(s => s.Installation.Value).ToList(),
            "Retire Legacy Insights", new Dictionary<string, string>()));
        var complained = false;

        var halted = await platform.Plans.Runner.RunAsync(plan.Id, new Inline(p =>
        {
            if (!complained)
            {
                complained = true;
                platform.Plans.SignalAsync(null, sites[0].Site, "support", "customer cannot open their dashboards").GetAwaiter().GetResult();
            }
        }));

        halted.State.ShouldBe(PlanState.Halted);
        halted.StateReason!.ShouldContain("health signal from support after wave 1");
        var targets = await platform.Plans.TargetsAsync(plan.Id);
        targets.Where(t => t.Wave == 1).ShouldAllBe(t => t.State == TargetState.Applied);
        targets.Where(t => t.Wave > 1).ShouldAllBe(t => t.State == TargetState.Pending);
        foreach (var (site, installation) in sites.Skip(1))
        {
            (await platform.Apps.InstalledAsync(site)).Select(a => a.Id).ShouldBe([installation]);
        }

        (await Should.ThrowAsync<PlatformException>(() => platform.Plans.ResumeAsync(plan.Id, null))).Message.ShouldContain($"--ack {halted.HaltCode}");
        (await Should.ThrowAsync<PlatformException>(() => platform.Plans.Runner.RunAsync(plan.Id))).Message.ShouldContain("halted");
        await platform.Plans.ResumeAsync(plan.Id, halted.HaltCode);
        (await platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
    }

    [Fact]
    public async Task ATargetThatFails_HaltsThePlanAtOnce()
    {
        var sites = await SitesWithTheAppAsync(4);
        await using var platform = await fixture.OpenAsync(new PlanPolicy { SecondApproverAbove = { Sites = 100 }, Breaker = { Enabled = false } });
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("uninstall-app", "app-installation", sites.Select(s => s.Installation.Value).ToList(), "x", new Dictionary<string, string>()));
        await platform.Sites.DeleteAsync(sites[0].Site, "deleted meanwhile");

        var halted = await platform.Plans.Runner.RunAsync(plan.Id);

        halted.State.ShouldBe(PlanState.Halted);
        halted.HaltCode.ShouldBe($"failure:{sites[0].Installation}");
        halted.StateReason!.ShouldContain("is Deleted");
        (await platform.Apps.InstalledAsync(sites[1].Site)).Count.ShouldBe(1);

        // The cause is dealt with; acknowledging the failure tries that target again.
        await platform.Sites.UndeleteAsync(sites[0].Site, "deleted by mistake");
        await platform.Plans.ResumeAsync(plan.Id, halted.HaltCode);
        (await platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
        (await platform.Apps.InstalledAsync(sites[0].Site)).ShouldBeEmpty();
    }

    [Fact]
    public async Task DryRun_ReportsTheBlastRadius_WithTheCustomersToTell()
    {
        var a = await fixture.NewSiteAsync(isInternal: true);
        var b = await fixture.NewSiteAsync();
        await Platform.Identity.AddUserAsync(b.Id, "x@example.com", "X");
        await Platform.Identity.AddUserAsync(b.Id, "y@example.com", "Y");
        await Platform.Provisioning.GrantLicenceAsync(b.Id, PlatformFixture.Tracker, 3);
        await Platform.Provisioning.ReconcileAsync(b.Id);
        await Platform.Store.Blobs.PutAsync(b.Id.Tenant, new CollectionDefinition("tracker.attachments"), "att", new MemoryStream(new byte[5000]));
        await Platform.Contacts.AddAsync(b.Id, ContactRole.Admin, "Dana", "dana@example.com", null);

        var plan = await Platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [a.Id.Value, b.Id.Value], "decommission", new Dictionary<string, string>()));

        var radius = plan.BlastRadius;
        (radius.Sites, radius.InternalSites, radius.Products, radius.Users, radius.Blobs, radius.BlobBytes).ShouldBe((2, 1, 1, 2L, 1L, 5000L));
        radius.Records.ShouldBeGreaterThan(5);
        radius.Customers.Single(c => c.Site == b.Id).Contacts.Single().Email.ShouldBe("dana@example.com");
        (await Platform.Sites.GetAsync(b.Id)).State.ShouldBe(TenantState.Active, "a dry run changes nothing");
    }

    [Fact]
    public async Task IdsThatDoNotExistHere_AreRefused_UnlessDroppedExplicitly()
    {
        var real = await SitesWithTheAppAsync(2);
        var ghost = TypedId.New<AppInstallationId>(TimeProvider.System).Value;
        var ghosts = Enumerable.Range(0, 5).Select(_ => TypedId.New<AppInstallationId>(TimeProvider.System).Value).ToList();

        (await Should.ThrowAsync<PlanRefusedException>(() => Platform.Plans.SubmitAsync(Uninstall(ghosts))))
            .Message.ShouldContain("none of its 5 app installation IDs exist in this environment");
        var partly = await Should.ThrowAsync<PlanRefusedException>(() => Platform.Plans.SubmitAsync(Uninstall([real[0].Installation.Value, ghost])));
        partly.Message.ShouldContain("1 of its 2 IDs do not exist in this environment");
        partly.Message.ShouldContain("--drop-unresolved");

        var plan = await Platform.Plans.SubmitAsync(Uninstall([real[0].Installation.Value, ghost]), dropUnresolved: true);

        plan.Dropped.ShouldBe([ghost]);
        (await Platform.Plans.TargetsAsync(plan.Id)).Select(t => t.Id).ShouldBe([real[0].Installation.Value]);
    }

    [Fact]
    public async Task BadPlans_AreRefusedWithAClearError()
    {
        var site = await fixture.NewSiteAsync();

        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.SubmitAsync(new PlanRequest("delete-app", "app-installation", ["ain_01"], "x", new Dictionary<string, string>()))))
            .Message.ShouldStartWith("unknown action 'delete-app'; a plan can: uninstall-app, delete-site");
        (await Should.ThrowAsync<PlanRefusedException>(() => Platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [site.Id.Value, site.Id.Value], "x", new Dictionary<string, string>()))))
            .Message.ShouldContain("lists 1 ID(s) more than once");
        (await Should.ThrowAsync<PlanRefusedException>(() => Platform.Plans.SubmitAsync(new PlanRequest("uninstall-app", "site", [site.Id.Value], "x", new Dictionary<string, string>()))))
            .Message.ShouldContain("uninstall-app takes app installation IDs (ain_…), but the plan declares its targets are site IDs");
        Should.Throw<PlatformException>(() => PlanFile.Parse("action: delete-site\ntarget: site\ntargets: [site_01]\nreason: x\ntaget: y\n", "plan.yaml"))
            .Message.ShouldContain("plan plan.yaml, line 5");
        Should.Throw<PlatformException>(() => PlanFile.Parse("action: delete-site\ntarget: site\nreason: x\n", "plan.yaml"))
            .Message.ShouldContain("has no targets");
    }

    [Fact]
    public async Task APlanChangedAfterApproval_DoesNotRun()
    {
        var sites = await SitesWithTheAppAsync(8);
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(Uninstall(sites.Take(7).Select(s => s.Installation.Value).ToList()));
        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        (await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("alice").Plans.ApproveAsync(plan.Id, plan.ContentHash)))
            .Message.ShouldContain("alice requested plan");

        // The target list is changed behind the approval's back.
        await using (var tamper = DatabaseSql.AsOwner(Platform.Options.Store).CreateCommand("UPDATE platform.plan_targets SET target_id = $2 WHERE plan_id = $1 AND ordinal = 0"))
        {
            tamper.Parameters.Add(new() { Value = plan.Id.Value });
            tamper.Parameters.Add(new() { Value = sites[7].Installation.Value });
            await tamper.ExecuteNonQueryAsync();
        }

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.RunAsync(plan.Id));

        e.Message.ShouldContain($"plan {plan.Id} changed after it was approved");
        e.Message.ShouldContain("Nothing ran");
        (await Platform.Apps.InstalledAsync(sites[7].Site)).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("ROOT")]
    [InlineData("root ")]
    [InlineData("ｒｏｏｔ")] // full width: the same name in Unicode compatibility form (NFKC)
    public async Task APlanApprovedByItsRequesterSpelledOtherwise_IsRefused_AndDoesNotRun(string approver)
    {
        var sites = await SitesWithTheAppAsync(6);
        var plan = await Platform.WithActor("root").Plans.SubmitAsync(Uninstall(sites.Select(s => s.Installation.Value).ToList()));

        var refused = await Should.ThrowAsync<PlatformException>(() => Platform.WithActor(approver).Plans.ApproveAsync(plan.Id, plan.ContentHash));

        refused.Kind.ShouldBe(PlatformErrorKind.Conflict);
        refused.Message.ShouldBe($"{approver} (the same person as root: names that differ only in case, surrounding spaces or Unicode form name one person) requested plan {plan.Id} and cannot also approve it; a second person must.");
        (await Platform.Plans.GetAsync(plan.Id)).ApprovedBy.ShouldBeNull();
        (await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("root").Plans.Runner.RunAsync(plan.Id))).Message.ShouldContain("needs a second approver");
        foreach (var (site, installation) in sites)
        {
            (await Platform.Apps.InstalledAsync(site)).Select(a => a.Id).ShouldBe([installation]);
        }
    }

    [Fact]
    public async Task TheDatabase_RefusesAPlanApprovedByItsRequesterSpelledOtherwise_WhateverPathWritesIt()
    {
        var sites = await SitesWithTheAppAsync(6);
        var plan = await Platform.WithActor("root").Plans.SubmitAsync(Uninstall(sites.Select(s => s.Installation.Value).ToList()));
        await using var cmd = DatabaseSql.AsApplication(Platform.Options.Store).CreateCommand("UPDATE platform.plans SET approved_by = 'Root ', approved_hash = content_hash WHERE plan_id = $1");
        cmd.Parameters.Add(new() { Value = plan.Id.Value });

        (await Should.ThrowAsync<Npgsql.PostgresException>(() => cmd.ExecuteNonQueryAsync())).ConstraintName.ShouldBe("plans_second_person");
    }

    [Fact]
    public async Task AmendingAnApprovedPlan_RequiresApprovalAgain()
    {
        var sites = await SitesWithTheAppAsync(7);
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(Uninstall(sites.Take(6).Select(s => s.Installation.Value).ToList()));
        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);

        var amended = await Platform.WithActor("alice").Plans.AmendAsync(plan.Id, Uninstall(sites.Select(s => s.Installation.Value).ToList()));

        amended.ContentHash.ShouldNotBe(plan.ContentHash);
        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.RunAsync(plan.Id))).Message.ShouldContain("changed after it was approved");
        (await Should.ThrowAsync<PlatformException>(() => Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash))).Message.ShouldContain("is not what was reviewed");
        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, amended.ContentHash);
        (await Platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
    }

    [Fact]
    public async Task DeletingManySites_NeedsAnExplicitPolicyException_ForThatPlan()
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < 12; i++)
        {
            sites.Add((await fixture.NewSiteAsync()).Id);
        }

        var request = new PlanRequest("delete-site", "site", sites.Select(s => s.Value).ToList(), "close the test fleet", new Dictionary<string, string>());
        var refused = await Should.ThrowAsync<PlanRefusedException>(() => Platform.WithActor("alice").Plans.SubmitAsync(request));
        refused.Message.ShouldContain("delete-site on more than 10 targets (12) needs an explicit policy exception for this plan");
        var hash = refused.Message.Split("plan-hash: ")[1].Split(',')[0];

        var policy = PlanPolicy.Parse($"""
            exceptions:
              - action: delete-site
                plan-hash: {hash}
                approved-by: cto
                reason: the test fleet is retired
            """, "policy.yaml");
        await using var platform = await fixture.OpenAsync(policy, actor: "alice");
        var plan = await platform.Plans.SubmitAsync(request);

        plan.Decision.Exception.ShouldBe("cto: the test fleet is retired");
        plan.Decision.NeedsSecondApprover.ShouldBeTrue();
        policy.BulkLimits["erase-site"].ShouldBe(1, "a policy file changes only the limits it names");
    }

    [Fact]
    public async Task TheChecksBeforeARunOrARollback_RefuseWhatTheyWouldRefuse_AndChangeNothing()
    {
        var sites = await SitesWithTheAppAsync(6);
        var plan = await Platform.WithActor("alice").Plans.SubmitAsync(Uninstall(sites.Select(s => s.Installation.Value).ToList()));

        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.CheckCanRunAsync(plan.Id))).Message.ShouldContain("needs a second approver");
        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.CheckCanRollBackAsync(plan.Id))).Message.ShouldBe($"plan {plan.Id} is Verified; there is nothing to roll back.");
        (await Platform.Plans.GetAsync(plan.Id)).State.ShouldBe(PlanState.Verified);
        (await Platform.Audit.OfAsync(plan.Id.Value)).Select(a => a.Step).ShouldBe(["submitted"]);

        await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        (await Platform.Plans.Runner.CheckCanRunAsync(plan.Id)).State.ShouldBe(PlanState.Verified);
        await Platform.Plans.Runner.RunAsync(plan.Id);

        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.CheckCanRunAsync(plan.Id))).Message.ShouldContain("is Completed");
        (await Platform.Plans.Runner.CheckCanRollBackAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
        (await Platform.Plans.Runner.RollbackAsync(plan.Id)).State.ShouldBe(PlanState.RolledBack);
        (await Should.ThrowAsync<PlatformException>(() => Platform.Plans.Runner.RollbackAsync(plan.Id))).Message.ShouldBe($"plan {plan.Id} is RolledBack; there is nothing to roll back.");
    }

    [Fact]
    public async Task Rollback_UndoesEveryAppliedTarget_ToItsStateBeforeThePlan()
    {
        var sites = await SitesWithTheAppAsync(3);
        await using var platform = await fixture.OpenAsync(new PlanPolicy { SecondApproverAbove = { Sites = 100 }, Breaker = { Enabled = false } });
        var plan = await platform.Plans.SubmitAsync(Uninstall(sites.Select(s => s.Installation.Value).ToList()));
        await platform.Plans.Runner.RunAsync(plan.Id);
        await platform.Flags.SetAsync(sites[0].Site, "after-the-plan", true);

        var rolledBack = await platform.Plans.Runner.RollbackAsync(plan.Id);

        rolledBack.State.ShouldBe(PlanState.RolledBack);
        foreach (var (site, installation) in sites)
        {
            (await platform.Apps.InstalledAsync(site)).Select(a => a.Id).ShouldBe([installation]);
        }

        (await platform.Flags.ListAsync(sites[0].Site)).Single().Key.ShouldBe("after-the-plan", "the undo restores only what the plan changed");
    }

    [Fact]
    public void Policy_WithAnUnknownKeyOrAction_IsRefused()
    {
        Should.Throw<PlatformException>(() => PlanPolicy.Parse("bulk-limits:\n  delete-everything: 3\n", "p.yaml")).Message.ShouldContain("unknown action 'delete-everything'");
        Should.Throw<PlatformException>(() => PlanPolicy.Parse("hard-capz: 3\n", "p.yaml")).Message.ShouldContain("policy p.yaml, line 1");
    }

    [Fact]
    public async Task TwoRunnersOfOnePlan_ApplyEachTargetOnce()
    {
        var sites = await SitesWithTheAppAsync(4);
        await using var platform = await fixture.OpenAsync(new PlanPolicy { SecondApproverAbove = { Sites = 100 }, Breaker = { Enabled = false } });
        await using var other = await fixture.OpenAsync(new PlanPolicy { SecondApproverAbove = { Sites = 100 }, Breaker = { Enabled = false } });
        var plan = await platform.Plans.SubmitAsync(Uninstall(sites.Select(s => s.Installation.Value).ToList()));

        var runs = await Task.WhenAll(new[] { platform, other }.Select(async p =>
        {
            try
            {
                return (await p.Plans.Runner.RunAsync(plan.Id)).State.ToString();
            }
            catch (PlatformException e) when (e.Message.Contains("already being run", StringComparison.Ordinal))
            {
                return "refused";
            }
        }));

        runs.ShouldContain(nameof(PlanState.Completed));
        (await platform.Audit.OfAsync(plan.Id.Value)).Count(a => a.Step == "applied").ShouldBe(4 + 1, "each target once, plus the rehearsal's re-apply");
        (await Should.ThrowAsync<PlatformException>(() => platform.Plans.Runner.RunAsync(plan.Id))).Message.ShouldContain("is Completed");
    }

    private static PlanRequest Uninstall(List<string> ids) => new("uninstall-app", "app-installation", ids, "Retire Legacy Insights", new Dictionary<string, string>());

    private async Task<List<(SiteId Site, AppInstallationId Installation)>> SitesWithTheAppAsync(int count, int internalSites = 0)
    {
        var list = new List<(SiteId, AppInstallationId)>();
        for (var i = 0; i < count; i++)
        {
            var site = await fixture.NewSiteAsync(isInternal: i < internalSites);
            await Platform.Identity.AddUserAsync(site.Id, $"user{i}@example.com", "User");
            list.Add((site.Id, (await Platform.Apps.InstallAsync(site.Id, PlatformFixture.LegacyApp)).Id));
        }

        return list;
    }

    private sealed class Inline(Action<PlanProgress> report) : IProgress<PlanProgress>
    {
        public void Report(PlanProgress value) => report(value);
    }
}
