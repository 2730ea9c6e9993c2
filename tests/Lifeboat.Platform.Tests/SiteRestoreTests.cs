using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

public sealed class SiteRestoreTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task ADeletedSite_KeepsItsContactsReachable_AndARestoreBringsEveryStoreBackWithTheSameIds()
    {
        var site = await fixture.NewSiteAsync();
        await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Tracker, 10);
        await Platform.Provisioning.ReconcileAsync(site.Id);
        var installation = await Platform.Apps.InstallAsync(site.Id, PlatformFixture.LegacyApp);
        var ann = await Platform.Identity.AddUserAsync(site.Id, "ann@example.com", "Ann");
        var admins = await Platform.Identity.AddGroupAsync(site.Id, "admins");
        await Platform.Identity.AddMemberAsync(admins.Id, ann.Id);
        await Platform.Identity.GrantAsync(site.Id, admins.Id.Value, "tracker.admin");
        await Platform.Flags.SetAsync(site.Id, "new-editor", true);
        var issues = new CollectionDefinition("tracker.issues", "status");
        await Platform.Store.Records.PutAsync(site.Id.Tenant, issues, "iss-1", new { title = "Login fails", status = "open" });
        await Platform.Contacts.AddAsync(site.Id, ContactRole.Admin, "Ann", "ann@example.com", null);
        var before = await Platform.Sites.DescribeAsync(site.Id);
        var beforeDelete = (await Platform.Store.Tenants.GetAsync(site.Id.Tenant)).StatePosition;
        var lastWrite = (await Platform.Store.Records.SnapshotAsync(site.Id.Tenant)).Max(r => r.Position);

        await Platform.Sites.DeleteAsync(site.Id, "a script meant to remove an app");

        (await Platform.Contacts.OfSiteAsync(site.Id)).Single().Email.ShouldBe("ann@example.com");
        (await Should.ThrowAsync<TenantStateException>(() => Platform.Identity.UsersAsync(site.Id))).State.ShouldBe(TenantState.Deleted);

        await Platform.Store.Restores.RestoreAsync(site.Id.Tenant, RecoveryPoint.AtPosition(Math.Max(beforeDelete, lastWrite)));

        (await Platform.Sites.GetAsync(site.Id)).State.ShouldBe(TenantState.Active);
        var after = await Platform.Sites.DescribeAsync(site.Id);
        after.Products.ShouldBe(before.Products);
        after.Licences.ShouldBe(before.Licences);
        after.Apps.Single().Id.ShouldBe(installation.Id);
        (await Platform.Identity.UsersAsync(site.Id)).Single().Id.ShouldBe(ann.Id);
        (await Platform.Identity.MembersAsync(admins.Id)).ShouldBe([ann.Id]);
        (await Platform.Identity.PermissionsAsync(site.Id)).Single().Name.ShouldBe("tracker.admin");
        (await Platform.Flags.ListAsync(site.Id)).Single().ShouldBe(new FeatureFlag("new-editor", true));
        (await Platform.Store.Records.GetAsync(site.Id.Tenant, "tracker.issues", "iss-1"))!.Document!.Value.GetProperty("title").GetString().ShouldBe("Login fails");
        (await Platform.Identity.SignInAsync(site.Id, "ann@example.com")).Id.ShouldBe(ann.Id);
    }
}
