using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Tests;

/// <summary>The server with the repository's runbooks (runbooks/ beside Lifeboat.slnx).</summary>
public sealed class RunbookServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        [IncidentDeskLifetime.RunbooksKey] = RepositoryRunbooks(),
    };

    private static string RepositoryRunbooks()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lifeboat.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Lifeboat.slnx not found above the test's folder"), "runbooks");
    }
}

/// <summary>Participants, tasks, streams, the checklist and reminders over HTTP, each person with their own token and permissions.</summary>
public sealed class IncidentWorkApiTests(RunbookServerFixture fixture) : IClassFixture<RunbookServerFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task TheWorkOfAnIncident_IsAssignedClaimedAndTicked_WithEachPermissionWhereItBelongs()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var (commanderLogin, supportLogin, restorerLogin) = ($"ic-{suffix}", $"sup-{suffix}", $"rst-{suffix}");
        using var commander = await fixture.ClientAsAsync(commanderLogin, Roles.IncidentCommander);
        using var support = await fixture.ClientAsAsync(supportLogin, Roles.Support);
        using var restorer = await fixture.ClientAsAsync(restorerLogin, Roles.Restorer);

        var id = (await (await commander.PostAsJsonAsync("/api/incidents", new { title = "Sites deleted by a cleanup script", type = "mass-deletion", severity = 1 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var checklist = (await support.GetJsonAsync($"/api/incidents/{id}/checklist")).AsArray();
        checklist.Select(i => i.Str("id")).ShouldContain("name-commander");

        await (await commander.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = commanderLogin }, ct)).ShouldBeJsonAsync();
        var joined = await (await support.PostAsJsonAsync($"/api/incidents/{id}/participants", new { region = "apac", shift = "00:00-08:00" }, ct)).ShouldBeJsonAsync();
        (joined.Str("person"), joined.Str("region"), joined.Str("shift")).ShouldBe((supportLogin, "apac", "00:00-08:00 UTC"));
        (await support.GetJsonAsync($"/api/incidents/{id}/participants")).AsArray().Select(p => p.Str("person")).ShouldBe([commanderLogin, supportLogin]);

        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/tasks", new { purpose = " ", action = "call the top 20 customers", owner = supportLogin }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("say what the task is for");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/tasks", new { purpose = "p", action = "a", owner = restorerLogin }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain($"{restorerLogin} is not a participant of incident {id}");
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/tasks", new { purpose = "p", action = "a" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldContain("lacks the permission incidents.command");

        var task = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/tasks",
            new { purpose = "so the biggest customers hear it from us first", action = "call the top 20 customers", owner = supportLogin }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        task["number"]!.GetValue<int>().ShouldBe(1);
        (await (await restorer.PostAsync($"/api/incidents/{id}/tasks/1/complete", null, ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission incidents.command");
        (await (await support.PostAsync($"/api/incidents/{id}/tasks/1/complete", null, ct)).ShouldBeJsonAsync()).Str("state").ShouldBe("Done");

        await (await commander.PostAsJsonAsync($"/api/incidents/{id}/tasks", new { purpose = "know what the script touched", action = "read the script's log" }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        (await (await restorer.PostAsync($"/api/incidents/{id}/tasks/2/claim", null, ct)).ShouldBeJsonAsync()).Str("owner").ShouldBe(restorerLogin);
        (await (await support.PostAsync($"/api/incidents/{id}/tasks/2/claim", null, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain($"is {restorerLogin}'s already");

        var stream = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/streams",
            new { slug = "restore-wave-1", lead = restorerLogin, goal = "wave 1 restored and validated", cadenceMinutes = 20 }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        stream["cadence"]!.GetValue<string>().ShouldBe("00:20:00");
        await (await restorer.PostAsJsonAsync($"/api/incidents/{id}/streams/restore-wave-1/updates", new { text = "job started" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        (await support.GetJsonAsync($"/api/incidents/{id}/streams")).AsArray().ShouldHaveSingleItem()!["lastUpdateAt"].ShouldNotBeNull();

        (await (await support.PostAsync($"/api/incidents/{id}/checklist/tell-the-company/claim", null, ct)).ShouldBeJsonAsync())["task"]!.GetValue<int>().ShouldBe(3);
        (await (await support.PostAsync($"/api/incidents/{id}/checklist/stop-the-cause/tick", null, ct)).ShouldBeJsonAsync()).Str("tickedBy").ShouldBe(supportLogin);
        (await (await support.PostAsync($"/api/incidents/{id}/checklist/stop-the-cause/tick", null, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("a second person must check it");
        (await (await restorer.PostAsync($"/api/incidents/{id}/checklist/stop-the-cause/tick", null, ct)).ShouldBeJsonAsync()).Str("checkedBy").ShouldBe(restorerLogin);

        var workload = (await commander.GetJsonAsync($"/api/incidents/{id}/workload?silentAfterMinutes=60")).AsArray();
        workload.Select(w => (w.Str("person"), w!["idle"]!.GetValue<bool>())).ShouldBe([(commanderLogin, true), (supportLogin, false), (restorerLogin, false)]);

        (await commander.GetJsonAsync($"/api/incidents/{id}/reminders")).AsArray().ShouldBeEmpty("SEV1's first internal update is due 30 minutes after the declaration");
        var until = fixture.Platform.Options.Store.TimeProvider.GetUtcNow().AddHours(1);
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/snoozes", new { kind = "internal-update", until, reason = "r" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldContain("incidents.command");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/snoozes", new { kind = "later", until, reason = "r" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("internal-update, customer-update, stream-update, progress");
        var snooze = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/snoozes",
            new { kind = "stream-update", stream = "restore-wave-1", until, reason = "the job reports on its own until 10:00" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        (snooze.Str("kind"), snooze.Str("snoozedBy")).ShouldBe(("StreamUpdate", commanderLogin));
    }

    [Fact(Timeout = 120_000)]
    public async Task TheSiteTracker_TakesEngineersConfirmationsAndNotes_ExportsCsv_AndShowsRollbackRisk_WithEachPermissionWhereItBelongs()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var (commanderLogin, supportLogin) = ($"ic-{suffix}", $"sup-{suffix}");
        using var commander = await fixture.ClientAsAsync(commanderLogin, Roles.IncidentCommander);
        using var support = await fixture.ClientAsAsync(supportLogin, Roles.Support);
        var site = (await fixture.NewSiteAsync()).Str("id");
        var late = (await fixture.NewSiteAsync()).Str("id");

        var id = (await (await commander.PostAsJsonAsync("/api/incidents", new { title = "Sites broken by a migration", type = "mass-deletion", severity = 2, sites = new[] { site } }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await (await support.PostAsJsonAsync($"/api/incidents/{id}/participants", new { region = "emea" }, ct)).ShouldBeJsonAsync();

        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/sites/{site}/engineer", new { engineer = supportLogin }, ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission incidents.command");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/sites/{site}/engineer", new { engineer = "nobody-here" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain($"nobody-here is not a participant of incident {id}");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/sites/{site}/engineer", new { engineer = supportLogin }, ct)).ShouldBeJsonAsync())
            .Str("engineer").ShouldBe(supportLogin);
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/sites/{site}/confirmation", new { confirmed = false }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("reported still broken with no note");
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/sites/{site}/confirmation", new { confirmed = false, note = "logins fail" }, ct)).ShouldBeJsonAsync())
            .Str("confirmation").ShouldBe("StillBroken");
        await (await support.PostAsJsonAsync($"/api/incidents/{id}/sites/{site}/notes", new { text = "=1+1, called the owner" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/sites/{late}/notes", new { text = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldContain($"POST /api/incidents/{id}/sites");
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/sites", new { sites = new[] { late } }, ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission incidents.command");
        var tracker = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/sites", new { sites = new[] { late } }, ct)).ShouldBeJsonAsync();
        tracker["totalSites"]!.GetValue<int>().ShouldBe(2);

        var broken = await support.GetJsonAsync($"/api/incidents/{id}/sites?confirmed=false&engineer={supportLogin}");
        var row = broken["sites"]!.AsArray().ShouldHaveSingleItem()!;
        (row.Str("site"), row.Str("restoreState"), row.Str("lastNote")).ShouldBe((site, "none", "=1+1, called the owner"));
        broken["countsByState"]!["none"]!.GetValue<int>().ShouldBe(2);
        (await (await support.GetAsync($"/api/incidents/{id}/sites?state=gone", ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("is not a restore state");

        var csv = await support.GetAsync($"/api/incidents/{id}/sites.csv", ct);
        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        csv.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        var lines = (await csv.Content.ReadAsStringAsync(ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(3);
        lines.Single(l => l.StartsWith(site, StringComparison.Ordinal)).ShouldContain("\"'=1+1, called the owner\"");

        var risk = await support.GetJsonAsync($"/api/incidents/{id}/rollback-risk");
        risk["plans"].ShouldNotBeNull();
        risk.Str("flagChangesNote").ShouldStartWith("feature-flag changes are read from the audit log");
    }
}
