using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

public sealed class SiteTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task Create_ListsTheSite_InItsRegion_AndAnnouncesIt()
    {
        var site = await Platform.Sites.CreateAsync("Acme " + Guid.NewGuid().ToString("n")[..6], "ap-southeast", isInternal: true);

        var entry = await Platform.Sites.GetAsync(site.Id);
        entry.State.ShouldBe(TenantState.Active);
        entry.Internal.ShouldBeTrue();
        (await Platform.Sites.ListAsync(region: "ap-southeast")).Select(s => s.Id).ShouldContain(site.Id);
        (await Platform.Sites.ListAsync(region: "us-east")).Select(s => s.Id).ShouldNotContain(site.Id);
        (await Platform.Events.OfSiteAsync(site.Id)).Select(e => e.Type).ShouldBe(["site.created"]);
    }

    [Fact]
    public async Task Create_ADuplicateNameInOneRegion_IsRefused_ButAnotherRegionMayUseIt()
    {
        var name = "Globex " + Guid.NewGuid().ToString("n")[..6];
        var first = await Platform.Sites.CreateAsync(name, "eu-west");

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Sites.CreateAsync(name.ToUpperInvariant(), "eu-west"));

        e.Kind.ShouldBe(PlatformErrorKind.Conflict);
        e.Message.ShouldContain($"a site named '{name}' already exists in eu-west ({first.Id}, Active)");
        (await Platform.Sites.CreateAsync(name, "us-east")).Region.ShouldBe("us-east");
    }

    [Fact]
    public async Task Create_InAnUnknownRegion_IsRefusedListingTheRegions()
    {
        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Sites.CreateAsync("Initech", "mars-north"));

        e.Message.ShouldBe("unknown region 'mars-north'; sites can live in: us-east, eu-west, ap-southeast.");
    }

    [Fact]
    public async Task Delete_IsSoft_AnnouncedOnce_AndKeepsTheNameReserved()
    {
        var site = await fixture.NewSiteAsync();

        (await Platform.Sites.DeleteAsync(site.Id, "customer asked")).ShouldBeTrue();
        (await Platform.Sites.DeleteAsync(site.Id, "again")).ShouldBeFalse("destroying a destroyed site changes nothing");

        (await Platform.Sites.GetAsync(site.Id)).State.ShouldBe(TenantState.Deleted);
        (await Platform.Events.OfSiteAsync(site.Id)).Select(e => e.Type).ShouldBe(["site.created", "site.deleted"]);
        (await Should.ThrowAsync<PlatformException>(() => Platform.Sites.CreateAsync(site.Name, site.Region)))
            .Message.ShouldContain("its name stays reserved while it can be restored");
        (await Platform.Sites.DescribeAsync(site.Id)).Products.ShouldBeEmpty();
    }

    [Fact]
    public async Task Delete_AnUnknownSite_FailsAsNotFound()
    {
        var ghost = SiteId.Parse("site_01jd8x2k9q4m7t6v5w3y1z0a8b");

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Sites.DeleteAsync(ghost, "x"));

        e.Kind.ShouldBe(PlatformErrorKind.NotFound);
        e.Message.ShouldBe("site site_01jd8x2k9q4m7t6v5w3y1z0a8b does not exist in this environment.");
    }

    [Fact]
    public async Task List_FiltersByStateAndInternal_AndPages()
    {
        var region = "us-east";
        var a = await fixture.NewSiteAsync(region);
        var b = await fixture.NewSiteAsync(region, isInternal: true);
        await Platform.Sites.DeleteAsync(a.Id, "test");

        (await Platform.Sites.ListAsync(region, TenantState.Deleted)).Select(s => s.Id).ShouldContain(a.Id);
        (await Platform.Sites.ListAsync(region, TenantState.Deleted)).Select(s => s.Id).ShouldNotContain(b.Id);
        (await Platform.Sites.ListAsync(region, isInternal: true)).Select(s => s.Id).ShouldContain(b.Id);
        var page = await Platform.Sites.ListAsync(region, limit: 1);
        page.Count.ShouldBe(1);
        (await Platform.Sites.ListAsync(region, after: page[0].Id)).ShouldAllBe(s => string.CompareOrdinal(s.Id.Value, page[0].Id.Value) > 0);
    }
}
