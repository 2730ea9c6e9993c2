using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Lifeboat.Server.Tests;

public sealed class SiteApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task CreateSite_InARegion_IsListedAndFilterableByRegion()
    {
        var site = await fixture.NewSiteAsync("ap-southeast", isInternal: true);
        var id = site.Str("id");

        id.ShouldStartWith("site_");
        (await Client.GetJsonAsync("/api/sites?region=ap-southeast")).Ids().ShouldContain(id);
        (await Client.GetJsonAsync("/api/sites?region=us-east")).Ids().ShouldNotContain(id);
        (await Client.GetJsonAsync("/api/sites?region=ap-southeast&internal=false")).Ids().ShouldNotContain(id);
        var entry = await Client.GetJsonAsync($"/api/sites/{id}");
        entry.Str("state").ShouldBe("Active");
        entry["internal"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task CreateSite_DuplicateNameInARegion_Is409WithTheMessage()
    {
        var first = await fixture.NewSiteAsync("eu-west");

        var response = await Client.PostAsJsonAsync("/api/sites", new { name = first.Str("name").ToUpperInvariant(), region = "eu-west" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.Detail.ShouldBe($"a site named '{first.Str("name")}' already exists in eu-west ({first.Str("id")}, Active). Choose another name.");
    }

    [Fact]
    public async Task CreateSite_InAnUnknownRegion_Is400ListingTheRegions()
    {
        var response = await Client.PostAsJsonAsync("/api/sites", new { name = "Initech", region = "mars-north" });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("unknown region 'mars-north'; sites can live in: us-east, eu-west, ap-southeast.");
    }

    [Fact]
    public async Task CreateSite_WithoutAName_Is400NamingTheField()
    {
        var response = await Client.PostAsJsonAsync("/api/sites", new { region = "eu-west" });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("'name'");
    }

    [Fact]
    public async Task CreateSite_MalformedJson_Is400SayingWhere()
    {
        using var body = new StringContent("""{"name": "Acme", "region": "eu-west", "internal": "yes"}""", Encoding.UTF8, "application/json");

        var response = await Client.PostAsync("/api/sites", body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("the request body's 'internal' must be true or false.");
    }

    [Fact]
    public async Task GetSite_AnAppInstallationId_Is400NamingBothKinds()
    {
        var response = await Client.GetAsync("/api/sites/ain_01jd8x2k9q4m7t6v5w3y1z0a8b");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.Detail.ShouldBe("'ain_01jd8x2k9q4m7t6v5w3y1z0a8b' is an app installation ID (ain_…), but a site ID (site_…) is expected here.");
        problem.Extensions["expected"]!.ToString().ShouldBe("site");
        problem.Extensions["given"]!.ToString().ShouldBe("app installation");
    }

    [Fact]
    public async Task GetSite_Unknown_Is404()
    {
        var response = await Client.GetAsync("/api/sites/site_01jd8x2k9q4m7t6v5w3y1z0a8b");

        (await response.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldBe("site site_01jd8x2k9q4m7t6v5w3y1z0a8b does not exist in this environment.");
    }

    [Fact]
    public async Task DeleteSite_WithoutAReason_Is400AndTheSiteStaysActive()
    {
        var id = (await fixture.NewSiteAsync()).Str("id");

        var response = await Client.DeleteAsync($"/api/sites/{id}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("reason");
        (await Client.GetJsonAsync($"/api/sites/{id}")).Str("state").ShouldBe("Active");
    }

    [Fact]
    public async Task DeleteSite_Twice_DeletesOnce_AndUndeleteBringsItBack()
    {
        var id = (await fixture.NewSiteAsync()).Str("id");

        var first = await (await Client.DeleteAsync($"/api/sites/{id}?reason=customer%20asked")).ShouldBeJsonAsync();
        var second = await (await Client.DeleteAsync($"/api/sites/{id}?reason=again")).ShouldBeJsonAsync();

        first["changed"]!.GetValue<bool>().ShouldBeTrue();
        second["changed"]!.GetValue<bool>().ShouldBeFalse();
        second["site"].Str("state").ShouldBe("Deleted");
        (await Client.GetJsonAsync("/api/sites?state=Deleted")).Ids().ShouldContain(id);
        var back = await (await Client.PostAsJsonAsync($"/api/sites/{id}/undelete", new { reason = "mistake" })).ShouldBeJsonAsync();
        back["site"].Str("state").ShouldBe("Active");
    }

    [Fact]
    public async Task CreateSite_RecordsTheAuthenticatedPrincipalOnTheEvent()
    {
        var id = (await fixture.NewSiteAsync(actor: "alice@ops")).Str("id");

        var events = await Client.GetJsonAsync($"/api/events/audit-{Guid.NewGuid():n}?max=1000");

        var created = events.AsArray().Single(e => e!["site"]?.GetValue<string>() == id);
        created.Str("type").ShouldBe("site.created");
        created.Str("actor").ShouldBe("alice@ops");
    }

    [Fact]
    public async Task DeleteSite_RecordsThePrincipal_NeverAnActorHeader()
    {
        var id = (await fixture.NewSiteAsync()).Str("id");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/sites/{id}?reason=test");
        request.Headers.Add("X-Lifeboat-Actor", "ceo-of-the-company");
        (await Client.SendAsync(request)).EnsureSuccessStatusCode();

        var events = await Client.GetJsonAsync($"/api/events/audit-{Guid.NewGuid():n}?max=1000");

        events.AsArray().Where(e => e!["site"]?.GetValue<string>() == id).Select(e => (e.Str("type"), e.Str("actor")))
            .ShouldBe([("site.created", ServerFixture.AdminLogin), ("site.deleted", ServerFixture.AdminLogin)]);
    }

    [Fact]
    public async Task DescribeSite_AfterChanges_ShowsProductsLicencesAndApps()
    {
        var id = (await fixture.NewSiteAsync()).Str("id");
        (await Client.PostAsJsonAsync($"/api/sites/{id}/licences", new { product = ServerFixture.Tracker, seats = 5 })).EnsureSuccessStatusCode();
        (await Client.PostAsync($"/api/sites/{id}/products/{ServerFixture.Tracker}/activate", null)).EnsureSuccessStatusCode();
        (await Client.PostAsJsonAsync($"/api/sites/{id}/apps", new { app = ServerFixture.LegacyApp })).EnsureSuccessStatusCode();

        var details = await Client.GetJsonAsync($"/api/sites/{id}/details");

        details["site"].Str("id").ShouldBe(id);
        details["products"]![0].Str("state").ShouldBe("Active");
        details["licences"]![0]!["seats"]!.GetValue<int>().ShouldBe(5);
        details["apps"]![0].Str("app").ShouldBe(ServerFixture.LegacyApp);
    }
}
