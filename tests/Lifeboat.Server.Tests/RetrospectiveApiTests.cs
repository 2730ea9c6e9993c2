using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Retrospectives;

namespace Lifeboat.Server.Tests;

/// <summary>A server whose retrospective pass runs every second.</summary>
public sealed class RetrospectiveServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [RetrospectivePass.IntervalKey] = "1",
    };
}

/// <summary>Retrospectives over HTTP: the server opens one when an incident resolves; participants write; the rules answer 409 naming what is missing.</summary>
public sealed class RetrospectiveApiTests(RetrospectiveServerFixture fixture) : IClassFixture<RetrospectiveServerFixture>
{
    [Fact(Timeout = 180_000)]
    public async Task AResolvedIncident_GetsItsRetrospectiveFromTheServer_AParticipantWrites_AndTheRulesAnswer409()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var commanderLogin = $"ic-{suffix}";
        using var commander = await fixture.ClientAsAsync(commanderLogin, Roles.IncidentCommander);
        using var outsider = await fixture.ClientAsAsync($"ops-{suffix}", Roles.Operator);
        var id = (await (await commander.PostAsJsonAsync("/api/incidents", new { title = "Sites gone", type = "mass-deletion", severity = 2 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        (await commander.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = commanderLogin }, ct)).EnsureSuccessStatusCode();

        (await (await commander.GetAsync($"/api/incidents/{id}/retrospective", ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldContain("no retrospective yet");
        foreach (var phase in new[] { "identified", "restoring", "monitoring", "resolved" })
        {
            (await commander.PostAsJsonAsync($"/api/incidents/{id}/phase", new { phase }, ct)).EnsureSuccessStatusCode();
        }

        var retro = await Eventually.Async(async () =>
        {
            var answer = await commander.GetAsync($"/api/incidents/{id}/retrospective", ct);
            return answer.IsSuccessStatusCode ? await answer.ShouldBeJsonAsync() : null;
        }, "the server's pass to open the resolved incident's retrospective", ct);
        retro.Str("openedBy").ShouldBe("lifeboat");
        // The server registers the support desk as a figure source: an incident of no site that no customer wrote about has no tickets, counted.
        retro["draft"]!["figures"]!.AsArray().ShouldContain(f => f.Str("key") == "tickets-per-channel" && f.Str("value") == "no tickets" && f.Str("status") == "Measured");
        retro["draft"]!["figures"]!.AsArray().ShouldContain(f => f.Str("key") == "sla-breaches" && f.Str("value") == "no breaches");

        // Someone who took no part, without incidents.command, is refused; the commander (a participant) writes.
        (await (await outsider.PostAsJsonAsync($"/api/incidents/{id}/retrospective/entries", new { kind = "problem", text = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("is not a participant");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/retrospective/entries", new { kind = "nope", text = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("keep, problem or try");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/retrospective/entries", new { kind = "keep", text = "paged within a minute" }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("author").ShouldBe(commanderLogin);

        var due = TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var action = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/retrospective/actions",
            new { kind = "recover-faster", title = "restore per region", owner = commanderLogin, due }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        var number = action["number"]!.GetValue<int>();

        // The incident named no site, so its time to restore is unknown: a drill cannot beat it, and the answer says why.
        var report = new JsonObject { ["schema"] = "lifeboat.drill-report/1", ["complete"] = true, ["rto_seconds"] = 12.5, ["sites_restored"] = 20 };
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/retrospective/actions/{number}/drill", report, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("time to every site restored and validated is unknown");

        var refused = await (await commander.PostAsync($"/api/incidents/{id}/retrospective/complete", null, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        refused.Detail.ShouldContain("confirm-cause, make-fix-permanent, prevent-recurrence, detect-sooner have neither");

        var markdown = await commander.GetAsync($"/api/incidents/{id}/retrospective.md", ct);
        markdown.StatusCode.ShouldBe(HttpStatusCode.OK);
        markdown.Content.Headers.ContentType!.MediaType.ShouldBe("text/markdown");
        var text = await markdown.Content.ReadAsStringAsync(ct);
        text.ShouldStartWith("# Retrospective: Sites gone");
        text.ShouldContain("- paged within a minute — " + commanderLogin);
        text.ShouldContain($"- [ ] #{number} restore per region — owner {commanderLogin}");
    }
}
