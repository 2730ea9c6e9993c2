using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Server.Tests;

public sealed class BreakerApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ALoopOfSingleSiteDeletions_IsRefusedAtTheLimit_Is409_AndAResetLetsItGoOn()
    {
        var script = fixture.ClientAs($"ceo-of-the-company-{Guid.NewGuid():n}");
        var sites = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sites.Add((await fixture.NewSiteAsync()).Str("id"));
        }

        for (var i = 0; i < 3; i++)
        {
            (await script.DeleteAsync($"/api/sites/{sites[i]}?reason=cleanup")).EnsureSuccessStatusCode();
        }

        var refused = await (await script.DeleteAsync($"/api/sites/{sites[3]}?reason=cleanup")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        refused.Detail.ShouldContain("would pass the limit of 3");
        refused.Detail.ShouldContain("lifeboat breaker reset");
        (await fixture.Client.GetJsonAsync($"/api/sites/{sites[3]}")).Str("state").ShouldBe("Active");
        var trip = (await fixture.Client.GetFromJsonAsync<JsonArray>("/api/breaker/trips?open=true"))!.Single(t => t!["actor"]!.GetValue<string>().StartsWith("ceo-of-the-company", StringComparison.Ordinal))!;
        var tripId = trip["tripId"]!.GetValue<long>();

        var reset = await fixture.Client.PostAsJsonAsync($"/api/breaker/trips/{tripId}/reset", new { reason = "a test deleting on purpose" });
        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await fixture.Client.PostAsJsonAsync($"/api/breaker/trips/{tripId}/reset", new { reason = "again" })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("was already reset");
        (await script.DeleteAsync($"/api/sites/{sites[3]}?reason=cleanup")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task TheLimits_AreListed()
    {
        var limits = (await fixture.Client.GetFromJsonAsync<JsonArray>("/api/breaker/limits"))!;

        limits.ShouldContain(l => l!["scope"]!.GetValue<string>() == "Actor" && l["action"]!.GetValue<string>() == "tenant.delete" && l["maxCount"]!.GetValue<int>() == 3);
    }
}
