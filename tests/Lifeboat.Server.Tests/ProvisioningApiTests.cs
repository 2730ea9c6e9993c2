using System.Net;
using System.Net.Http.Json;

namespace Lifeboat.Server.Tests;

public sealed class ProvisioningApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task GrantLicence_NegativeSeats_Is400AndNothingIsGranted()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        var response = await Client.PostAsJsonAsync($"/api/sites/{site}/licences", new { product = ServerFixture.Tracker, seats = -1 });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("seats must be 0 or more, not -1.");
        (await Client.GetJsonAsync($"/api/sites/{site}/licences")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task UpdateLicence_NegativeSeats_Is400AndTheSeatsStay()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var licence = await (await Client.PostAsJsonAsync($"/api/sites/{site}/licences", new { product = ServerFixture.Tracker, seats = 3 }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        var response = await Client.PatchAsJsonAsync($"/api/licences/{licence.Str("id")}", new { seats = -5 });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("seats must be 0 or more, not -5.");
        (await Client.GetJsonAsync($"/api/sites/{site}/licences"))[0]!["seats"]!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public async Task UpdateLicence_SeatsAndActive_AreChanged()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var licence = await (await Client.PostAsJsonAsync($"/api/sites/{site}/licences", new { product = ServerFixture.Wiki, seats = 3 }))
            .ShouldBeJsonAsync(HttpStatusCode.Created);

        var updated = await (await Client.PatchAsJsonAsync($"/api/licences/{licence.Str("id")}", new { seats = 10, active = false })).ShouldBeJsonAsync();

        updated["seats"]!.GetValue<int>().ShouldBe(10);
        updated["active"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task GrantLicence_ASiteIdAsTheProduct_Is400NamingBothKinds()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        var response = await Client.PostAsJsonAsync($"/api/sites/{site}/licences", new { product = site, seats = 1 });

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe($"'{site}' is a site ID (site_…), but a product ID (prd_…) is expected here.");
        (await Client.GetJsonAsync($"/api/sites/{site}/licences")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task ActivateProduct_WithoutALicence_Is409AndNothingIsProvisioned()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");

        var response = await Client.PostAsync($"/api/sites/{site}/products/{ServerFixture.Tracker}/activate", null);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldStartWith($"site {site} has no active licence for product {ServerFixture.Tracker}");
        (await Client.GetJsonAsync($"/api/sites/{site}/products")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task DeactivateProduct_Twice_Is200BothTimes()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        await Client.PostAsJsonAsync($"/api/sites/{site}/licences", new { product = ServerFixture.Tracker, seats = 1 });
        (await Client.PostAsync($"/api/sites/{site}/products/{ServerFixture.Tracker}/activate", null)).EnsureSuccessStatusCode();

        var first = await (await Client.PostAsync($"/api/sites/{site}/products/{ServerFixture.Tracker}/deactivate", null)).ShouldBeJsonAsync();
        var second = await (await Client.PostAsync($"/api/sites/{site}/products/{ServerFixture.Tracker}/deactivate", null)).ShouldBeJsonAsync();

        first["changed"]!.GetValue<bool>().ShouldBeTrue();
        second["changed"]!.GetValue<bool>().ShouldBeFalse();
        (await Client.GetJsonAsync($"/api/sites/{site}/products"))[0].Str("state").ShouldBe("Deactivated");
    }

    [Fact]
    public async Task Reconcile_ProvisionsWhatTheLicencesGrant_Once()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        await Client.PostAsJsonAsync($"/api/sites/{site}/licences", new { product = ServerFixture.Wiki, seats = 2 });

        var changes = await (await Client.PostAsync($"/api/sites/{site}/products/reconcile", null)).ShouldBeJsonAsync();
        var again = await (await Client.PostAsync($"/api/sites/{site}/products/reconcile", null)).ShouldBeJsonAsync();

        changes.AsArray().Select(c => (c.Str("product"), c.Str("to"))).ShouldBe([(ServerFixture.Wiki, "Active")]);
        again.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task UninstallApp_ASiteId_Is400NamingBothKinds_AndNothingHappens()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var installation = await (await Client.PostAsJsonAsync($"/api/sites/{site}/apps", new { app = ServerFixture.LegacyApp })).ShouldBeJsonAsync(HttpStatusCode.Created);

        var response = await Client.DeleteAsync($"/api/app-installations/{site}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe($"'{site}' is a site ID (site_…), but an app installation ID (ain_…) is expected here.");
        (await Client.GetJsonAsync($"/api/sites/{site}/apps")).Ids().ShouldBe([installation.Str("id")]);
        (await Client.GetJsonAsync($"/api/sites/{site}")).Str("state").ShouldBe("Active");
    }

    [Fact]
    public async Task InstallApp_ThenResolveAndUninstall_ByInstallationId()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        var response = await Client.PostAsJsonAsync($"/api/sites/{site}/apps", new { app = ServerFixture.LegacyApp });
        var installation = (await response.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        response.Headers.Location!.ToString().ShouldBe($"/api/app-installations/{installation}");

        var found = await Client.GetJsonAsync($"/api/app-installations/{installation}");
        found.Str("site").ShouldBe(site);
        found["installation"].Str("app").ShouldBe(ServerFixture.LegacyApp);

        (await (await Client.DeleteAsync($"/api/app-installations/{installation}")).ShouldBeJsonAsync())["changed"]!.GetValue<bool>().ShouldBeTrue();
        (await (await Client.DeleteAsync($"/api/app-installations/{installation}")).ShouldBeJsonAsync())["changed"]!.GetValue<bool>().ShouldBeFalse();
        (await Client.GetJsonAsync($"/api/app-installations/{installation}"))["installation"].ShouldBeNull();
        (await Client.GetJsonAsync($"/api/sites/{site}/apps")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task InstallApp_OnADeletedSite_Is409NamingTheState()
    {
        var site = (await fixture.NewSiteAsync()).Str("id");
        await Client.DeleteAsync($"/api/sites/{site}?reason=test");

        var response = await Client.PostAsJsonAsync($"/api/sites/{site}/apps", new { app = ServerFixture.LegacyApp });

        (await response.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain("Deleted");
    }
}
