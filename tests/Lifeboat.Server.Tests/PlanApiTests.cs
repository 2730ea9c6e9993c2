using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Lifeboat.Platform;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Tests;

/// <summary>The server with the anomaly detector checking every second.</summary>
public sealed class PlanServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        [DetectorService.IntervalKey] = "1",
    };
}

public sealed class PlanApiTests(PlanServerFixture fixture) : IClassFixture<PlanServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly string[] OneTarget = ["ain_01"];

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task April2022_UninstallAppGivenSiteIds_Is400NamingBothKinds_ListingEveryId_AndNothingChanges()
    {
        var sites = await SitesWithTheAppAsync(3);
        var targets = sites.Select(s => s.Site).Concat(Enumerable.Range(0, 880).Select(_ => TypedId.New<SiteId>(TimeProvider.System).Value)).ToList();
        using var script = fixture.ClientAs("script");
        var plansBefore = (await Client.GetJsonAsync("/api/plans")).AsArray().Count;

        var response = await script.PostAsJsonAsync("/api/plans", Uninstall(targets));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.Detail.ShouldStartWith("plan refused: 883 of 883 targets are not app installation IDs (ain_…): 883 are site IDs (site_…).");
        problem.Detail.ShouldContain("is a site ID (site_…), but an app installation ID (ain_…) is expected here.");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var problems = body["problems"]!.AsArray();
        problems.Select(p => p.Str("id")).ShouldBe(targets);
        problems.ShouldAllBe(p => p.Str("problem").Contains("is a site ID (site_…)", StringComparison.Ordinal));
        body["problemCount"]!.GetValue<int>().ShouldBe(883);
        body["violations"]!.AsArray().ShouldBeEmpty();
        foreach (var (site, installation) in sites)
        {
            (await Client.GetJsonAsync($"/api/sites/{site}/apps")).Ids().ShouldBe([installation]);
            (await Client.GetJsonAsync($"/api/sites/{site}")).Str("state").ShouldBe("Active");
        }

        (await Client.GetJsonAsync("/api/plans")).AsArray().Count.ShouldBe(plansBefore);
        (await Client.GetJsonAsync("/api/audit?subject=plan-refused")).AsArray().ShouldContain(a => a.Str("actor") == "script" && a.Str("step") == "refused");
    }

    [Fact]
    public async Task ARefusalWithMoreThan1000FailingIds_ListsTheFirst1000_AndCountsThemAll()
    {
        var targets = Enumerable.Range(0, 1200).Select(_ => TypedId.New<SiteId>(TimeProvider.System).Value).ToList();

        var response = await Client.PostAsJsonAsync("/api/plans", Uninstall(targets));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["problems"]!.AsArray().Select(p => p.Str("id")).ShouldBe(targets.Take(1000));
        body["problemCount"]!.GetValue<int>().ShouldBe(1200);
    }

    [Fact]
    public async Task TheCorrectPlan_ApprovedBySomeoneElseWithTheReviewedHash_RunsInTheBackground_AndRemovesOnlyTheApps()
    {
        var sites = await SitesWithTheAppAsync(6);
        var other = await (await Client.PostAsJsonAsync($"/api/sites/{sites[0].Site}/apps", new { app = ServerFixture.LegacyApp })).ShouldBeJsonAsync(HttpStatusCode.Created);
        using var alice = fixture.ClientAs("alice");
        using var bob = fixture.ClientAs("bob");

        var response = await alice.PostAsJsonAsync("/api/plans", Uninstall(sites.Select(s => s.Installation).ToList()));
        var plan = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = plan.Str("id");
        response.Headers.Location!.ToString().ShouldBe($"/api/plans/{id}");
        plan.Str("state").ShouldBe("Verified");
        plan["decision"]!["needsSecondApprover"]!.GetValue<bool>().ShouldBeTrue();
        plan["blastRadius"]!["sites"]!.GetValue<int>().ShouldBe(6);
        var hash = plan.Str("contentHash");

        (await (await alice.PostAsync($"/api/plans/{id}/run", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain("needs a second approver");
        (await (await alice.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = hash })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldBe($"alice requested plan {id} and cannot also approve it; a second person must.");
        (await (await bob.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = new string('0', 64) })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("the plan is not what was reviewed");
        (await (await bob.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = hash })).ShouldBeJsonAsync()).Str("approvedBy").ShouldBe("bob");

        var run = await alice.PostAsync($"/api/plans/{id}/run", null);

        (await run.ShouldBeJsonAsync(HttpStatusCode.Accepted)).Str("id").ShouldBe(id);
        run.Headers.Location!.ToString().ShouldBe($"/api/plans/{id}");
        var done = await WaitForStateAsync(id, "Completed");
        done["rehearsal"]!["passed"]!.GetValue<bool>().ShouldBeTrue();
        foreach (var (site, _) in sites)
        {
            (await Client.GetJsonAsync($"/api/sites/{site}")).Str("state").ShouldBe("Active", "only the app went, never the site");
        }

        (await Client.GetJsonAsync($"/api/sites/{sites[0].Site}/apps")).Ids().ShouldBe([other.Str("id")], "an installation the plan did not name stays");
        foreach (var (site, _) in sites.Skip(1))
        {
            (await Client.GetJsonAsync($"/api/sites/{site}/apps")).AsArray().ShouldBeEmpty();
        }

        (await Client.GetJsonAsync($"/api/plans/{id}/targets")).AsArray().ShouldAllBe(t => t.Str("state") == "Applied");
        var audit = (await Client.GetJsonAsync($"/api/plans/{id}/audit")).AsArray();
        var steps = audit.Select(a => a.Str("step")).ToList();
        foreach (var step in new[] { "submitted", "approved", "started", "rehearsal-passed", "completed" })
        {
            steps.ShouldContain(step);
        }

        audit.Single(a => a.Str("step") == "approved").Str("actor").ShouldBe("bob");
        audit.Where(a => a.Str("step") is "started" or "completed").ShouldAllBe(a => a.Str("actor") == "alice", "the run acts as whoever started it");
        (await Client.GetJsonAsync("/api/plans?state=Completed")).Ids().ShouldContain(id);
        (await Client.GetJsonAsync("/api/plans?state=Verified")).Ids().ShouldNotContain(id);
    }

    [Fact]
    public async Task Rollback_RunsInTheBackground_AndBringsTheAppsBack()
    {
        var sites = await SitesWithTheAppAsync(2);
        var id = (await (await Client.PostAsJsonAsync("/api/plans", Uninstall(sites.Select(s => s.Installation).ToList()))).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        (await (await Client.PostAsync($"/api/plans/{id}/rollback", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldBe($"plan {id} is Verified; there is nothing to roll back.");
        (await Client.PostAsync($"/api/plans/{id}/run", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitForStateAsync(id, "Completed");

        var rollback = await Client.PostAsync($"/api/plans/{id}/rollback", null);

        rollback.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        rollback.Headers.Location!.ToString().ShouldBe($"/api/plans/{id}");
        await WaitForStateAsync(id, "RolledBack");
        foreach (var (site, installation) in sites)
        {
            (await Client.GetJsonAsync($"/api/sites/{site}/apps")).Ids().ShouldBe([installation]);
        }

        (await Client.GetJsonAsync($"/api/plans/{id}/targets")).AsArray().ShouldAllBe(t => t.Str("state") == "Undone");
    }

    [Fact]
    public async Task AHaltedPlan_ResumedWithoutItsHaltCode_Is409NamingTheCode()
    {
        var sites = await SitesWithTheAppAsync(3);
        var id = (await (await Client.PostAsJsonAsync("/api/plans", Uninstall(sites.Select(s => s.Installation).ToList()))).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        using var support = fixture.ClientAs("support");
        (await support.DeleteAsync($"/api/sites/{sites[0].Site}?reason=customer%20left")).EnsureSuccessStatusCode();

        (await Client.PostAsync($"/api/plans/{id}/run", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var halted = await WaitForStateAsync(id, "Halted");
        var code = $"failure:{sites[0].Installation}";
        halted.Str("haltCode").ShouldBe(code);
        halted.Str("stateReason").ShouldContain("Deleted");
        foreach (var (site, installation) in sites.Skip(1))
        {
            (await Client.GetJsonAsync($"/api/sites/{site}/apps")).Ids().ShouldBe([installation], "nothing runs past a halt");
        }

        (await (await Client.PostAsync($"/api/plans/{id}/resume", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain(code);
        (await (await Client.PostAsJsonAsync($"/api/plans/{id}/resume", new { acknowledge = "signal:1" })).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain(code);
        (await (await Client.PostAsync($"/api/plans/{id}/run", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain(code);
        (await (await Client.PostAsJsonAsync($"/api/plans/{id}/resume", new { acknowledge = code })).ShouldBeJsonAsync()).Str("state").ShouldBe("Running");
        (await (await Client.PostAsJsonAsync($"/api/plans/{id}/pause", new { reason = "look at the deleted site first" })).ShouldBeJsonAsync()).Str("state").ShouldBe("Paused");
        (await (await Client.PostAsJsonAsync($"/api/plans/{id}/abort", new { reason = "" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("reason");
        (await (await Client.PostAsJsonAsync($"/api/plans/{id}/abort", new { reason = "not worth it" })).ShouldBeJsonAsync()).Str("state").ShouldBe("Aborted");
    }

    [Fact]
    public async Task AnAmendedPlan_DoesNotRunOnTheOldApproval()
    {
        var sites = await SitesWithTheAppAsync(7);
        using var alice = fixture.ClientAs("alice");
        using var bob = fixture.ClientAs("bob");
        var plan = await (await alice.PostAsJsonAsync("/api/plans", Uninstall(sites.Take(6).Select(s => s.Installation).ToList()))).ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = plan.Str("id");
        (await bob.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = plan.Str("contentHash") })).EnsureSuccessStatusCode();

        var amended = await (await alice.PutAsJsonAsync($"/api/plans/{id}", Uninstall(sites.Select(s => s.Installation).ToList()))).ShouldBeJsonAsync();

        amended.Str("contentHash").ShouldNotBe(plan.Str("contentHash"));
        (await (await alice.PostAsync($"/api/plans/{id}/run", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain("changed after it was approved");
        (await Client.GetJsonAsync($"/api/plans/{id}/targets")).AsArray().Count.ShouldBe(7);
        (await Client.GetJsonAsync($"/api/plans/{id}/targets")).AsArray().ShouldAllBe(t => t.Str("state") == "Pending", "nothing ran");
    }

    [Fact]
    public async Task APlanFile_InYaml_IsAccepted_ATargetsFileIsNot()
    {
        var sites = await SitesWithTheAppAsync(2);
        var ghost = TypedId.New<AppInstallationId>(TimeProvider.System).Value;
        static string PlanFile(params string[] targets) =>
            $"action: uninstall-app\ntarget: app-installation\nreason: Retire Legacy Insights (from a plan file)\ntargets:\n{string.Concat(targets.Select(t => $"  - {t}\n"))}";

        var created = await (await Client.PostAsync("/api/plans", Yaml(PlanFile(sites[0].Installation, sites[1].Installation), "text/yaml"))).ShouldBeJsonAsync(HttpStatusCode.Created);
        var dropped = await (await Client.PostAsync("/api/plans?dropUnresolved=true", Yaml(PlanFile(sites[0].Installation, ghost), "application/x-yaml")))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var typo = await Client.PostAsync("/api/plans", Yaml("action: uninstall-app\ntarget: app-installation\ntargets: [ain_01]\nreason: x\ntaget: y\n", "text/yaml"));
        var targetsFile = await Client.PostAsync("/api/plans", Yaml("action: uninstall-app\ntarget: app-installation\ntargets-file: /etc/passwd\nreason: x\n", "text/yaml"));
        var plainText = await Client.PostAsync("/api/plans", Yaml(PlanFile(sites[0].Installation), "text/plain"));
        var untyped = await Client.PostAsync("/api/plans", new ByteArrayContent(Encoding.UTF8.GetBytes(PlanFile(sites[0].Installation))));

        created.Str("action").ShouldBe("uninstall-app");
        created.Str("reason").ShouldBe("Retire Legacy Insights (from a plan file)");
        (await Client.GetJsonAsync($"/api/plans/{created.Str("id")}/targets")).Ids().ShouldBe([sites[0].Installation, sites[1].Installation], ignoreOrder: true);
        dropped["dropped"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe([ghost]);
        (await typo.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldStartWith("plan in the request body, line 5:");
        (await targetsFile.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("targets-file is not supported over HTTP: list the IDs under targets.");
        (await plainText.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Detail
            .ShouldBe("POST /api/plans does not take a body of type text/plain; charset=utf-8. Send JSON (Content-Type: application/json), or a type the OpenAPI document at /openapi/v1.json lists for it.");
        (await untyped.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Detail
            .ShouldBe("Send the plan as JSON (Content-Type: application/json) or as a plan file (Content-Type: text/yaml, application/x-yaml or application/yaml).");
    }

    [Fact]
    public async Task IdsThatDoNotExistHere_AreDroppedOnlyWhenAskedTo()
    {
        var sites = await SitesWithTheAppAsync(1);
        var ghost = TypedId.New<AppInstallationId>(TimeProvider.System).Value;

        var refused = await Client.PostAsJsonAsync("/api/plans", Uninstall([sites[0].Installation, ghost]));
        var plan = await (await Client.PostAsJsonAsync("/api/plans?dropUnresolved=true", Uninstall([sites[0].Installation, ghost]))).ShouldBeJsonAsync(HttpStatusCode.Created);

        (await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("1 of its 2 IDs do not exist in this environment");
        JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["problems"]!.AsArray().Select(p => (p.Str("id"), p.Str("problem")))
            .ShouldBe([(ghost, "does not exist in this environment")]);
        plan["dropped"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe([ghost]);
    }

    [Fact]
    public async Task PlanIds_AreParsedStrictly_AndBodiesChecked()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        (await (await Client.GetAsync($"/api/plans/{site}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe($"'{site}' is a site ID (site_…), but a change plan ID (plan_…) is expected here.");
        await (await Client.GetAsync($"/api/plans/{TypedId.New<PlanId>(TimeProvider.System)}/targets")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await Client.PostAsJsonAsync("/api/plans", new { action = "uninstall-app", target = "app-installation", targets = OneTarget }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("reason");
        (await (await Client.PostAsJsonAsync("/api/plans", new { action = "delete-app", target = "app-installation", targets = OneTarget, reason = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldStartWith("unknown action 'delete-app'");
        (await Client.GetAsync("/api/plans?state=Sleeping")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task APlanThisServerIsAlreadyWorkingOn_Is409()
    {
        var sites = await SitesWithTheAppAsync(1);
        var id = (await (await Client.PostAsJsonAsync("/api/plans", Uninstall([sites[0].Installation]))).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var runs = fixture.Services.GetRequiredService<PlanRuns>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        runs.Start(PlanId.Parse(id), "test", "run", async (p, ct) =>
        {
            await release.Task.WaitAsync(ct);
            return await p.Plans.GetAsync(PlanId.Parse(id), ct);
        });

        var second = await Client.PostAsync($"/api/plans/{id}/run", null);
        release.SetResult();

        (await second.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldBe($"plan {id} is already being run or rolled back by this server; follow it with GET /api/plans/{id}.");
        await WaitUntilAsync(async () => (await Client.PostAsync($"/api/plans/{id}/run", null)).StatusCode == HttpStatusCode.Accepted, "the first work to finish");
        await WaitForStateAsync(id, "Completed");
    }

    [Fact]
    public async Task ARunCutShortByAShutdown_LeavesThePlanRunning_AndTheNextRunContinuesWhereItStopped()
    {
        var sites = await SitesWithTheAppAsync(3);
        var id = (await (await Client.PostAsJsonAsync("/api/plans", Uninstall(sites.Select(s => s.Installation).ToList()))).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await fixture.PutPolicyInForceAsync("waves:\n  pace-milliseconds: 60000\n");
        try
        {
            await using (var slow = fixture.WithWebHostBuilder(b => b.UseSetting(DetectorService.IntervalKey, "0")))
            {
                using var client = slow.CreateClient();
                client.DefaultRequestHeaders.Authorization = Client.DefaultRequestHeaders.Authorization;
                (await client.PostAsync($"/api/plans/{id}/run", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
                await WaitUntilAsync(async () => (await Client.GetJsonAsync($"/api/plans/{id}/targets")).AsArray().Any(t => t.Str("state") == "Applied"), "the first target to be applied");
            }

            (await Client.GetJsonAsync($"/api/plans/{id}")).Str("state").ShouldBe("Running", "a run stopped by a shutdown is not halted, only interrupted");
            await fixture.PutPolicyInForceAsync("waves:\n  pace-milliseconds: 0\n");
            (await Client.GetJsonAsync($"/api/plans/{id}/targets")).AsArray().Select(t => t.Str("state")).ShouldBe(["Applied", "Pending", "Pending"]);

            var again = await Client.PostAsync($"/api/plans/{id}/run", null);
            again.StatusCode.ShouldBe(HttpStatusCode.Accepted, await again.Content.ReadAsStringAsync());

            var done = await WaitForStateAsync(id, "Completed");
            var audit = (await Client.GetJsonAsync($"/api/plans/{id}/audit")).AsArray();
            audit.Count(a => a.Str("step") == "started").ShouldBe(1);
            audit.Count(a => a.Str("step") == "applied").ShouldBe(3 + done["rehearsal"]!["reapplied"]!.GetValue<int>(), "each target once, plus the rehearsal's re-apply");
        }
        finally
        {
            await fixture.PutPolicyInForceAsync("# back to the defaults\n");
        }
    }

    [Fact]
    public async Task HealthSignals_ForAPlanAndForASite_AreRecorded()
    {
        var sites = await SitesWithTheAppAsync(1);
        var site = sites[0].Site;
        var id = (await (await Client.PostAsJsonAsync("/api/plans", Uninstall([sites[0].Installation]))).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        using var monitoring = fixture.ClientAs("monitoring");

        (await monitoring.PostAsJsonAsync($"/api/plans/{id}/health-signals", new { source = "support", message = "dashboards are blank", site })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await monitoring.PostAsJsonAsync("/api/health-signals", new { source = "monitoring", message = "error rate x10", site })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await Client.GetJsonAsync($"/api/plans/{id}/audit")).AsArray().ShouldContain(a => a.Str("step") == "health-signal" && a.Str("actor") == "monitoring");
        (await Client.GetJsonAsync($"/api/audit?subject={site}")).AsArray().ShouldContain(a => a.Str("step") == "health-signal");
        (await (await Client.PostAsJsonAsync("/api/health-signals", new { source = "monitoring", message = "x", site = sites[0].Installation }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("but a site ID (site_…) is expected here");
        (await (await Client.PostAsJsonAsync("/api/health-signals", new { source = "monitoring", site })).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("message");
        await (await Client.PostAsJsonAsync("/api/health-signals", new { source = "monitoring", message = "x", site = TypedId.New<SiteId>(TimeProvider.System).Value }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await Client.GetJsonAsync("/api/audit?max=2")).AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task DeletingSitesQuickly_RaisesAnAlert_ThatIsListedAndAcknowledged()
    {
        var actor = $"rogue-script-{Guid.NewGuid():n}";
        using var rogue = fixture.ClientAs(actor);
        using var oncall = fixture.ClientAs("oncall");
        for (var i = 0; i < 3; i++)
        {
            (await rogue.DeleteAsync($"/api/sites/{(await fixture.NewSiteAsync()).Str("id")}?reason=cleanup")).EnsureSuccessStatusCode();
        }

        // The fourth is refused by the breaker in its own transaction; the refusal is an alert.
        await (await rogue.DeleteAsync($"/api/sites/{(await fixture.NewSiteAsync()).Str("id")}?reason=cleanup")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        JsonNode? alert = null;
        await WaitUntilAsync(async () => (alert = (await Client.GetJsonAsync("/api/alerts?open=true")).AsArray().FirstOrDefault(a => a.Str("actor") == actor)) is not null,
            "the detector to raise an alert");
        var id = alert!.Str("id");
        alert.Str("action").ShouldBe("tenant.delete");
        alert!["count"]!.GetValue<int>().ShouldBeGreaterThan(3);

        (await oncall.PostAsync($"/api/alerts/{id}/acknowledge", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await Client.GetJsonAsync("/api/alerts?open=true")).Ids().ShouldNotContain(id);
        (await Client.GetJsonAsync("/api/alerts")).AsArray().Single(a => a.Str("id") == id).Str("acknowledgedBy").ShouldBe("oncall");
        await (await oncall.PostAsync($"/api/alerts/{id}/acknowledge", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var site = (await fixture.NewSiteAsync()).Str("id");
        (await (await oncall.PostAsync($"/api/alerts/{site}/acknowledge", null)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe($"'{site}' is a site ID (site_…), but an alert ID (alr_…) is expected here.");
        (await Client.GetJsonAsync($"/api/audit?subject={id}")).AsArray().Select(a => (a.Str("step"), a.Str("actor")))
            .ShouldBe([("alert-raised", DetectorService.Actor), ("acknowledged", "oncall")]);
    }

    [Fact]
    public async Task OpenApiDocument_ListsThePlanPaths()
    {
        var document = await Client.GetJsonAsync("/openapi/v1.json");

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[]
        {
            "/api/plans", "/api/plans/{plan}", "/api/plans/{plan}/targets", "/api/plans/{plan}/audit", "/api/plans/{plan}/approve", "/api/plans/{plan}/run",
            "/api/plans/{plan}/pause", "/api/plans/{plan}/resume", "/api/plans/{plan}/abort", "/api/plans/{plan}/rollback", "/api/plans/{plan}/health-signals",
            "/api/health-signals", "/api/alerts", "/api/alerts/{alert}/acknowledge", "/api/audit",
        })
        {
            paths.ShouldContain(path);
        }

        var submit = document["paths"]!["/api/plans"]!["post"]!;
        submit.Str("operationId").ShouldBe("SubmitPlan");
        submit["requestBody"]!["content"]!.AsObject().Select(c => c.Key).ShouldBe(["application/json", "text/yaml", "application/x-yaml", "application/yaml"], ignoreOrder: true);
        document["paths"]!["/api/plans/{plan}/run"]!["post"]!["responses"]!.AsObject().Select(r => r.Key).ShouldContain("202");
    }

    private static object Uninstall(IReadOnlyList<string> targets) =>
        new { action = "uninstall-app", target = "app-installation", targets, reason = "Retire Legacy Insights" };

    private static StringContent Yaml(string text, string mediaType) => new(text, Encoding.UTF8, mediaType);

    /// <summary>Sites with the app installed, through the API: (site ID, installation ID).</summary>
    private async Task<List<(string Site, string Installation)>> SitesWithTheAppAsync(int count)
    {
        var list = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var site = (await fixture.NewSiteAsync()).Str("id");
            var installation = await (await Client.PostAsJsonAsync($"/api/sites/{site}/apps", new { app = ServerFixture.LegacyApp })).ShouldBeJsonAsync(HttpStatusCode.Created);
            list.Add((site, installation.Str("id")));
        }

        return list;
    }

    /// <summary>Polls the plan until it is in <paramref name="state"/>; fails at once if it halts instead.</summary>
    private async Task<JsonNode> WaitForStateAsync(string plan, string state)
    {
        JsonNode current = null!;
        await WaitUntilAsync(async () =>
        {
            current = await Client.GetJsonAsync($"/api/plans/{plan}");
            if (current.Str("state") == "Halted" && state != "Halted")
            {
                throw new ShouldAssertException($"plan {plan} halted: {current["stateReason"]}");
            }

            return current.Str("state") == state;
        }, $"plan {plan} to be {state}");
        return current;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience)
            {
                throw new ShouldAssertException($"waited {Patience.TotalSeconds} s for {what}");
            }

            await Task.Delay(50);
        }
    }
}
