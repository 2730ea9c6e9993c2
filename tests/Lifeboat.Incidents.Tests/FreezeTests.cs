using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Npgsql;

namespace Lifeboat.Incidents.Tests;

/// <summary>An incident's code freeze refuses every change plan not tagged to it, naming the incident and its commander.</summary>
public sealed class FreezeTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task WhileTheFreezeIsOn_AnUntaggedPlanIsRefused_ATaggedOneRuns_AndOnlyTheCommanderLiftsIt()
    {
        var platform = fixture.Platform.Platform;
        var incident = await fixture.DeclareAsync("883 sites deleted", IncidentSeverity.Sev1);
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        var earlier = await platform.Plans.SubmitAsync(await UninstallPlanAsync(null));

        var freeze = await fixture.As("erin").FreezeAsync(incident.Id, "no changes while sites are restored");
        freeze.Contact.ShouldBe("erin");

        var plansBefore = await CountPlansAsync();
        var refused = await Should.ThrowAsync<PlatformException>(async () => await platform.Plans.SubmitAsync(await UninstallPlanAsync(null)));
        refused.Kind.ShouldBe(PlatformErrorKind.Conflict);
        refused.Message.ShouldContain($"incident {incident.Id}'s change freeze (commander erin");
        refused.Message.ShouldContain($"--incident {incident.Id}");
        refused.Message.ShouldEndWith("Nothing was submitted.");
        (await CountPlansAsync()).ShouldBe(plansBefore);

        // A plan verified before the freeze does not run during it either.
        var notRun = await Should.ThrowAsync<PlatformException>(() => platform.Plans.Runner.RunAsync(earlier.Id));
        notRun.Message.ShouldContain($"incident {incident.Id}'s change freeze");
        notRun.Message.ShouldEndWith("Nothing ran.");
        (await platform.Plans.GetAsync(earlier.Id)).State.ShouldBe(PlanState.Verified);

        // The incident's own repair work passes.
        var tagged = await platform.Plans.SubmitAsync(await UninstallPlanAsync(incident.Id.Value));
        tagged.Incident.ShouldBe(incident.Id.Value);
        (await platform.Plans.Runner.RunAsync(tagged.Id)).State.ShouldBe(PlanState.Completed);

        // The commander changes hands: a refusal names the new one.
        await fixture.As("erin").HandOffAsync(incident.Id, IncidentRole.Commander, "frank", "Dublin takes over; the freeze stays on.");
        var refusedAgain = await Should.ThrowAsync<PlatformException>(async () => await platform.Plans.SubmitAsync(await UninstallPlanAsync(null)));
        refusedAgain.Message.ShouldContain("(commander frank");

        var before = await fixture.StateAsync();
        var notCommander = await Should.ThrowAsync<PlatformException>(() => fixture.As("erin").LiftFreezeAsync(incident.Id, "restores done"));
        notCommander.Message.ShouldBe($"only incident {incident.Id}'s commander, frank, can lift its code freeze, not erin: ask frank, or take the role by a handoff. Nothing was changed.");
        (await fixture.StateAsync()).ShouldBe(before);
        (await fixture.Desk.FreezeOfAsync(incident.Id)).ShouldNotBeNull();

        await fixture.As("frank").LiftFreezeAsync(incident.Id, "every site validated");
        (await fixture.Desk.FreezeOfAsync(incident.Id)).ShouldBeNull();
        (await platform.Plans.Runner.RunAsync(earlier.Id)).State.ShouldBe(PlanState.Completed);

        var timeline = await fixture.Desk.TimelineAsync(incident.Id);
        timeline.Single(e => e.Kind == "freeze-on").Actor.ShouldBe("erin");
        var lifted = timeline.Single(e => e.Kind == "freeze-lifted");
        (lifted.Actor, lifted.Text).ShouldBe(("frank", "code freeze lifted: every site validated"));
        var audit = await platform.Audit.OfAsync(incident.Id.Value);
        audit.Select(a => (a.Step, a.Actor)).ShouldBe([("freeze-begun", "erin"), ("freeze-lifted", "frank")]);
    }

    [Fact]
    public async Task BadFreezeRequests_AreRefused_AndChangeNothing()
    {
        var incident = await fixture.DeclareAsync("a second incident");

        (await fixture.RefusedAsync(() => fixture.Desk.FreezeAsync(incident.Id, "  "))).ShouldBe("say why for the freeze (1 to 500 characters). Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.LiftFreezeAsync(incident.Id, "done"))).ShouldBe($"incident {incident.Id} has no code freeze on. Nothing was changed.");

        await fixture.Desk.FreezeAsync(incident.Id, "hold still");
        try
        {
            (await fixture.RefusedAsync(() => fixture.Desk.FreezeAsync(incident.Id, "again"))).ShouldStartWith($"incident {incident.Id}'s change freeze (commander no commander named yet (declared by alice)");
            (await fixture.RefusedAsync(() => fixture.Desk.LiftFreezeAsync(incident.Id, "done")))
                .ShouldBe($"only incident {incident.Id}'s commander can lift its code freeze, and no one holds the role: assign a commander first. Nothing was changed.");
        }
        finally
        {
            await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "alice");
            await fixture.Desk.LiftFreezeAsync(incident.Id, "test over");
        }
    }

    private async Task<PlanRequest> UninstallPlanAsync(string? incident)
    {
        var site = await fixture.Platform.NewSiteAsync();
        var installation = await fixture.Platform.Platform.Apps.InstallAsync(site.Id, PlatformFixture.LegacyApp);
        return new PlanRequest("uninstall-app", "app-installation", [installation.Id.Value], "retire Legacy Insights", new Dictionary<string, string>(), Incident: incident);
    }

    private async Task<long> CountPlansAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM platform.plans", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
