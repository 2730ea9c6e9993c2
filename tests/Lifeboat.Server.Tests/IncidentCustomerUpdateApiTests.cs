using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Tests;

/// <summary>What customers were told, recorded over HTTP: it is on the timeline, and the customer-update reminder starts again from it.</summary>
public sealed class IncidentCustomerUpdateApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task ACustomerUpdate_IsRecordedByCommunications_RefusedEmptyOrToAViewer_AndIsOnTheTimeline()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var (commanderLogin, commsLogin) = ($"ic-{suffix}", $"comms-{suffix}");
        using var commander = await fixture.ClientAsAsync(commanderLogin, Roles.IncidentCommander);
        using var comms = await fixture.ClientAsAsync(commsLogin, Roles.Communications);
        using var viewer = await fixture.ClientAsAsync($"view-{suffix}", Roles.Viewer);
        var id = (await (await commander.PostAsJsonAsync("/api/incidents", new { title = "Sites gone", type = "mass-deletion", severity = 1 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var before = (await viewer.GetJsonAsync($"/api/incidents/{id}/timeline")).ToJsonString();

        (await (await comms.PostAsJsonAsync($"/api/incidents/{id}/customer-updates", new { text = " " }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("the customer update for incident");
        (await (await viewer.PostAsJsonAsync($"/api/incidents/{id}/customer-updates", new { text = "x" }, ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission incidents.declare");
        (await viewer.GetJsonAsync($"/api/incidents/{id}/timeline")).ToJsonString().ShouldBe(before);

        var update = await (await comms.PostAsJsonAsync($"/api/incidents/{id}/customer-updates",
            new { text = "Restoring: 412 of 883 sites are back; next update at 15:00 UTC" }, ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        (update.Str("kind"), update.Str("actor"), update.Str("source")).ShouldBe(("customer-update", commsLogin, "api"));
        (await viewer.GetJsonAsync($"/api/incidents/{id}/timeline")).AsArray()
            .ShouldContain(e => e.Str("kind") == "customer-update" && e.Str("text") == "Restoring: 412 of 883 sites are back; next update at 15:00 UTC");
    }
}
