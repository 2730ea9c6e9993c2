using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

namespace Lifeboat.Server.Tests;

/// <summary>A server whose incident side looks at the platform every half second: product signals and evidence.</summary>
public sealed class RestoreIncidentServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        [IncidentSignals.IntervalKey] = "0.5",
        [IncidentEvidenceService.IntervalKey] = "0.5",
    };
}

/// <summary>What a restore job tells the incident side by itself on a running server: a failed validation declares; a job of an incident's sites opens its streams.</summary>
public sealed class RestoreIncidentTests(RestoreIncidentServerFixture fixture) : IClassFixture<RestoreIncidentServerFixture>
{
    private static readonly CollectionDefinition Attachments = new("tracker.attachments");

    [Fact(Timeout = 180_000)]
    public async Task ARestoreWhoseValidationFails_DeclaresAnIncidentWithinSeconds_AndTheJobsOtherFailedSiteJoinsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        // The deletions below are the test's set-up: the breaker would stop the second test's before they are done.
        await PlatformFixture.PutInForceAsync(fixture.Platform, PlatformFixture.WithoutBreaker);
        var platform = fixture.Platform.WithActor("operator");
        var sites = new List<SiteId>();
        var blobs = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var site = (await platform.Sites.CreateAsync($"Acme {i} {Guid.NewGuid():n}", "eu-west", cancellationToken: ct)).Id;
            await platform.Identity.AddUserAsync(site, "owner@example.com", "Owner", ct);
            await platform.Store.Blobs.PutAsync(site.Tenant, Attachments, "att-1", new MemoryStream(Encoding.UTF8.GetBytes($"screenshot of {site}")), cancellationToken: ct);
            sites.Add(site);
            blobs.Add((await platform.Store.Records.GetAsync(site.Tenant, Attachments.Name, "att-1", ct))!.Blob!.Sha256);
        }

        var plan = await DeleteAsync(platform, sites, ct);
        // The bytes on disk no longer match their hash: validation of both sites fails after their stores came back.
        foreach (var sha in blobs)
        {
            var path = Directory.EnumerateFiles(fixture.BlobDirectory, sha, SearchOption.AllDirectories).Single();
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var original = await File.ReadAllBytesAsync(path, ct);
            await File.WriteAllBytesAsync(path, [.. original.Take(original.Length - 1), 0x21], ct);
        }

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("put the deleted sites back") { Plan = plan.Id }, ct);
        var failed = await Eventually.Async(async () =>
        {
            var states = await platform.Restores.SitesAsync(job.Id, ct);
            return states.All(s => s.State == SiteRestoreState.Failed) ? states : null;
        }, "both sites of the job to fail validation", ct);
        var failedAt = failed.Max(s => s.FinishedAt);

        var clock = Stopwatch.StartNew();
        var incident = await Eventually.Async(() => fixture.IncidentOfCauseAsync($"job:{job.Id}"), "the failed validation to declare an incident", ct);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), $"declared within seconds of the failure at {failedAt:O}");

        using var viewer = await fixture.ClientAsAsync($"viewer-{Guid.NewGuid():n}"[..20], Lifeboat.Platform.Access.Roles.Viewer);
        var read = await Eventually.Async(async () =>
        {
            var found = await viewer.GetJsonAsync($"/api/incidents/{incident}");
            return found["sites"]!.AsArray().Count == 2 ? found : null;
        }, "the job's second failed site to join the incident", ct);
        (read.Str("declaredBy"), read.Str("type")).ShouldBe(("lifeboat", "restore-failed"));
        read["sites"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(sites.Select(s => s.Value), ignoreOrder: true);
        var timeline = (await viewer.GetJsonAsync($"/api/incidents/{incident}/timeline")).AsArray();
        foreach (var site in sites)
        {
            timeline.ShouldContain(e => e.Str("kind").StartsWith("signal-", StringComparison.Ordinal)
                && e.Str("text").Contains($"{site} (", StringComparison.Ordinal) && e.Str("text").Contains("failed validation", StringComparison.Ordinal)
                && e.Str("text").Contains("blob tracker.attachments/att-1: altered", StringComparison.Ordinal));
        }

        timeline.Count(e => e.Str("kind") == "signal-declared").ShouldBe(1);
    }

    [Fact(Timeout = 180_000)]
    public async Task ARestoreJobOfAnIncidentsSites_OpensItsRegionStreamsByItself_LedByTheCommander_WithProgressFromTheJob()
    {
        var ct = TestContext.Current.CancellationToken;
        // The deletions below are the test's set-up: the breaker would stop the second test's before they are done.
        await PlatformFixture.PutInForceAsync(fixture.Platform, PlatformFixture.WithoutBreaker);
        var platform = fixture.Platform.WithActor("operator");
        var suffix = Guid.NewGuid().ToString("n")[..8];
        using var commander = await fixture.ClientAsAsync($"cmd-{suffix}", Lifeboat.Platform.Access.Roles.IncidentCommander);
        var sites = new List<SiteId>();
        foreach (var region in new[] { "eu-west", "us-east", "us-east" })
        {
            var site = (await platform.Sites.CreateAsync($"Acme {region} {Guid.NewGuid():n}", region, cancellationToken: ct)).Id;
            await platform.Identity.AddUserAsync(site, "owner@example.com", "Owner", ct);
            sites.Add(site);
        }

        var plan = await DeleteAsync(platform, sites, ct);
        var incident = (await (await commander.PostAsJsonAsync("/api/incidents",
            new { title = "three sites deleted", type = "mass-deletion", severity = 1, sites = sites.Select(s => s.Value) }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await (await commander.PostAsJsonAsync($"/api/incidents/{incident}/roles", new { role = "commander", person = $"cmd-{suffix}" }, ct)).ShouldBeJsonAsync();
        var job = await platform.Restores.StartAsync(new RestoreJobRequest($"{incident}: put the sites back") { Plan = plan.Id }, ct);

        var streams = await Eventually.Async(async () =>
        {
            var listed = (await commander.GetJsonAsync($"/api/incidents/{incident}/streams")).AsArray();
            return listed.Count == 2 && listed.All(s => s!["restore"]!["validated"]!.GetValue<int>() == s["restore"]!["sites"]!.GetValue<int>()) ? listed : null;
        }, "the job's region streams to open and its sites to come back", ct);
        streams.Select(s => (s.Str("slug"), s.Str("lead"), s.Str("openedBy"), s.Str("restoreJob"), s!["restore"]!["sites"]!.GetValue<int>())).ShouldBe([
            ("restore-eu-west", $"cmd-{suffix}", "lifeboat", job.Id.Value, 1),
            ("restore-us-east", $"cmd-{suffix}", "lifeboat", job.Id.Value, 2)]);

        var again = await (await commander.PostAsJsonAsync($"/api/incidents/{incident}/streams/from-restore", new { job = job.Id.Value, lead = $"cmd-{suffix}" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        again.Detail.ShouldStartWith($"incident {incident} has streams for restore job {job.Id} already (restore-eu-west, restore-us-east)");
        var badBy = await (await commander.PostAsJsonAsync($"/api/incidents/{incident}/streams/from-restore", new { job = job.Id.Value, lead = $"cmd-{suffix}", by = "country" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        badBy.Detail.ShouldBe("'country' is not a way to split a restore job into streams: give one of region, batch. Nothing was changed.");
    }

    private static async Task<ChangePlan> DeleteAsync(LifeboatPlatform platform, List<SiteId> sites, CancellationToken ct)
    {
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>()), cancellationToken: ct);
        if (plan.Decision.NeedsSecondApprover)
        {
            await platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash, ct);
        }

        var done = await platform.Plans.Runner.RunAsync(plan.Id, cancellationToken: ct);
        done.State.ShouldBe(PlanState.Completed, done.StateReason);
        return done;
    }


}
