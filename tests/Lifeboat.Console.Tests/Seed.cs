using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Console.Tests;

/// <summary>What the console's pages show in these tests: sites, plans and restore jobs made through the platform, as the API would make them.</summary>
internal static class Seed
{
    public static async Task<List<SiteId>> SitesAsync(LifeboatPlatform platform, int count)
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            sites.Add((await platform.Sites.CreateAsync($"Site {Guid.NewGuid().ToString("n")[..10]}", "eu-west", cancellationToken: TestContext.Current.CancellationToken)).Id);
        }

        return sites;
    }

    /// <summary>A plan to delete <paramref name="sites"/>, requested by <paramref name="requester"/>; not run.</summary>
    public static Task<ChangePlan> DeletePlanAsync(LifeboatPlatform platform, string requester, IEnumerable<SiteId> sites) =>
        platform.WithActor(requester).Plans.SubmitAsync(new PlanRequest("delete-site", "site", sites.Select(s => s.Value).ToList(), "retire the trial sites",
            new Dictionary<string, string>(StringComparer.Ordinal)), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Sites deleted by a plan run to completion, and a restore job for them that no worker has touched yet.</summary>
    public static async Task<RestoreJob> RestoreJobAsync(LifeboatPlatform platform, string requester, int sites)
    {
        var plan = await DeletePlanAsync(platform, requester, await SitesAsync(platform, sites));
        // Approved by a second person, as the default policy asks of a deletion.
        await platform.WithActor("seed-approver").Plans.ApproveAsync(plan.Id, plan.ContentHash, TestContext.Current.CancellationToken);
        var ran = await platform.WithActor(requester).Plans.Runner.RunAsync(plan.Id, null, TestContext.Current.CancellationToken);
        ran.State.ShouldBe(PlanState.Completed, ran.StateReason);
        return await platform.WithActor(requester).Restores.StartAsync(new RestoreJobRequest("bring the trial sites back") { Plan = plan.Id }, TestContext.Current.CancellationToken);
    }
}
