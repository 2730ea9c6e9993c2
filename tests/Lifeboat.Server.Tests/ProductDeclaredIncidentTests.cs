using Lifeboat.Platform;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Server.Tests;

/// <summary>The running server declares an incident from a halted plan by itself, within seconds, through the platform's outbox.</summary>
public sealed class ProductDeclaredIncidentTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task AHaltedPlan_DeclaresAnIncidentWithinSeconds_LinkedToThePlanAndItsSites()
    {
        var ct = TestContext.Current.CancellationToken;
        var platform = fixture.Platform.WithActor("operator");
        // An internal site runs in the first wave; the health gate after it halts the plan before Acme's.
        var staff = await platform.Sites.CreateAsync($"Staff {Guid.NewGuid():n}", "eu-west", isInternal: true, cancellationToken: ct);
        var site = await platform.Sites.CreateAsync($"Acme {Guid.NewGuid():n}", "eu-west", cancellationToken: ct);
        var installations = new[]
        {
            (await platform.Apps.InstallAsync(staff.Id, AppId.Parse(ServerFixture.LegacyApp), ct)).Id.Value,
            (await platform.Apps.InstallAsync(site.Id, AppId.Parse(ServerFixture.LegacyApp), ct)).Id.Value,
        };
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("uninstall-app", "app-installation", installations, "retire Legacy Insights", new Dictionary<string, string>()), cancellationToken: ct);
        // Support keeps reporting while the plan runs; a gate counts only what came during its wave, so the reports go on until the plan stops.
        var run = Task.Run(() => platform.Plans.Runner.RunAsync(plan.Id, cancellationToken: ct), ct);
        while (!run.IsCompleted)
        {
            await platform.Plans.SignalAsync(plan.Id, site.Id, "support", "Acme says their dashboards are gone", ct);
            await Task.Delay(5, ct);
        }

        (await run).State.ShouldBe(PlanState.Halted);

        var incident = await Eventually.Async(() => fixture.IncidentOfCauseAsync($"plan:{plan.Id}"), "the halted plan to declare an incident", ct, TimeSpan.FromSeconds(20));

        using var viewer = await fixture.ClientAsAsync($"viewer-{Guid.NewGuid():n}"[..20], Lifeboat.Platform.Access.Roles.Viewer);
        var read = await viewer.GetJsonAsync($"/api/incidents/{incident}");
        (read.Str("plan"), read.Str("declaredBy"), read.Str("type")).ShouldBe((plan.Id.Value, "lifeboat", "change-halted"));
        read["sites"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe([staff.Id.Value, site.Id.Value], ignoreOrder: true);
        var timeline = (await viewer.GetJsonAsync($"/api/incidents/{incident}/timeline")).AsArray();
        timeline.ShouldContain(e => e.Str("kind") == "signal-declared" && e.Str("source") == "detector" && e.Str("text").Contains("Acme says", StringComparison.Ordinal));
    }


}
