using Lifeboat.Platform.Detection;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

public sealed class DetectorTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task DeletionsBeyondTheBaseline_HaltARunningPlan_WithinAMinuteOfSimulatedTime()
    {
        var clock = new TestClock();
        clock.Freeze();
        var policy = new PlanPolicy { AllowDrillOverride = true, Waves = { PaceMilliseconds = 5_000 }, Breaker = { Enabled = false } };
        policy.Detector.Floors["tenant.delete"] = 3;
        await using var platform = await fixture.OpenAsync(policy, clock, actor: "script");
        var sites = new List<SiteId>();
        for (var i = 0; i < 15; i++)
        {
            sites.Add((await platform.Sites.CreateAsync($"Doomed {Guid.NewGuid():n}", "eu-west")).Id);
        }

        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", sites.Select(s => s.Value).ToList(), "the 2022 script, bypassing the guardrails",
            new Dictionary<string, string>(), Override: "drill"));
        await platform.Detector.CheckAsync();

        var run = Task.Run(() => platform.Plans.Runner.RunAsync(plan.Id));
        Alert? alert = null;
        for (var second = 0; second < 600 && !run.IsCompleted; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            var raised = await platform.Detector.CheckAsync();
            alert ??= raised.Count > 0 ? raised[0] : null;
            await Task.Delay(10);
        }

        var result = await run;
        alert.ShouldNotBeNull();
        result.State.ShouldBe(PlanState.Halted);
        result.HaltCode.ShouldBe(alert.Id.Value);
        alert.Action.ShouldBe("tenant.delete");
        alert.Actor.ShouldBe("script");
        (alert.DetectedAt - alert.FirstSeenAt).ShouldBeLessThanOrEqualTo(TimeSpan.FromMinutes(1));
        alert.HaltedPlans.ShouldBe([plan.Id]);
        var deleted = 0;
        foreach (var site in sites)
        {
            deleted += (await platform.Sites.GetAsync(site)).State == TenantState.Deleted ? 1 : 0;
        }

        deleted.ShouldBeInRange(4, 6, "the burst is stopped a few deletions past the baseline, not 15");
        (await platform.Events.PeekAsync("incident-side")).ShouldContain(e => e.Type == "alert.raised" && e.Subject == alert.Id.Value);
        (await platform.Audit.OfAsync(plan.Id.Value)).Select(a => a.Step).ShouldContain("guardrails-overridden");
    }

    [Fact]
    public async Task DeletionsThatBypassPlans_AreSeenToo_AndHaltWhateverPlanIsRunning()
    {
        var clock = new TestClock();
        clock.Freeze();
        var policy = new PlanPolicy { Waves = { PaceMilliseconds = 600_000 }, SecondApproverAbove = { Sites = 100 }, Breaker = { Enabled = false } };
        await using var platform = await fixture.OpenAsync(policy, clock, actor: "operator");
        var app = await platform.Sites.CreateAsync($"App site {Guid.NewGuid():n}", "us-east");
        var installations = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            installations.Add((await platform.Apps.InstallAsync(app.Id, PlatformFixture.LegacyApp)).Id.Value);
        }

        var plan = await platform.Plans.SubmitAsync(new PlanRequest("uninstall-app", "app-installation", installations, "tidy up", new Dictionary<string, string>()));
        await platform.Detector.CheckAsync();
        var run = Task.Run(() => platform.Plans.Runner.RunAsync(plan.Id));
        while ((await platform.Plans.TargetsAsync(plan.Id)).All(t => t.State == TargetState.Pending))
        {
            await Task.Delay(10);
        }

        var rogue = platform.WithActor("rogue-script");
        for (var i = 0; i < 5; i++)
        {
            await rogue.Sites.DeleteAsync((await platform.Sites.CreateAsync($"Victim {Guid.NewGuid():n}", "us-east")).Id, "no plan at all");
        }

        clock.Advance(TimeSpan.FromSeconds(5));
        var alert = (await platform.Detector.CheckAsync()).Single();
        clock.Advance(TimeSpan.FromMinutes(10));
        var result = await run;

        alert.Actor.ShouldBe("rogue-script");
        alert.Count.ShouldBe(5);
        alert.HaltedPlans.ShouldBe([plan.Id]);
        result.State.ShouldBe(PlanState.Halted);
        (await platform.Plans.TargetsAsync(plan.Id)).Count(t => t.State == TargetState.Applied).ShouldBe(1);
        (await platform.Detector.CheckAsync()).ShouldBeEmpty("one alert per burst while it is open");
    }

    [Fact]
    public async Task AnAcknowledgedBurst_IsNotRaisedAgain_ButDeletionsAfterItAre()
    {
        var clock = new TestClock();
        clock.Freeze();
        await using var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, clock, actor: "oncall");
        await platform.Detector.CheckAsync();
        var rogue = platform.WithActor($"rogue-{Guid.NewGuid():n}");
        async Task DeleteSitesAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await rogue.Sites.DeleteAsync((await platform.Sites.CreateAsync($"Victim {Guid.NewGuid():n}", "us-east")).Id, "no plan at all");
            }
        }

        await DeleteSitesAsync(5);
        clock.Advance(TimeSpan.FromSeconds(5));
        var alert = (await platform.Detector.CheckAsync()).Single();
        await platform.Detector.AcknowledgeAsync(alert.Id);
        clock.Advance(TimeSpan.FromSeconds(5));

        (await platform.Detector.CheckAsync()).ShouldBeEmpty("the burst is still in the window, but it was alerted and acknowledged");

        await DeleteSitesAsync(4);
        clock.Advance(TimeSpan.FromSeconds(5));
        (await platform.Detector.CheckAsync()).Single().Count.ShouldBe(4, "only the deletions after the alert count towards the next one");
    }

    [Fact]
    public async Task ADeletionThatCommitsAfterLaterOnes_IsCountedAllTheSame()
    {
        var clock = new TestClock();
        clock.Freeze();
        await using var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, clock, actor: "oncall");
        await platform.Detector.CheckAsync();
        var script = platform.WithActor($"parallel-{Guid.NewGuid():n}");
        var sites = new List<SiteId>();
        for (var i = 0; i < 4; i++)
        {
            sites.Add((await platform.Sites.CreateAsync($"Victim {Guid.NewGuid():n}", "us-east")).Id);
        }

        // Two copies of one script: the first draws its event ID first and commits after the other's three.
        await using (var slow = await platform.Store.BeginTransactionAsync())
        {
            await script.Store.Tenants.DeleteAsync(sites[0].Tenant, "parallel script, first copy", slow);
            foreach (var site in sites.Skip(1))
            {
                await script.Sites.DeleteAsync(site, "parallel script, second copy");
            }

            clock.Advance(TimeSpan.FromSeconds(5));
            (await platform.Detector.CheckAsync()).ShouldBeEmpty("three deletions are not above the floor of three");
            await slow.CommitAsync();
        }

        Alert? alert = null;
        for (var i = 0; i < 100 && alert is null; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            alert = (await platform.Detector.CheckAsync()).SingleOrDefault();
            await Task.Delay(20);
        }

        alert.ShouldNotBeNull("the deletion that committed last is read once it settles");
        alert.Count.ShouldBe(4);
        alert.Actor.ShouldBe(script.Store.Actor);
    }

    [Fact]
    public async Task ANormalRate_RaisesNothing()
    {
        var clock = new TestClock();
        clock.Freeze();
        await using var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, clock, actor: "support-desk");
        await platform.Detector.CheckAsync();

        for (var i = 0; i < 6; i++)
        {
            await platform.Sites.DeleteAsync((await platform.Sites.CreateAsync($"Closed {Guid.NewGuid():n}", "ap-southeast")).Id, "customer closed the account");
            clock.Advance(TimeSpan.FromSeconds(40));
            (await platform.Detector.CheckAsync()).ShouldBeEmpty();
        }
    }
}
