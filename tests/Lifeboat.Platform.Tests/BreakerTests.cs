using Lifeboat.Platform.Plans;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

/// <summary>The breaker as the platform meets it: plans halt at the write it refuses, trips are alerts, one acknowledgement closes both.</summary>
public sealed class BreakerTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task ADeletionPlanAtFullSpeed_HaltsAtTheWriteThatPassesTheLimit_AndTheTripIsAnAlert()
    {
        await using var platform = await fixture.OpenAsync(new PlanPolicy { AllowDrillOverride = true }, TimeProvider.System, actor: $"script-{Guid.NewGuid():n}");
        var sites = await SitesAsync(platform, 15);
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the 2022 script, guardrails bypassed",
            new Dictionary<string, string>(), Override: "drill"));

        var halted = await platform.Plans.Runner.RunAsync(plan.Id);

        halted.State.ShouldBe(PlanState.Halted);
        halted.HaltCode.ShouldStartWith("trip:");
        halted.StateReason!.ShouldContain("would pass the limit of 3");
        (await DeletedAsync(platform, sites)).ShouldBe(3, "the fourth deletion was refused in its own transaction, with no pace at all");
        (await platform.Plans.TargetsAsync(plan.Id)).Count(t => t.State == TargetState.Pending).ShouldBe(12, "the refused target was not applied and waits");
        var alert = (await platform.Detector.CheckAsync()).Single();
        alert.TripId.ShouldBe(long.Parse(halted.HaltCode![5..], System.Globalization.CultureInfo.InvariantCulture));
        alert.Message.ShouldContain("lifeboat breaker reset");

        // Acknowledging the trip when resuming closes the alert and the trip: the plan goes on for another window's worth.
        await platform.Plans.ResumeAsync(plan.Id, halted.HaltCode);
        (await platform.Detector.AlertsAsync(openOnly: true)).ShouldNotContain(a => a.Id == alert.Id);
        (await platform.Breaker.ListAsync(openOnly: true)).ShouldBeEmpty();
        var again = await platform.Plans.Runner.RunAsync(plan.Id);
        again.State.ShouldBe(PlanState.Halted);
        (await DeletedAsync(platform, sites)).ShouldBe(6);
        await platform.Plans.AbortAsync(plan.Id, "end of the test");
        await platform.Breaker.ResetAsync(long.Parse(again.HaltCode![5..], System.Globalization.CultureInfo.InvariantCulture), "end of the test");
    }

    [Fact]
    public async Task SingleDeletionsThatBypassPlans_AreRefusedAtTheLimit_AndTheAlertHaltsTheRunningPlan()
    {
        await using var platform = await fixture.OpenAsync(new PlanPolicy { Waves = { PaceMilliseconds = 600_000 }, SecondApproverAbove = { Sites = 100 } },
            TimeProvider.System, actor: "operator");
        var app = await platform.Sites.CreateAsync($"App site {Guid.NewGuid():n}", "us-east");
        var installations = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            installations.Add((await platform.Apps.InstallAsync(app.Id, PlatformFixture.LegacyApp)).Id.Value);
        }

        var plan = await platform.Plans.SubmitAsync(new PlanRequest("uninstall-app", "app-installation", installations, "tidy up", new Dictionary<string, string>()));
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => platform.Plans.Runner.RunAsync(plan.Id, cancellationToken: stop.Token));
        while ((await platform.Plans.TargetsAsync(plan.Id)).All(t => t.State == TargetState.Pending))
        {
            await Task.Delay(10);
        }

        var rogue = platform.WithActor($"rogue-{Guid.NewGuid():n}");
        var victims = await SitesAsync(platform, 5);
        for (var i = 0; i < 3; i++)
        {
            await rogue.Sites.DeleteAsync(victims[i], "no plan at all");
        }

        var refused = await Should.ThrowAsync<BreakerTrippedException>(() => rogue.Sites.DeleteAsync(victims[3], "no plan at all"));
        var alert = (await platform.Detector.CheckAsync()).Single(a => a.TripId == refused.Trip.TripId);
        await stop.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => run);

        refused.Trip.Actor.ShouldBe(rogue.Store.Actor);
        alert.TripId.ShouldBe(refused.Trip.TripId);
        alert.HaltedPlans.ShouldBe([plan.Id]);
        (await platform.Plans.GetAsync(plan.Id)).State.ShouldBe(PlanState.Halted);
        (await platform.Sites.GetAsync(victims[3])).State.ShouldBe(TenantState.Active);

        await platform.Detector.AcknowledgeAsync(alert.Id);
        (await platform.Breaker.ListAsync()).Single(t => t.TripId == refused.Trip.TripId).ResetBy.ShouldBe("operator", "acknowledging the trip's alert resets it");
        await rogue.Sites.DeleteAsync(victims[3], "after the reset, within the limit again");
    }

    private static async Task<List<SiteId>> SitesAsync(LifeboatPlatform platform, int count)
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            sites.Add((await platform.Sites.CreateAsync($"Site {Guid.NewGuid():n}", "eu-west")).Id);
        }

        return sites;
    }

    private static async Task<int> DeletedAsync(LifeboatPlatform platform, IEnumerable<SiteId> sites)
    {
        var deleted = 0;
        foreach (var site in sites)
        {
            deleted += (await platform.Sites.GetAsync(site)).State == TenantState.Deleted ? 1 : 0;
        }

        return deleted;
    }
}
