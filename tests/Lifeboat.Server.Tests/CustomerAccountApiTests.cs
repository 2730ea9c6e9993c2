using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Tests;

public sealed class CustomerAccountApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Account_CreateLinkShowUnlink_OverHttp()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (site, other) = ((await fixture.NewSiteAsync()).Str("id"), (await fixture.NewSiteAsync("us-east")).Str("id"));
        await (await Client.PostAsJsonAsync($"/api/sites/{site}/contacts", new { role = "Admin", name = "Dana", email = "dana@acme.example.com" }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        var created = await (await Client.PostAsJsonAsync("/api/accounts", new
        {
            name = $"Acme {tag}",
            tier = "premium",
            region = "eu-west",
            contacts = new[] { new { role = "technical", name = "Ops", email = "DANA@acme.example.com" } },
        })).ShouldBeJsonAsync(HttpStatusCode.Created);
        var account = created.Str("id");
        created.Str("tier").ShouldBe("Premium");
        await (await Client.PostAsJsonAsync($"/api/accounts/{account}/sites", new { site })).ShouldBeJsonAsync(HttpStatusCode.Created);
        await (await Client.PostAsJsonAsync($"/api/accounts/{account}/sites", new { site = other })).ShouldBeJsonAsync(HttpStatusCode.Created);
        await (await Client.PostAsJsonAsync($"/api/accounts/{account}/contacts", new { role = "Billing", name = "Finance", phone = "+44 20 7946 0000" }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        (await Client.DeleteAsync($"/api/sites/{site}?reason=the%20script")).EnsureSuccessStatusCode();

        var view = await Client.GetJsonAsync($"/api/accounts/{account}");

        view["account"].Str("name").ShouldBe($"Acme {tag}");
        view["sites"]!.AsArray().Select(s => (s!["site"].Str("id"), s["site"].Str("state"))).OrderBy(s => s.Item1, StringComparer.Ordinal)
            .ShouldBe(new[] { (site, "Deleted"), (other, "Active") }.OrderBy(s => s.Item1, StringComparer.Ordinal));
        var contacts = view["keyContacts"]!.AsArray();
        contacts.Count.ShouldBe(2, "Dana's address is listed once, for the account and her site");
        var ops = contacts.Single(c => c!["name"]!.GetValue<string>() == "Ops")!;
        ops["from"]!["site"].ShouldBeNull("the account's own contact comes first");
        ops["alsoFrom"]!.AsArray().Single()!.Str("site").ShouldBe(site);
        (await Client.GetJsonAsync($"/api/accounts?q={tag.ToUpperInvariant()}")).Ids().ShouldBe([account]);
        (await Client.GetJsonAsync("/api/accounts?limit=1000")).Ids().ShouldContain(account);

        var unlinked = await (await Client.DeleteAsync($"/api/accounts/{account}/sites/{other}")).ShouldBeJsonAsync();
        unlinked["unlinkedAt"].ShouldNotBeNull();
        (await Client.GetJsonAsync($"/api/accounts/{account}"))["sites"]!.AsArray().Count.ShouldBe(1);
        (await Client.GetJsonAsync($"/api/accounts/{account}/links")).AsArray().Count.ShouldBe(2);
        (await Client.GetJsonAsync($"/api/audit?subject={account}")).AsArray().Select(a => a.Str("step"))
            .ShouldBe(["account-created", "contact-added", "site-linked", "site-linked", "contact-added", "site-unlinked"]);
    }

    [Fact]
    public async Task Link_ASiteAnotherAccountOwns_Is409NamingIt_AndMoveTakesIt()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var owner = (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Owner", tier = "Standard", region = "eu-west" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var other = (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Other", tier = "Standard", region = "eu-west" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await (await Client.PostAsJsonAsync($"/api/accounts/{owner}/sites", new { site })).ShouldBeJsonAsync(HttpStatusCode.Created);

        var refused = await (await Client.PostAsJsonAsync($"/api/accounts/{other}/sites", new { site })).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        refused.Detail.ShouldStartWith($"site {site} belongs to Owner ({owner}) already");
        refused.Detail.ShouldContain("\"move\": true");
        await (await Client.PostAsJsonAsync($"/api/accounts/{other}/sites", new { site, move = true })).ShouldBeJsonAsync(HttpStatusCode.Created);
        (await Client.GetJsonAsync($"/api/accounts/{other}"))["sites"]!.AsArray().Single()!["site"].Str("id").ShouldBe(site);
    }

    [Fact]
    public async Task BadInput_Is400Or404_SayingWhatToDo_AndChangesNothing()
    {
        var before = (await Client.GetJsonAsync("/api/accounts?limit=1000")).AsArray().Count;
        var account = (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Real", tier = "Standard", region = "eu-west" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Gold", tier = "gold", region = "eu-west" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe("'gold' is not a support tier; use one of: Standard, Premium, Enterprise.");
        (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "", tier = "Standard", region = "eu-west" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe("an account needs a name of 1 to 200 characters: give the customer's name.");
        (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Moon", tier = "Standard", region = "moon-1" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldStartWith("unknown region 'moon-1'");
        (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Odd", tier = "Standard", region = "eu-west", contacts = new[] { new { role = "boss", name = "X", email = "x@example.com" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("'boss' is not a contact role; use one of: Admin, Billing, Technical.");
        (await (await Client.PostAsJsonAsync($"/api/accounts/{account}/sites", new { site = "ain_01jd8x2k9q4m7t6v5w3y1z0a8b" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe("'ain_01jd8x2k9q4m7t6v5w3y1z0a8b' is an app installation ID (ain_…), but a site ID (site_…) is expected here.");
        (await (await Client.GetAsync("/api/accounts/site_01jd8x2k9q4m7t6v5w3y1z0a8b")).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .Detail.ShouldBe("'site_01jd8x2k9q4m7t6v5w3y1z0a8b' is a site ID (site_…), but a customer account ID (acct_…) is expected here.");
        (await (await Client.GetAsync("/api/accounts/acct_01jd8x2k9q4m7t6v5w3y1z0a8b")).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldStartWith("customer account acct_01jd8x2k9q4m7t6v5w3y1z0a8b does not exist");
        await (await Client.GetAsync("/api/accounts?limit=0")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        (await Client.GetJsonAsync("/api/accounts?limit=1000")).AsArray().Count.ShouldBe(before + 1, "only the one good account was made");
        (await Client.GetJsonAsync($"/api/accounts/{account}"))["sites"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task WithoutThePermission_ReadingAndChangingAre403()
    {
        var account = (await (await Client.PostAsJsonAsync("/api/accounts", new { name = "Guarded", tier = "Standard", region = "eu-west" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var site = (await fixture.NewSiteAsync()).Str("id");
        using var viewer = await fixture.ClientForAsync(Roles.Viewer);
        using var communications = await fixture.ClientForAsync(Roles.Communications);

        (await (await viewer.GetAsync($"/api/accounts/{account}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldContain(Permissions.ContactsRead);
        await (await communications.GetAsync($"/api/accounts/{account}")).ShouldBeJsonAsync();
        (await (await communications.PostAsJsonAsync($"/api/accounts/{account}/sites", new { site })).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain(Permissions.SitesWrite);
        (await Client.GetJsonAsync($"/api/accounts/{account}"))["sites"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task TheOpenApiDocument_ListsTheAccountEndpoints()
    {
        var paths = (await Client.GetJsonAsync("/openapi/v1.json"))["paths"]!.AsObject().Select(p => p.Key).ToList();

        paths.ShouldContain("/api/accounts");
        paths.ShouldContain("/api/accounts/{account}");
        paths.ShouldContain("/api/accounts/{account}/sites");
        paths.ShouldContain("/api/accounts/{account}/sites/{site}");
        paths.ShouldContain("/api/accounts/{account}/contacts");
    }
}
