using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Server.Tests;

/// <summary>The server with its restore workers off: a job stays Pending, so what it refuses meanwhile is certain.</summary>
public sealed class NoRestoreWorkersFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { [RestoreWorkers.WorkersKey] = "0" };
}

/// <summary>A job started over HTTP is worked on by the server's own restore workers until every site is restored.</summary>
public sealed class RestoreApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact(Timeout = 120_000)]
    public async Task AJobStartedOverHttp_ProgressesInTheServer_UntilEverySiteIsRestoredAndValidated()
    {
        var (plan, sites) = await RestoreApi.UninstalledAsync(fixture, 2);

        var response = await Client.PostAsJsonAsync("/api/restore-jobs", new { plan, reason = "INC-42: the app went from the wrong sites" });

        var job = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = job.Str("id");
        response.Headers.Location!.ToString().ShouldBe($"/api/restore-jobs/{id}");
        (job.Str("source"), job["sites"]!.GetValue<int>()).ShouldBe(($"plan:{plan}", 2));
        var done = await RestoreApi.WaitUntilFinishedAsync(Client, id);
        done["job"].Str("state").ShouldBe("Completed", (await Client.GetJsonAsync($"/api/restore-jobs/{id}/sites")).ToJsonString());
        var counts = done["sites"]!;
        (counts["total"]!.GetValue<int>(), counts["restored"]!.GetValue<int>(), counts["failed"]!.GetValue<int>(), counts["pending"]!.GetValue<int>()).ShouldBe((2, 2, 0, 0));
        done["shareRestored"]!.GetValue<double>().ShouldBe(1);
        done["elapsedSeconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        done["remainingSeconds"]!.GetValue<double>().ShouldBe(0);

        var perSite = (await Client.GetJsonAsync($"/api/restore-jobs/{id}/sites")).AsArray();
        perSite.Select(s => s.Str("site")).ShouldBe(sites.Select(s => s.Site).Order(StringComparer.Ordinal));
        foreach (var site in perSite)
        {
            site.Str("state").ShouldBe("Restored");
            site!["startedAt"].ShouldNotBeNull();
            site["finishedAt"].ShouldNotBeNull();
            site["error"].ShouldBeNull();
            site["validation"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        }

        foreach (var (site, installation) in sites)
        {
            (await Client.GetJsonAsync($"/api/sites/{site}/apps")).Ids().ShouldBe([installation], "the app is back, with the same ID");
            (await Client.GetJsonAsync($"/api/sites/{site}")).Str("state").ShouldBe("Active");
        }

        (await Client.GetJsonAsync("/api/restore-jobs")).Ids().ShouldContain(id);
        (await (await Client.PostAsync($"/api/restore-jobs/{id}/retry", null)).ShouldBeJsonAsync())["retried"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact(Timeout = 120_000)]
    public async Task AJobThatWouldDiscardWrites_Is400UnlessAsked_ShowsItsDryRunAndPointsPerSite_AndIsUndoneOverHttp()
    {
        var (site, point, users) = await RestoreApi.SiteWrittenAfterAPointAsync(fixture);

        var refused = await (await Client.PostAsJsonAsync("/api/restore-jobs", new { sites = new[] { site }, to = point, reason = "roll back" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        refused.Detail.ShouldContain($"would discard what was written after: site {site} to position:{point[1..]}: 2 live records reverted or deleted (identity.users 2)");
        refused.Detail.ShouldContain("over HTTP, discardLaterWrites: true");
        (await (await Client.PostAsJsonAsync("/api/restore-jobs", new { sites = new[] { site, site }, to = point, reason = "twice", discardLaterWrites = true }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("listed more than once");

        var job = await (await Client.PostAsJsonAsync("/api/restore-jobs", new { sites = new[] { site }, to = point, reason = "roll back", discardLaterWrites = true }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        (job.Str("state"), job.Str("point"), job["dryRun"]!["recordsDiscarded"]!.GetValue<long>(), job["approval"]!["required"]!.GetValue<bool>())
            .ShouldBe(("Running", $"position:{point[1..]}", 2L, false));
        var id = job.Str("id");
        (await RestoreApi.WaitUntilFinishedAsync(Client, id))["job"].Str("state").ShouldBe("Completed");
        var restored = (await Client.GetJsonAsync($"/api/restore-jobs/{id}/sites")).AsArray().Single()!;
        restored["point"]!["position"]!.GetValue<long>().ShouldBe(long.Parse(point[1..], CultureInfo.InvariantCulture));
        (restored["foundAs"].Str("state"), restored["dryRun"]!["recordsDiscarded"]!.GetValue<int>()).ShouldBe(("Active", 2));
        restored["dryRun"]!["changes"]![0].Str("collection").ShouldBe("identity.users");
        restored["undoPoint"]!["position"]!.GetValue<long>().ShouldBeGreaterThan(long.Parse(point[1..], CultureInfo.InvariantCulture));
        (await Client.GetJsonAsync($"/api/sites/{site}/users")).AsArray().ShouldBeEmpty();

        var undo = await (await Client.PostAsJsonAsync($"/api/restore-jobs/{id}/undo", new { reason = "we were wrong" })).ShouldBeJsonAsync(HttpStatusCode.Created);
        (undo.Str("source"), undo.Str("undoes")).ShouldBe(($"undo:{id}", id));
        (await RestoreApi.WaitUntilFinishedAsync(Client, undo.Str("id")))["job"].Str("state").ShouldBe("Completed");
        (await Client.GetJsonAsync($"/api/sites/{site}/users")).AsArray().Select(u => u.Str("email")).Order().ShouldBe(users);
    }

    [Fact]
    public async Task UnknownJobs_Are404_AndIdsOfTheWrongKind400()
    {
        await (await Client.GetAsync("/api/restore-jobs/rjob_01jd8x2k9q4m7t6v5w3y1z0a8b")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await Client.GetAsync("/api/restore-jobs/plan_01jd8x2k9q4m7t6v5w3y1z0a8b/sites")).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("a restore job ID (rjob_…) is expected here");
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheRestorePaths()
    {
        var paths = (await Client.GetJsonAsync("/openapi/v1.json"))["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[]
        {
            "/api/restore-jobs", "/api/restore-jobs/{job}", "/api/restore-jobs/{job}/sites", "/api/restore-jobs/{job}/retry",
            "/api/restore-jobs/{job}/approve", "/api/restore-jobs/{job}/cancel", "/api/restore-jobs/{job}/undo",
            "/api/participants", "/api/participants/{name}", "/api/participants/{name}/sites/{site}",
        })
        {
            paths.ShouldContain(path);
        }
    }
}

/// <summary>What a restore job is refused for, over HTTP, with nothing started.</summary>
public sealed class RestoreRefusalApiTests(NoRestoreWorkersFixture fixture) : IClassFixture<NoRestoreWorkersFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task APointAfterTheDamage_Is400_AndASecondJobForASiteBeingRestored_Is409NamingTheJob()
    {
        var (plan, sites) = await RestoreApi.UninstalledAsync(fixture, 2);
        var after = TimeProvider.System.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

        (await (await Client.PostAsJsonAsync("/api/restore-jobs", new { plan, to = after, reason = "too late" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain($"is at or after plan {plan}'s first destructive write");
        (await (await Client.PostAsJsonAsync("/api/restore-jobs", new { sites = new[] { sites[0].Site }, reason = "no point" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("needs a recovery point");
        (await (await Client.PostAsJsonAsync("/api/restore-jobs", new { plan, to = "yesterday", reason = "bad point" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("is not a recovery point");
        await (await Client.PostAsJsonAsync("/api/restore-jobs", new { plan = "plan_01jd8x2k9q4m7t6v5w3y1z0a8b", reason = "no such plan" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await Client.GetJsonAsync("/api/restore-jobs")).AsArray().ShouldBeEmpty();

        var first = (await (await Client.PostAsJsonAsync("/api/restore-jobs", new { plan, reason = "first" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var second = await Client.PostAsJsonAsync("/api/restore-jobs", new { plan, sites = new[] { sites[0].Site }, reason = "second" });

        (await second.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain($"site {sites[0].Site} is already in restore job {first}");
        (await Client.GetJsonAsync("/api/restore-jobs")).Ids().ShouldBe([first]);
        (await Client.GetJsonAsync($"/api/restore-jobs/{first}"))["sites"]!["pending"]!.GetValue<int>().ShouldBe(2, "no worker runs in this server");
    }
}

/// <summary>The server under a policy that wants a second approver for any job that discards a record.</summary>
public sealed class StrictPolicyFixture : ServerFixture
{
    /// <summary>Puts "a second approver above 0 records" in force the only way there is: one person proposes it, another approves it.</summary>
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await PutPolicyInForceAsync("second-approver-above:\n  records: 0\n");
    }
}

/// <summary>A job that discards writes above the policy's thresholds waits for someone else, over HTTP.</summary>
public sealed class RestoreApprovalApiTests(StrictPolicyFixture fixture) : IClassFixture<StrictPolicyFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task AJobAboveTheThresholds_AwaitsApproval_ByAnotherPerson_AndOneCanBeCancelled()
    {
        var dana = fixture.ClientAs("dana");
        var (site, point, _) = await RestoreApi.SiteWrittenAfterAPointAsync(fixture);
        var (other, otherPoint, _) = await RestoreApi.SiteWrittenAfterAPointAsync(fixture);

        var job = await (await dana.PostAsJsonAsync("/api/restore-jobs", new { sites = new[] { site }, to = point, reason = "roll back", discardLaterWrites = true }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = job.Str("id");
        job.Str("state").ShouldBe("AwaitingApproval");
        job["approval"]!["reasons"]![0]!.GetValue<string>().ShouldBe("it discards 2 records written after the points (more than 0)");
        await Task.Delay(1000);
        (await fixture.Client.GetJsonAsync($"/api/restore-jobs/{id}"))["sites"]!["pending"]!.GetValue<int>().ShouldBe(1, "the server's workers leave it alone");

        (await (await fixture.ClientAs("Dana ").PostAsync($"/api/restore-jobs/{id}/approve", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain($"asked for restore job {id} and cannot also approve it");
        var approved = await (await fixture.ClientAs("lee").PostAsync($"/api/restore-jobs/{id}/approve", null)).ShouldBeJsonAsync();
        (approved.Str("state"), approved["approval"].Str("approvedBy")).ShouldBe(("Running", "lee"));
        (await RestoreApi.WaitUntilFinishedAsync(fixture.Client, id))["job"].Str("state").ShouldBe("Completed");

        var second = (await (await dana.PostAsJsonAsync("/api/restore-jobs", new { sites = new[] { other }, to = otherPoint, reason = "roll back", discardLaterWrites = true }))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var cancelled = await (await fixture.ClientAs("lee").PostAsJsonAsync($"/api/restore-jobs/{second}/cancel", new { reason = "not needed" })).ShouldBeJsonAsync();
        (cancelled.Str("state"), cancelled.Str("cancelledBy"), cancelled.Str("cancelReason")).ShouldBe(("Cancelled", "lee", "not needed"));
        var counts = (await fixture.Client.GetJsonAsync($"/api/restore-jobs/{second}"))["sites"]!;
        (counts["cancelled"]!.GetValue<int>(), counts["pending"]!.GetValue<int>()).ShouldBe((1, 0));
        (await (await fixture.Client.PostAsJsonAsync($"/api/restore-jobs/{second}/cancel", new { reason = "again" })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("only a job awaiting approval can be cancelled");
        (await fixture.Client.GetJsonAsync($"/api/sites/{other}/users")).AsArray().Count.ShouldBe(2, "a cancelled job changed nothing");
    }
}

internal static class RestoreApi
{
    /// <summary>A new site, a point ("@N") after it was created, and two users added after that point (their e-mails, in order).</summary>
    public static async Task<(string Site, string Point, List<string> Users)> SiteWrittenAfterAPointAsync(ServerFixture fixture)
    {
        var client = fixture.Client;
        var site = (await fixture.NewSiteAsync()).Str("id");
        var tenant = (await client.GetJsonAsync("/api/store/tenants")).AsArray().Single(t => t.Str("id") == site)!;
        var point = $"@{tenant["createdPosition"]!.GetValue<long>()}";
        var users = new List<string> { $"a-{Guid.NewGuid():n}@example.com", $"b-{Guid.NewGuid():n}@example.com" }.Order(StringComparer.Ordinal).ToList();
        foreach (var email in users)
        {
            (await client.PostAsJsonAsync($"/api/sites/{site}/users", new { email, name = "Customer" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        return (site, point, users);
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Sites with the app, and a plan (run to completion over HTTP) that uninstalled it from them: the damage.</summary>
    public static async Task<(string Plan, List<(string Site, string Installation)> Sites)> UninstalledAsync(ServerFixture fixture, int count)
    {
        var client = fixture.Client;
        var sites = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var site = (await fixture.NewSiteAsync()).Str("id");
            var installation = await (await client.PostAsJsonAsync($"/api/sites/{site}/apps", new { app = ServerFixture.LegacyApp })).ShouldBeJsonAsync(HttpStatusCode.Created);
            sites.Add((site, installation.Str("id")));
        }

        var plan = (await (await client.PostAsJsonAsync("/api/plans", new
        {
            action = "uninstall-app",
            target = "app-installation",
            targets = sites.Select(s => s.Item2).ToList(),
            reason = "Retire Legacy Insights",
        })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        (await client.PostAsync($"/api/plans/{plan}/run", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitAsync(async () => (await client.GetJsonAsync($"/api/plans/{plan}")).Str("state") == "Completed", $"plan {plan} to complete");
        return (plan, sites);
    }

    public static async Task<JsonNode> WaitUntilFinishedAsync(HttpClient client, string job)
    {
        JsonNode progress = null!;
        await WaitAsync(async () => (progress = await client.GetJsonAsync($"/api/restore-jobs/{job}"))["job"].Str("state") != "Running", $"restore job {job} to finish");
        return progress;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience)
            {
                throw new ShouldAssertException($"waited {Patience.TotalSeconds} s for {what}");
            }

            await Task.Delay(100);
        }
    }
}
