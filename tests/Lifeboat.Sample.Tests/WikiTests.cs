using System.Text;
using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;

namespace Lifeboat.Sample.Tests;

public sealed class WikiTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    private Wiki Wiki => new(Platform);

    [Fact]
    public async Task Pages_InATree_AreListedAsTheChildrenOfTheirParent()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var home = await Wiki.CreatePageAsync(site.Id, site.Ann.Id, "Home", "# Home");
        var runbooks = await Wiki.CreatePageAsync(site.Id, site.Ann.Id, "Runbooks", "# Runbooks");
        var restore = await Wiki.CreatePageAsync(site.Id, site.Bob.Id, "Restore a site", "1. Find the point\n2. Restore", runbooks.Id);
        var deploy = await Wiki.CreatePageAsync(site.Id, site.Bob.Id, "Deploy", "…", runbooks.Id);

        (await Wiki.ChildrenAsync(site.Id, null)).Select(p => p.Id).ShouldBe([home.Id, runbooks.Id]);
        (await Wiki.ChildrenAsync(site.Id, runbooks.Id)).Select(p => p.Id).ShouldBe([deploy.Id, restore.Id]);
        (await Wiki.ChildrenAsync(site.Id, home.Id)).ShouldBeEmpty();
        restore.Parent.ShouldBe(runbooks.Id);
    }

    [Fact]
    public async Task EditPage_MakesANewVersion_AndTheStoreKeepsEveryOne()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var page = await Wiki.CreatePageAsync(site.Id, site.Ann.Id, "Onboarding", "Welcome!");

        var edited = await Wiki.EditPageAsync(site.Id, page.Id, site.Bob.Id, "Welcome! Start with the runbooks.");
        var unchanged = await Wiki.EditPageAsync(site.Id, page.Id, site.Bob.Id, "Welcome! Start with the runbooks.");

        (edited.Version, edited.Author, edited.LastEditedBy).ShouldBe((2, site.Ann.Id, site.Bob.Id));
        unchanged.Version.ShouldBe(2);
        var history = await Platform.Store.Records.HistoryAsync(site.Id.Tenant, "wiki.pages", page.Id.Value);
        history.Select(v => v.Document!.Value.GetProperty("body").GetString()).ShouldBe(["Welcome!", "Welcome! Start with the runbooks."]);
    }

    [Fact]
    public async Task Attach_ToAPage_ReadsBackTheSameBytes()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var page = await Wiki.CreatePageAsync(site.Id, site.Ann.Id, "Architecture", "See the diagram.");
        var bytes = Encoding.UTF8.GetBytes("component,owner\napi,platform team\n");

        var attachment = await Wiki.AttachAsync(site.Id, page.Id, site.Ann.Id, "owners.csv", "text/csv", new MemoryStream(bytes));

        (await Wiki.AttachmentsAsync(site.Id, page.Id)).Single().ShouldBe(attachment);
        (await Wiki.ReadAttachmentAsync(site.Id, attachment.Id)).ShouldBe(bytes);
    }

    [Fact]
    public async Task CreatePage_UnderAPageThatDoesNotExist_IsNotFound()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var missing = TypedId.New<PageId>(fixture.Clock);

        var e = await Should.ThrowAsync<PlatformException>(() => Wiki.CreatePageAsync(site.Id, site.Ann.Id, "Orphan", "", missing));

        e.Kind.ShouldBe(PlatformErrorKind.NotFound);
        e.Message.ShouldBe($"wiki page {missing} does not exist on site {site.Id}.");
    }

    [Fact]
    public async Task Writes_WhenTheWikiIsNotActive_AreRefusedNamingTheSiteAndProduct_TheTrackerIsNotAffected()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var page = await Wiki.CreatePageAsync(site.Id, site.Ann.Id, "Home", "# Home");
        await Platform.Provisioning.SuspendAsync(site.Id, SampleProducts.WikiProduct);

        var e = await Should.ThrowAsync<ProductNotActiveException>(() => Wiki.EditPageAsync(site.Id, page.Id, site.Bob.Id, "# Home v2"));
        await Should.ThrowAsync<ProductNotActiveException>(() => Wiki.CreatePageAsync(site.Id, site.Ann.Id, "News", ""));

        (e.Site, e.Product, e.State).ShouldBe((site.Id, SampleProducts.WikiProduct, (ProductState?)ProductState.Suspended));
        e.Message.ShouldStartWith($"product prd_wiki is suspended on site {site.Id}");
        (await Wiki.GetPageAsync(site.Id, page.Id))!.Body.ShouldBe("# Home");
        (await new Tracker(Platform).CreateIssueAsync(site.Id, site.Ann.Id, "Wiki is read-only", "")).Status.ShouldBe(IssueStatus.Open);
    }

    [Fact]
    public void PageId_GivenAnIssueId_IsRefusedSayingWhatAPageIdLooksLike()
    {
        var e = Should.Throw<WrongIdException>(() => PageId.Parse("iss_01jd8x2k9q4m7t6v5w3y1z0a8b"));

        e.Message.ShouldBe("'iss_01jd8x2k9q4m7t6v5w3y1z0a8b' is not a wiki page ID (pg_…): wiki page IDs look like pg_01jd8x2k9q4m7t6v5w3y1z0a8b.");
    }
}
