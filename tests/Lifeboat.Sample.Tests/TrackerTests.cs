using System.Security.Cryptography;
using System.Text;
using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;

namespace Lifeboat.Sample.Tests;

public sealed class TrackerTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    private Tracker Tracker => new(Platform);

    [Fact]
    public async Task Issues_CreatedAssignedAndClosed_AreListedByStatusAndAssignee()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var login = await Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Login fails on Safari", "Steps: …", ["bug", "Frontend"], assignee: site.Bob.Id);
        var export = await Tracker.CreateIssueAsync(site.Id, site.Bob.Id, "CSV export is slow", "");

        await Tracker.SetStatusAsync(site.Id, export.Id, IssueStatus.InProgress);
        await Tracker.AssignAsync(site.Id, export.Id, site.Ann.Id);
        var closed = await Tracker.CloseIssueAsync(site.Id, login.Id);

        closed.Status.ShouldBe(IssueStatus.Closed);
        closed.Labels.ShouldBe(["bug", "frontend"]);
        (await Tracker.ByStatusAsync(site.Id, IssueStatus.Open)).ShouldBeEmpty();
        (await Tracker.ByStatusAsync(site.Id, IssueStatus.InProgress)).Single().Id.ShouldBe(export.Id);
        (await Tracker.ByStatusAsync(site.Id, IssueStatus.Closed)).Single().Id.ShouldBe(login.Id);
        (await Tracker.ByAssigneeAsync(site.Id, site.Ann.Id)).Single().Title.ShouldBe("CSV export is slow");
        (await Tracker.ByAssigneeAsync(site.Id, site.Bob.Id)).Single().Id.ShouldBe(login.Id);
        var stored = await Platform.Store.Records.GetAsync(site.Id.Tenant, "tracker.issues", export.Id.Value);
        stored!.Document!.Value.GetProperty("status").GetString().ShouldBe("in-progress");
    }

    [Fact]
    public async Task UpdateIssue_ThatChangesNothing_WritesNoNewVersion()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var issue = await Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Search times out", "body", ["bug"]);

        await Tracker.UpdateIssueAsync(site.Id, issue.Id, title: "Search times out", labels: ["bug"]);
        var renamed = await Tracker.UpdateIssueAsync(site.Id, issue.Id, title: "Search times out for admins");

        renamed.Title.ShouldBe("Search times out for admins");
        (await Platform.Store.Records.HistoryAsync(site.Id.Tenant, "tracker.issues", issue.Id.Value)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Comment_IsListedUnderItsIssue_AndMovesTheIssuesUpdatedTime()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var issue = await Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Webhooks send duplicates", "");
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));

        var first = await Tracker.CommentAsync(site.Id, issue.Id, site.Bob.Id, "Reproduced on staging.");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await Tracker.CommentAsync(site.Id, issue.Id, site.Ann.Id, "Fixed in 2.4.1, please verify.");

        (await Tracker.CommentsAsync(site.Id, issue.Id)).Select(c => c.Id).ShouldBe([first.Id, second.Id]);
        (await Tracker.GetIssueAsync(site.Id, issue.Id))!.UpdatedAt.ShouldBe(second.CreatedAt);
    }

    [Fact]
    public async Task Attach_KeepsTheBytesInTheBlobStore_AndReadsThemBack()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var issue = await Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Invoice PDF renders blank", "");
        var bytes = Encoding.UTF8.GetBytes("2026-04-05T07:38:00Z ERROR render failed\n");

        var attachment = await Tracker.AttachAsync(site.Id, issue.Id, site.Bob.Id, "render.log", "text/plain", new MemoryStream(bytes));

        attachment.Size.ShouldBe(bytes.Length);
        (await Tracker.AttachmentsAsync(site.Id, issue.Id)).Single().ShouldBe(attachment);
        (await Tracker.ReadAttachmentAsync(site.Id, attachment.Id)).ShouldBe(bytes);
        var record = await Platform.Store.Records.GetAsync(site.Id.Tenant, "tracker.attachments", attachment.Id.Value);
        record!.Blob!.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task CreateIssue_ForAUserOfAnotherSite_IsRefused()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var other = await SampleSite.CreateAsync(fixture);

        var e = await Should.ThrowAsync<PlatformException>(() => Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Dashboard crashes", "", assignee: other.Bob.Id));

        e.Kind.ShouldBe(PlatformErrorKind.NotFound);
        e.Message.ShouldBe($"user {other.Bob.Id} is not a user of site {site.Id}.");
        (await Tracker.IssuesAsync(site.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateIssue_WhenTheTrackerIsNotProvisioned_IsRefusedNamingTheSiteAndProduct()
    {
        var site = await SampleSite.CreateAsync(fixture, activate: false);

        var e = await Should.ThrowAsync<ProductNotActiveException>(() => Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Login fails", ""));

        e.Kind.ShouldBe(PlatformErrorKind.Conflict);
        e.Message.ShouldBe($"product prd_tracker is not provisioned on site {site.Id}, so its data cannot be changed; grant the site a licence for it and reconcile the site.");
        (e.Site, e.Product, e.State).ShouldBe((site.Id, SampleProducts.TrackerProduct, (ProductState?)null));
        (await Tracker.IssuesAsync(site.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Writes_WhileTheTrackerIsSuspended_AreRefused_ReadsStillWork_AndUnsuspendingAllowsThemAgain()
    {
        var site = await SampleSite.CreateAsync(fixture);
        var issue = await Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Audit log loses entries", "");
        await Platform.Provisioning.SuspendAsync(site.Id, SampleProducts.TrackerProduct);

        var e = await Should.ThrowAsync<ProductNotActiveException>(() => Tracker.CommentAsync(site.Id, issue.Id, site.Bob.Id, "Any news?"));
        await Should.ThrowAsync<ProductNotActiveException>(() => Tracker.CloseIssueAsync(site.Id, issue.Id));
        await Should.ThrowAsync<ProductNotActiveException>(() => Tracker.AttachAsync(site.Id, issue.Id, site.Bob.Id, "a.txt", "text/plain", new MemoryStream([1])));

        e.Message.ShouldBe($"product prd_tracker is suspended on site {site.Id}: its data can be read but not changed until the product is unsuspended.");
        (await Tracker.GetIssueAsync(site.Id, issue.Id))!.Status.ShouldBe(IssueStatus.Open);
        (await Tracker.CommentsAsync(site.Id, issue.Id)).ShouldBeEmpty();

        await Platform.Provisioning.UnsuspendAsync(site.Id, SampleProducts.TrackerProduct);
        (await Tracker.CloseIssueAsync(site.Id, issue.Id)).Status.ShouldBe(IssueStatus.Closed);
    }

    [Fact]
    public async Task Writes_AfterTheTrackerIsDeactivated_AreRefused_TheWikiIsNotAffected()
    {
        var site = await SampleSite.CreateAsync(fixture);
        await Platform.Provisioning.DeactivateAsync(site.Id, SampleProducts.TrackerProduct);

        var e = await Should.ThrowAsync<ProductNotActiveException>(() => Tracker.CreateIssueAsync(site.Id, site.Ann.Id, "Login fails", ""));

        e.State.ShouldBe(ProductState.Deactivated);
        e.Message.ShouldContain($"product prd_tracker is deactivated on site {site.Id}");
        (await new Wiki(Platform).CreatePageAsync(site.Id, site.Ann.Id, "Home", "# Home")).Version.ShouldBe(1);
    }
}
