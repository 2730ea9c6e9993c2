using System.Diagnostics;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Npgsql;

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

        var incident = await EventuallyAsync(() => IncidentOfAsync($"plan:{plan.Id}"), TimeSpan.FromSeconds(20), ct);

        using var viewer = await fixture.ClientAsAsync($"viewer-{Guid.NewGuid():n}"[..20], Lifeboat.Platform.Access.Roles.Viewer);
        var read = await viewer.GetJsonAsync($"/api/incidents/{incident}");
        (read.Str("plan"), read.Str("declaredBy"), read.Str("type")).ShouldBe((plan.Id.Value, "lifeboat", "change-halted"));
        read["sites"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe([staff.Id.Value, site.Id.Value], ignoreOrder: true);
        var timeline = (await viewer.GetJsonAsync($"/api/incidents/{incident}/timeline")).AsArray();
        timeline.ShouldContain(e => e.Str("kind") == "signal-declared" && e.Str("source") == "detector" && e.Str("text").Contains("Acme says", StringComparison.Ordinal));
    }

    private async Task<string?> IncidentOfAsync(string cause)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT incident_id FROM incidents.causes WHERE cause = $1", connection);
        cmd.Parameters.Add(new() { Value = cause });
        return await cmd.ExecuteScalarAsync() as string;
    }

    private static async Task<string> EventuallyAsync(Func<Task<string?>> probe, TimeSpan within, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (waited.Elapsed > within)
            {
                throw new TimeoutException($"no incident was declared within {within.TotalSeconds} s");
            }

            await Task.Delay(200, ct);
        }
    }
}
