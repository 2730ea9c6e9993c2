using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Server.Tests;

/// <summary>A server as an incident needs it: the detector, product signals and evidence checked every second, the repository's runbooks.</summary>
public sealed class IncidentServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        [DetectorService.IntervalKey] = "1",
        [IncidentSignals.IntervalKey] = "0.5",
        [IncidentEvidenceService.IntervalKey] = "0.5",
        [IncidentDeskLifetime.RunbooksKey] = RepositoryRunbooks(),
    };

    private static string RepositoryRunbooks()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lifeboat.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("the repository root (Lifeboat.slnx) is not above the test's folder"), "runbooks");
    }
}

/// <summary>
/// The April 2022 shape, end to end on a running server: a script deletes sites without a plan; the detector's
/// alert declares the incident with those sites; a commander takes it and hands it over; the freeze refuses an
/// untagged plan; a restore job brings the sites back; the checklist ticks itself from that evidence, and the
/// progress is on the timeline.
/// </summary>
public sealed class April2022IncidentTests(IncidentServerFixture fixture) : IClassFixture<IncidentServerFixture>
{
    private static readonly string[] UnknownTarget = ["ain_0000000000000000000000000a"];

    [Fact(Timeout = 240_000)]
    public async Task AScriptDeletingSites_DeclaresTheIncident_AndTheRestoreTicksItsChecklist()
    {
        var ct = TestContext.Current.CancellationToken;
        // Other tests delete sites too: the breaker would stop this burst before the detector saw it.
        await PlatformFixture.PutInForceAsync(fixture.Platform, PlatformFixture.WithoutBreaker);
        var suffix = Guid.NewGuid().ToString("n")[..8];
        using var tokyo = await fixture.ClientAsAsync($"tokyo-{suffix}", Roles.IncidentCommander);
        using var dublin = await fixture.ClientAsAsync($"dublin-{suffix}", Roles.IncidentCommander);
        using var operatorClient = await fixture.ClientAsAsync($"op-{suffix}", Roles.Operator);
        var sites = new List<SiteId>();
        for (var i = 0; i < 6; i++)
        {
            sites.Add((await fixture.Platform.Sites.CreateAsync($"Customer {i} {suffix}", "eu-west", cancellationToken: ct)).Id);
        }

        var script = fixture.Platform.WithActor($"cleanup-script-{suffix}");
        foreach (var site in sites)
        {
            await script.Sites.DeleteAsync(site, "decommission legacy app", ct);
        }

        var incident = await Eventually.Async(async () =>
        {
            var listed = (await tokyo.GetJsonAsync("/api/incidents?limit=500")).AsArray();
            return listed.Select(l => l!["incident"]!).FirstOrDefault(i =>
                i!["sites"]!.AsArray().Select(s => s!.GetValue<string>()).ToHashSet().SetEquals(sites.Select(s => s.Value)));
        }, "the detector's alert to declare an incident with the deleted sites", ct);
        var id = incident.Str("id");
        (incident.Str("declaredBy"), incident.Str("alert") is { Length: > 0 }).ShouldBe(("lifeboat", true));

        // One commander; handed over from Tokyo to Dublin, and acknowledged.
        await (await tokyo.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = $"tokyo-{suffix}" }, ct)).ShouldBeJsonAsync();
        var handoff = await (await tokyo.PostAsJsonAsync($"/api/incidents/{id}/handoffs",
            new { role = "commander", to = $"dublin-{suffix}", note = "Sites identified; restore next. The script is stopped." }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        await (await dublin.PostAsync($"/api/incidents/{id}/handoffs/{handoff["id"]!.GetValue<long>()}/acknowledge", null, ct)).ShouldBeJsonAsync();

        // The freeze refuses a change plan not tagged to the incident, naming it and its commander.
        await (await dublin.PostAsJsonAsync($"/api/incidents/{id}/freeze", new { reason = "no changes while sites come back" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        var refused = await (await operatorClient.PostAsJsonAsync("/api/plans", new { action = "uninstall-app", target = "app-installation", targets = UnknownTarget, reason = "tidy up" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        refused.Detail.ShouldContain($"incident {id}'s change freeze (commander dublin-{suffix}");

        // The restore brings every site back; the checklist ticks itself from what Lifeboat sees.
        // From the alert: each site to the instant before its own deletion.
        await fixture.Platform.WithActor($"dublin-{suffix}").Restores.StartAsync(
            new RestoreJobRequest($"{id}: put the deleted sites back") { Alert = AlertId.Parse(incident.Str("alert")) }, ct);
        var checklist = await Eventually.Async(async () =>
        {
            var items = (await dublin.GetJsonAsync($"/api/incidents/{id}/checklist")).AsArray();
            var byEvidence = items.Where(i => i!["tickSource"]?.GetValue<string>() == "evidence").Select(i => i!["evidence"]!.GetValue<string>()).ToHashSet();
            return byEvidence.IsSupersetOf(["RestoreJobStarted", "EveryAffectedSiteValidated", "FreezeOn", "CommanderNamed"]) ? items : null;
        }, "the checklist to tick itself from the restore, the freeze and the commander", ct);
        checklist.Count.ShouldBeGreaterThan(4);

        var timeline = (await dublin.GetJsonAsync($"/api/incidents/{id}/timeline?limit=500")).AsArray();
        var kinds = timeline.Select(e => e.Str("kind")).ToList();
        kinds.ShouldContain("signal-declared");
        kinds.ShouldContain("handoff");
        kinds.ShouldContain("freeze-on");
        timeline.ShouldContain(e => e.Str("kind") == "reminder" && e.Str("text").Contains("% restored", StringComparison.Ordinal), "every further 10 % restored is on the timeline");

        (await dublin.PostAsJsonAsync($"/api/incidents/{id}/freeze/lift", new { reason = "every site validated" }, ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

}
