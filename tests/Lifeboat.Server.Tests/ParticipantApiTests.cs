using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Tests;

/// <summary>Participants over HTTP: register, list, ask one what it holds for a site (over real HTTP), remove.</summary>
public sealed class ParticipantApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task AParticipant_IsRegistered_Listed_Described_AndRemoved()
    {
        await using var search = await DescribingParticipantAsync();
        var url = $"{search.Urls.Single()}/lifeboat";
        var site = (await fixture.NewSiteAsync()).Str("id");

        var registered = await (await Client.PutAsJsonAsync("/api/participants/search", new { url, timeoutMs = 2000 })).ShouldBeJsonAsync();

        (registered.Str("name"), registered.Str("url"), registered["timeoutMs"]!.GetValue<int>()).ShouldBe(("search", url, 2000));
        registered.Str("secret").ShouldStartWith("lbps_", customMessage: "the signing secret is shown once, at registration");
        (await Client.GetJsonAsync("/api/participants")).AsArray().Select(p => p.Str("name")).ShouldBe(["search"]);
        (await Client.GetJsonAsync("/api/participants")).ToJsonString().ShouldNotContain(registered.Str("secret"));
        var described = await Client.GetJsonAsync($"/api/participants/search/sites/{site}");
        described.Str("site").ShouldBe(site);
        (described["stores"]![0].Str("name"), described["stores"]![0]!["items"]!.GetValue<long>()).ShouldBe(("documents", 7));

        (await (await Client.DeleteAsync("/api/participants/search")).ShouldBeJsonAsync())["changed"]!.GetValue<bool>().ShouldBeTrue();
        (await (await Client.DeleteAsync("/api/participants/search")).ShouldBeJsonAsync())["changed"]!.GetValue<bool>().ShouldBeFalse();
        (await Client.GetJsonAsync("/api/participants")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task BadRegistrations_Are400_AnUnknownParticipant404_AndOneThatIsDown409SayingSo()
    {
        (await (await Client.PutAsJsonAsync("/api/participants/Search_Index", new { url = "http://127.0.0.1:1/lifeboat" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("is not a participant name");
        (await (await Client.PutAsJsonAsync("/api/participants/search", new { url = "ftp://127.0.0.1/lifeboat" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("is not an http(s) URL");
        (await (await Client.PutAsJsonAsync("/api/participants/search", new { url = "http://127.0.0.1:1/lifeboat", timeoutMs = 0 })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("timeout");
        (await (await Client.PutAsJsonAsync("/api/participants/search", new { url = "http://169.254.169.254/latest/meta-data" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldContain("is not on the participants' allow-list (loopback addresses only (nothing is configured)). To allow it, add its URL");
        var site = (await fixture.NewSiteAsync()).Str("id");
        (await (await Client.GetAsync($"/api/participants/nobody/sites/{site}")).ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldContain("no participant named 'nobody'");

        var port = FreePort();
        (await Client.PutAsJsonAsync("/api/participants/down", new { url = $"http://127.0.0.1:{port}/lifeboat", timeoutMs = 1000 })).EnsureSuccessStatusCode();
        try
        {
            (await (await Client.GetAsync($"/api/participants/down/sites/{site}")).ShouldBeProblemAsync(HttpStatusCode.Conflict))
                .Detail.ShouldStartWith($"participant down could not be reached at http://127.0.0.1:{port}/lifeboat for describe of site {site}");
            (await (await Client.GetAsync("/api/participants/down/sites/prd_tracker")).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
                .Detail.ShouldContain("a site ID (site_…) is expected here");
        }
        finally
        {
            (await Client.DeleteAsync("/api/participants/down")).EnsureSuccessStatusCode();
        }
    }

    /// <summary>A participant on 127.0.0.1 that holds 7 documents of every site.</summary>
    private static async Task<WebApplication> DescribingParticipantAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/lifeboat/describe", (JsonElement body) =>
            Results.Json(new { site = body.GetProperty("site").GetString(), stores = new[] { new { name = "documents", items = 7 } } }));
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
