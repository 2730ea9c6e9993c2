using System.Net;
using System.Net.Http.Json;

namespace Lifeboat.Server.Tests;

public sealed class ContactAndIdentityApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task ListContacts_OfADeletedSite_StillListsThem()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        await AddContactAsync(site, "Admin", "Dana", email: "dana@example.com");
        await AddContactAsync(site, "Billing", "Finance desk", phone: "+44 20 7946 0000");
        (await Client.DeleteAsync($"/api/sites/{site}?reason=customer%20left")).EnsureSuccessStatusCode();

        var contacts = await Client.GetJsonAsync($"/api/sites/{site}/contacts");

        contacts.AsArray().Select(c => c.Str("name")).Order().ShouldBe(["Dana", "Finance desk"]);
    }

    [Fact]
    public async Task ExportContactsCsv_HasAHeaderAndOneLinePerContact_AndNoCellASpreadsheetWouldRun()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        await AddContactAsync(site, "Technical", "Ops, \"night\" shift", email: "ops@example.com");
        await AddContactAsync(site, "Billing", "=HYPERLINK(\"http://evil.example\",\"pay\")", phone: "+44 20 7946 0000");
        var total = (await Client.GetJsonAsync("/api/contacts/export")).AsArray().Count;

        var response = await Client.GetAsync("/api/contacts/export.csv");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("contact,site,role,name,email,phone");
        lines.Length.ShouldBe(1 + total);
        lines.ShouldContain(l => l.Contains($"{site},Technical,\"Ops, \"\"night\"\" shift\",ops@example.com,", StringComparison.Ordinal));
        // The formula is kept, as text: the apostrophe makes a spreadsheet show it instead of running it.
        lines.ShouldContain(l => l.EndsWith($"{site},Billing,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"pay\"\")\",,+44 20 7946 0000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpdateContact_KeepsItsHistory_AndRemoveIsSoft()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var contact = (await AddContactAsync(site, "Admin", "Dana", email: "dana@example.com")).Str("id");

        var updated = await (await Client.PatchAsJsonAsync($"/api/contacts/{contact}", new { phone = "+1 555 0100" })).ShouldBeJsonAsync();
        (await (await Client.DeleteAsync($"/api/contacts/{contact}")).ShouldBeJsonAsync())["changed"]!.GetValue<bool>().ShouldBeTrue();

        updated.Str("email").ShouldBe("dana@example.com");
        var history = await Client.GetJsonAsync($"/api/contacts/{contact}/history");
        history.AsArray().Select(v => v!["removed"]!.GetValue<bool>()).ShouldBe([false, false, true]);
        history[1]!["contact"].Str("phone").ShouldBe("+1 555 0100");
        await (await Client.GetAsync($"/api/contacts/{contact}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AddContact_WithNoWayToReachThem_Is400()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        var response = await Client.PostAsJsonAsync($"/api/sites/{site}/contacts", new { role = "Admin", name = "Dana" });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("contact 'Dana' has no way to reach them: give an email address or a phone number.");
    }

    [Fact]
    public async Task Identity_UsersGroupsMembersPermissions_AndSignIn()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var user = (await (await Client.PostAsJsonAsync($"/api/sites/{site}/users", new { email = "Kim@Example.com", name = "Kim" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        var group = (await (await Client.PostAsJsonAsync($"/api/sites/{site}/groups", new { name = "Admins" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        (await Client.PostAsJsonAsync($"/api/groups/{group}/members", new { user })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Client.PostAsJsonAsync($"/api/sites/{site}/permissions", new { subject = group, permission = "tracker.admin" })).EnsureSuccessStatusCode();

        (await Client.GetJsonAsync($"/api/groups/{group}/members")).AsArray().Select(m => m!.GetValue<string>()).ShouldBe([user]);
        (await Client.GetJsonAsync($"/api/sites/{site}/permissions")).AsArray().Select(p => (p.Str("subject"), p.Str("name"))).ShouldBe([(group, "tracker.admin")]);
        (await (await Client.PostAsJsonAsync($"/api/sites/{site}/sign-in", new { email = "kim@example.com" })).ShouldBeJsonAsync()).Str("id").ShouldBe(user);

        (await Client.PostAsync($"/api/users/{user}/deactivate", null)).EnsureSuccessStatusCode();
        (await (await Client.PostAsJsonAsync($"/api/sites/{site}/sign-in", new { email = "kim@example.com" })).ShouldBeProblemAsync(HttpStatusCode.NotFound))
            .Detail.ShouldBe($"site {site} has no active user with email kim@example.com.");

        (await Client.DeleteAsync($"/api/groups/{group}/members/{user}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Client.DeleteAsync($"/api/sites/{site}/permissions/{group}/tracker.admin")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Client.GetJsonAsync($"/api/groups/{group}/members")).AsArray().ShouldBeEmpty();
        (await Client.GetJsonAsync($"/api/sites/{site}/permissions")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task AddMember_AGroupIdAsTheUser_Is400NamingBothKinds()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var group = (await (await Client.PostAsJsonAsync($"/api/sites/{site}/groups", new { name = "Admins" })).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        var response = await Client.PostAsJsonAsync($"/api/groups/{group}/members", new { user = group });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe($"'{group}' is a group ID (grp_…), but a user ID (usr_…) is expected here.");
        (await Client.GetJsonAsync($"/api/groups/{group}/members")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task SetFlag_IsListed()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        (await Client.PutAsJsonAsync($"/api/sites/{site}/flags/new-editor", new { enabled = true })).EnsureSuccessStatusCode();

        (await Client.GetJsonAsync($"/api/sites/{site}/flags")).AsArray().Select(f => (f.Str("key"), f!["enabled"]!.GetValue<bool>())).ShouldBe([("new-editor", true)]);
    }

    private async Task<System.Text.Json.Nodes.JsonNode> AddContactAsync(string site, string role, string name, string? email = null, string? phone = null) =>
        await (await Client.PostAsJsonAsync($"/api/sites/{site}/contacts", new { role, name, email, phone })).ShouldBeJsonAsync(HttpStatusCode.Created);
}
