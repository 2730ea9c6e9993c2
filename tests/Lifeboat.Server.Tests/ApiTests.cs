using System.Net;
using System.Text.Json.Nodes;

namespace Lifeboat.Server.Tests;

public sealed class ApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task OpenApiDocument_ListsTheMainPaths_WithIdsAsStrings()
    {
        var document = await Client.GetJsonAsync("/openapi/v1.json");

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[]
        {
            "/api/sites", "/api/sites/{site}", "/api/sites/{site}/details", "/api/sites/{site}/undelete",
            "/api/products", "/api/sites/{site}/products/{product}/activate", "/api/sites/{site}/licences", "/api/licences/{licence}",
            "/api/apps", "/api/sites/{site}/apps", "/api/app-installations/{installation}",
            "/api/sites/{site}/users", "/api/groups/{group}/members", "/api/sites/{site}/permissions", "/api/sites/{site}/sign-in",
            "/api/sites/{site}/flags", "/api/sites/{site}/contacts", "/api/contacts/export", "/api/contacts/export.csv",
            "/api/events/{consumer}", "/api/events/{consumer}/consume", "/api/store/tenants", "/api/store/tenants/{tenant}/restore-preview",
        })
        {
            paths.ShouldContain(path);
        }

        document["paths"]!["/api/sites"]!["post"].Str("operationId").ShouldBe("CreateSite");
        var schemas = document["components"]!["schemas"]!;
        schemas["SiteProfile"]!["properties"]!["id"].Str("$ref").ShouldBe("#/components/schemas/SiteId");
        schemas["SiteId"].Str("type").ShouldBe("string");
        schemas["SiteId"].Str("pattern").ShouldBe("^site_[0-9a-z]{2,40}$");
    }

    [Fact]
    public async Task UnexpectedError_Is500_WithoutTheInternals()
    {
        var response = await Client.GetAsync(ServerFixture.BoomPath);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.InternalServerError);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldNotContain("hunter2");
        body.ShouldNotContain("InvalidOperationException");
        problem.Title.ShouldBe("Unexpected error");
    }

    [Fact]
    public async Task UnknownPath_Is404Problem()
    {
        var response = await Client.GetAsync("/api/nothing-here");

        (await response.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldBe("There is no GET /api/nothing-here; the OpenAPI document at /openapi/v1.json lists what there is.");
    }

    [Fact]
    public async Task ConsumeEvents_ReturnsTheNextEvents_AndMovesTheCursorPastThem()
    {
        var consumer = $"mailer-{Guid.NewGuid():n}";
        await Client.PostAsync($"/api/events/{consumer}/consume?max=1000", null);
        var site = (await fixture.NewSiteAsync()).Str("id");

        var peeked = await Client.GetJsonAsync($"/api/events/{consumer}");
        var consumed = await (await Client.PostAsync($"/api/events/{consumer}/consume", null)).ShouldBeJsonAsync();
        var after = await Client.GetJsonAsync($"/api/events/{consumer}");

        peeked.AsArray().Select(e => e.Str("type")).ShouldBe(["site.created"]);
        consumed.AsArray().Select(e => (e.Str("type"), e.Str("site"))).ShouldBe([("site.created", site)]);
        after.AsArray().ShouldBeEmpty();
        (await (await Client.PostAsync($"/api/events/{consumer}/consume", null)).ShouldBeJsonAsync()).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task StoreTenants_FilteredByState_ListsADeletedSite()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        await Client.DeleteAsync($"/api/sites/{site}?reason=test");

        (await Client.GetJsonAsync("/api/store/tenants?state=Deleted")).Ids().ShouldContain(site);
        (await Client.GetJsonAsync("/api/store/tenants?state=Active")).Ids().ShouldNotContain(site);
    }

    [Fact]
    public async Task RestorePreview_OfADeletedSite_ShowsItWouldComeBackActive_AndChangesNothing()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var point = (await Client.GetJsonAsync("/api/store/tenants")).AsArray().Single(t => t.Str("id") == site)!["createdPosition"]!.GetValue<long>();
        await Client.PutAsync($"/api/sites/{site}/flags/beta", JsonContent(new JsonObject { ["enabled"] = true }));
        await Client.DeleteAsync($"/api/sites/{site}?reason=test");

        var preview = await Client.GetJsonAsync($"/api/store/tenants/{site}/restore-preview?to=@{point}");

        preview.Str("tenant").ShouldBe(site);
        preview.Str("point").ShouldBe($"position:{point}");
        preview.Str("stateNow").ShouldBe("Deleted");
        preview.Str("stateAtPoint").ShouldBe("Active");
        preview["records"]!.GetValue<int>().ShouldBe(1);
        preview["changes"]![0].Str("collection").ShouldBe("site.flags");
        preview["changes"]![0]!["deleted"]!.GetValue<int>().ShouldBe(1, "the flag set after the point would go");
        (await Client.GetJsonAsync($"/api/sites/{site}")).Str("state").ShouldBe("Deleted");
    }

    [Fact]
    public async Task RestorePreview_NotARecoveryPoint_Is400()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        var response = await Client.GetAsync($"/api/store/tenants/{site}/restore-preview?to=yesterday");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldStartWith("'yesterday' is not a recovery point");
    }

    [Fact]
    public async Task RestorePreview_UnknownTenant_Is404()
    {
        var response = await Client.GetAsync("/api/store/tenants/nobody-here/restore-preview?to=@1");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RestorePreview_WithoutTo_Is400NamingTheParameter()
    {
        var response = await Client.GetAsync("/api/store/tenants/nobody-here/restore-preview");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("to");
    }

    private static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
