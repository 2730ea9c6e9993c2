using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Tests;

/// <summary>Hypotheses about an incident's cause over HTTP: raised by anyone who may add notes, ruled out by a commander, read by all.</summary>
public sealed class IncidentHypothesisApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string UnknownIncident = "inc_0000000000000000000000000a";

    /// <summary>The desk's own answer, not the route table's: the route is there, the incident is not.</summary>
    private const string NotFound = $"incident {UnknownIncident} does not exist in this environment: check the ID (incidents are never deleted).";

    [Fact(Timeout = 120_000)]
    public async Task Hypotheses_AreRaisedRuledOutAndListed_WithEachPermissionWhereItBelongs_AndBadInputChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var (commanderLogin, supportLogin, viewerLogin) = ($"ic-{suffix}", $"sup-{suffix}", $"view-{suffix}");
        using var commander = await fixture.ClientAsAsync(commanderLogin, Roles.IncidentCommander);
        using var support = await fixture.ClientAsAsync(supportLogin, Roles.Support);
        using var viewer = await fixture.ClientAsAsync(viewerLogin, Roles.Viewer);
        var id = (await (await commander.PostAsJsonAsync("/api/incidents", new { title = "Pages gone", type = "mass-deletion", severity = 2 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        (await viewer.GetJsonAsync($"/api/incidents/{id}/hypotheses")).AsArray().ShouldBeEmpty();
        var raised = await (await support.PostAsJsonAsync($"/api/incidents/{id}/hypotheses", new { text = "the cleanup script is still running" }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        (raised["id"]!.GetValue<long>(), raised.Str("raisedBy"), raised["open"]!.GetValue<bool>()).ShouldBe((1L, supportLogin, true));
        await (await commander.PostAsJsonAsync($"/api/incidents/{id}/hypotheses", new { text = "a bad migration dropped the pages" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);

        // Refused: each says what was wrong, and nothing changes.
        var before = (await viewer.GetJsonAsync($"/api/incidents/{id}/hypotheses")).ToJsonString();
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/hypotheses", new { text = "  " }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("the hypothesis is empty or over 1,000 characters: say what may be the cause");
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/hypotheses", new { }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("the request body lacks 'text'");
        (await (await viewer.PostAsJsonAsync($"/api/incidents/{id}/hypotheses", new { text = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission incidents.declare");
        (await (await support.PostAsJsonAsync($"/api/incidents/{id}/hypotheses/1/rule-out", new { why = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission incidents.command");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/hypotheses/1/rule-out", new { why = "" }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("the reason is empty or over 1,000 characters: say what ruled it out");
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/hypotheses/9/rule-out", new { why = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldContain($"incident {id} has no hypothesis 9: list them to find its number");
        (await viewer.GetJsonAsync($"/api/incidents/{id}/hypotheses")).ToJsonString().ShouldBe(before);

        var ruledOut = await (await commander.PostAsJsonAsync($"/api/incidents/{id}/hypotheses/1/rule-out",
            new { why = "the script's host was switched off at 09:12" }, ct)).ShouldBeJsonAsync();
        (ruledOut.Str("ruledOutBy"), ruledOut.Str("ruledOutWhy"), ruledOut["open"]!.GetValue<bool>()).ShouldBe((commanderLogin, "the script's host was switched off at 09:12", false));
        (await (await commander.PostAsJsonAsync($"/api/incidents/{id}/hypotheses/1/rule-out", new { why = "again" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain($"hypothesis 1 was ruled out already by {commanderLogin}");

        var listed = (await viewer.GetJsonAsync($"/api/incidents/{id}/hypotheses")).AsArray();
        listed.Select(h => (h.Str("text"), h!["open"]!.GetValue<bool>())).ShouldBe([("the cleanup script is still running", false), ("a bad migration dropped the pages", true)]);
        var timeline = (await viewer.GetJsonAsync($"/api/incidents/{id}/timeline")).AsArray();
        timeline.ShouldContain(e => e.Str("kind") == "hypothesis" && e.Str("actor") == supportLogin && e.Str("text") == "hypothesis 1: the cleanup script is still running");
        timeline.ShouldContain(e => e.Str("kind") == "ruled-out" && e.Str("actor") == commanderLogin && e.Str("source") == "api");
    }

    [Fact(Timeout = 120_000)]
    public async Task AnUnknownIncident_Is404_ForListingRaisingAndRulingOut()
    {
        var ct = TestContext.Current.CancellationToken;
        using var commander = await fixture.ClientForAsync(Roles.IncidentCommander);

        (await (await commander.GetAsync($"/api/incidents/{UnknownIncident}/hypotheses", ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldBe(NotFound);
        (await (await commander.PostAsJsonAsync($"/api/incidents/{UnknownIncident}/hypotheses", new { text = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldBe(NotFound);
        (await (await commander.PostAsJsonAsync($"/api/incidents/{UnknownIncident}/hypotheses/1/rule-out", new { why = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldBe(NotFound);
    }
}
