using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Tests;

/// <summary>Incident command over HTTP, as the people of an incident use it, each with their own token.</summary>
public sealed class IncidentApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] UnknownInstallation = ["ain_0000000000000000000000000a"];

    [Fact(Timeout = 120_000)]
    public async Task AnIncident_IsDeclaredCommandedAndHandedOver_AndTheTimelineNamesWhoDidEach()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var (operatorLogin, commanderLogin, secondLogin, receiverLogin, thirdLogin) =
            ($"op-{suffix}", $"ic-{suffix}", $"ic2-{suffix}", $"recv-{suffix}", $"third-{suffix}");
        using var op = await fixture.ClientAsAsync(operatorLogin, Roles.Operator);
        using var commander = await fixture.ClientAsAsync(commanderLogin, Roles.IncidentCommander);
        using var second = await fixture.ClientAsAsync(secondLogin, Roles.IncidentCommander);
        using var receiver = await fixture.ClientAsAsync(receiverLogin, Roles.IncidentCommander);
        using var third = await fixture.ClientAsAsync(thirdLogin, Roles.Viewer);

        var declared = await (await op.PostAsJsonAsync("/api/incidents", new { title = "Sites lost their apps", type = "mass-deletion", severity = "SEV2" }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = declared.Str("id");
        (declared.Str("declaredBy"), declared.Str("severity"), declared.Str("phase")).ShouldBe((operatorLogin, "Sev2", "Investigating"));
        (await commander.GetJsonAsync($"/api/incidents/{id}")).Str("title").ShouldBe("Sites lost their apps");

        var assigned = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = commanderLogin }, ct)).ShouldBeJsonAsync();
        (assigned.Str("person"), assigned.Str("assignedBy")).ShouldBe((commanderLogin, commanderLogin));
        var taken = await (await second.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = secondLogin }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        taken.Detail.ShouldContain($"{commanderLogin} is the commander of incident {id}");

        var skip = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/phase", new { phase = "restoring" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        skip.Detail.ShouldContain("skips identified");
        (await commander.GetJsonAsync($"/api/incidents/{id}")).Str("phase").ShouldBe("Investigating", "a refused move changes nothing");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/phase", new { phase = "identified", note = "the plan removed the app" }, ct)).ShouldBeJsonAsync())
            .Str("phase").ShouldBe("Identified");

        // A viewer could not command: the role is not handed to them, and nothing changes.
        var toViewer = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/handoffs",
            new { role = "commander", to = thirdLogin, note = "over to you" }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        toViewer.Detail.ShouldBe($"{thirdLogin} cannot be handed commander: the role needs the permission incidents.command, which their roles (viewer) do not grant. " +
            "Choose someone who has it, or have an admin grant a role with it. Nothing was changed.");
        var notAnOperator = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "scribe", person = "nobody-by-that-name" }, ct))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        notAnOperator.Detail.ShouldStartWith("nobody-by-that-name is not an operator of this Lifeboat, so cannot hold scribe");
        (await commander.GetJsonAsync($"/api/incidents/{id}/roles")).AsArray().Select(h => h.Str("person")).ShouldBe([commanderLogin]);

        var handoff = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/handoffs",
            new { role = "commander", to = receiverLogin, note = "restore is next; the plan is known" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        var handoffId = handoff["id"]!.GetValue<long>();
        (await receiver.GetJsonAsync($"/api/incidents/{id}/handoffs/pending")).AsArray().Select(h => h!["id"]!.GetValue<long>()).ShouldBe([handoffId]);

        var notTheirs = await (await third.PostAsync($"/api/incidents/{id}/handoffs/{handoffId}/acknowledge", null, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        notTheirs.Detail.ShouldContain($"only {receiverLogin} can acknowledge it, not {thirdLogin}");
        var acknowledged = await (await receiver.PostAsync($"/api/incidents/{id}/handoffs/{handoffId}/acknowledge", null, ct)).ShouldBeJsonAsync();
        acknowledged.Str("acknowledgedBy").ShouldBe(receiverLogin);
        (await receiver.GetJsonAsync($"/api/incidents/{id}/handoffs/pending")).AsArray().ShouldBeEmpty();
        (await receiver.GetJsonAsync($"/api/incidents/{id}/roles")).AsArray()
            .Where(h => h.Str("role") == "Commander").Select(h => h.Str("person")).ShouldBe([receiverLogin]);

        var timeline = (await receiver.GetJsonAsync($"/api/incidents/{id}/timeline?limit=50")).AsArray();
        timeline.ShouldAllBe(e => e!["source"]!.GetValue<string>() == "api");
        var actors = timeline.Select(e => e.Str("actor")).ToHashSet();
        actors.ShouldBe(new HashSet<string> { operatorLogin, commanderLogin, receiverLogin }, ignoreOrder: true,
            customMessage: string.Join("\n", timeline.Select(e => $"{e.Str("actor")}: {e.Str("text")}")));
        timeline.Select(e => e.Str("text")).ShouldContain(t => t.Contains("identified", StringComparison.OrdinalIgnoreCase));
    }

    [Fact(Timeout = 60_000)]
    public async Task AViewersDeclaration_Is403NamingThePermission()
    {
        using var viewer = await fixture.ClientForAsync(Roles.Viewer);

        var refused = await (await viewer.PostAsJsonAsync("/api/incidents", new { title = "x", type = "mass-deletion", severity = 2 }, TestContext.Current.CancellationToken))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        refused.Detail.ShouldContain("lacks the permission incidents.declare");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("phase", "{\"phase\":\"fixed\"}", "investigating, identified, restoring, monitoring, resolved, closed")]
    [InlineData("severity", "{\"severity\":\"SEV5\"}", "1, 2, 3 or 4")]
    [InlineData("roles", "{\"role\":\"boss\",\"person\":\"someone\"}", "communications-lead")]
    public async Task ABadValue_Is400ListingTheAllowedOnes_AndChangesNothing(string path, string body, string allowed)
    {
        var ct = TestContext.Current.CancellationToken;
        var declared = await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = "Bad values", type = "test", severity = 3 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = declared.Str("id");

        var response = await fixture.Client.PostAsync($"/api/incidents/{id}/{path}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain(allowed);
        var after = await fixture.Client.GetJsonAsync($"/api/incidents/{id}");
        (after.Str("phase"), after.Str("severity")).ShouldBe(("Investigating", "Sev3"));
        (await fixture.Client.GetJsonAsync($"/api/incidents/{id}/roles")).AsArray().ShouldBeEmpty();
    }

    [Fact(Timeout = 60_000)]
    public async Task ARoleAsAnswersWriteIt_IsReadBackAsTheSameRole()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = (await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = "Round trip", type = "test", severity = 4 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var (casey, dana) = ($"casey-{Guid.NewGuid():n}"[..14], $"dana-{Guid.NewGuid():n}"[..13]);
        using var _ = await fixture.ClientAsAsync(casey, Roles.Communications);
        using var __ = await fixture.ClientAsAsync(dana, Roles.Communications);
        var lead = await (await fixture.Client.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "communications-lead", person = casey }, ct)).ShouldBeJsonAsync();

        var backup = await (await fixture.Client.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = lead.Str("role"), person = dana, slot = "Backup" }, ct)).ShouldBeJsonAsync();

        (lead.Str("role"), backup.Str("role"), backup.Str("slot")).ShouldBe(("CommunicationsLead", "CommunicationsLead", "Backup"));
        (await fixture.Client.GetJsonAsync($"/api/incidents/{id}/roles/missing")).AsArray().Select(g => g.Str("described"))
            .ShouldBe(["commander", "backup commander", "scribe", "backup scribe"], ignoreOrder: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task TheList_ShowsOpenIncidentsWithTheirCommanders_ClosedOnesWithAll_AndRefusesAWordThatIsNoPhase()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var open = (await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = $"open {suffix}", type = "mass-deletion", severity = 4 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var closed = (await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = $"duplicate {suffix}", type = "mass-deletion", severity = 4 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        using var _ = await fixture.ClientAsAsync($"ic-{suffix}", Roles.IncidentCommander);
        await (await fixture.Client.PostAsJsonAsync($"/api/incidents/{open}/roles", new { role = "commander", person = $"ic-{suffix}" }, ct)).ShouldBeJsonAsync();
        await (await fixture.Client.PostAsJsonAsync($"/api/incidents/{closed}/merge", new { into = open }, ct)).ShouldBeJsonAsync();

        var listed = (await fixture.Client.GetJsonAsync("/api/incidents?severity=SEV4")).AsArray();
        var mine = listed.Where(l => l!["incident"]!.Str("title").EndsWith(suffix, StringComparison.Ordinal)).ToList();
        mine.ShouldHaveSingleItem().Str("commander").ShouldBe($"ic-{suffix}");
        mine[0]!["incident"]!.Str("id").ShouldBe(open);
        (await fixture.Client.GetJsonAsync("/api/incidents?all=true&severity=4")).AsArray()
            .Select(l => l!["incident"]!.Str("id")).ShouldContain(closed);
        (await fixture.Client.GetJsonAsync("/api/incidents?phase=closed&limit=500")).AsArray()
            .Select(l => l!["incident"]!.Str("id")).ShouldContain(closed);

        (await (await fixture.Client.GetAsync("/api/incidents?phase=over", ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("'over' is not a phase: give one of investigating, identified, restoring, monitoring, resolved, closed");
        (await (await fixture.Client.GetAsync("/api/incidents?limit=501", ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("give a limit from 1 to 500");
    }

    [Fact(Timeout = 60_000)]
    public async Task AnUnknownIncident_Is404()
    {
        var missing = await (await fixture.Client.GetAsync("/api/incidents/inc_0000000000000000000000000z", TestContext.Current.CancellationToken))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        missing.Detail.ShouldContain("inc_0000000000000000000000000z");
    }

    [Fact(Timeout = 120_000)]
    public async Task AFreezeOverHttp_RefusesAnUntaggedPlan_AndOnlyTheCommanderLiftsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        using var op = await fixture.ClientAsAsync($"op-{suffix}", Roles.Operator);
        using var commander = await fixture.ClientAsAsync($"ic-{suffix}", Roles.IncidentCommander);
        using var other = await fixture.ClientAsAsync($"ic2-{suffix}", Roles.IncidentCommander);
        var id = (await (await op.PostAsJsonAsync("/api/incidents", new { title = "Freeze over HTTP", type = "mass-deletion", severity = 1 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await (await commander.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = $"ic-{suffix}" }, ct)).ShouldBeJsonAsync();
        (await (await commander.GetAsync($"/api/incidents/{id}/freeze", ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldContain("no code freeze on");

        var freeze = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/freeze", new { reason = "restores running" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        (freeze.Str("incident"), freeze.Str("contact")).ShouldBe((id, $"ic-{suffix}"));
        try
        {
            var refused = await (await op.PostAsJsonAsync("/api/plans", new { action = "uninstall-app", target = "app-installation", targets = UnknownInstallation, reason = "tidy up" }, ct))
                .ShouldBeProblemAsync(HttpStatusCode.Conflict);
            refused.Detail.ShouldContain($"incident {id}'s change freeze (commander ic-{suffix}");
            (await (await other.PostAsJsonAsync($"/api/incidents/{id}/freeze/lift", new { reason = "not mine" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
                .Detail.ShouldContain($"only incident {id}'s commander, ic-{suffix}, can lift its code freeze");
            (await op.PostAsJsonAsync($"/api/incidents/{id}/freeze/lift", new { reason = "operators cannot command" }, ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await commander.GetJsonAsync($"/api/incidents/{id}/freeze")).Str("reason").ShouldBe("restores running");
        }
        finally
        {
            (await commander.PostAsJsonAsync($"/api/incidents/{id}/freeze/lift", new { reason = "every site validated" }, ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        (await commander.GetAsync($"/api/incidents/{id}/freeze", ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
