namespace Lifeboat.Platform.Tests;

public sealed class IdentityAndFlagTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task UsersGroupsMembershipsPermissions_AreKeptPerSite()
    {
        var site = await fixture.NewSiteAsync();
        var ann = await Platform.Identity.AddUserAsync(site.Id, "Ann@Example.com", "Ann");
        var admins = await Platform.Identity.AddGroupAsync(site.Id, "admins");
        await Platform.Identity.AddMemberAsync(admins.Id, ann.Id);
        await Platform.Identity.AddMemberAsync(admins.Id, ann.Id);
        await Platform.Identity.GrantAsync(site.Id, admins.Id.Value, "tracker.admin");

        (await Platform.Identity.UsersAsync(site.Id)).Single().Email.ShouldBe("ann@example.com");
        (await Platform.Identity.MembersAsync(admins.Id)).ShouldBe([ann.Id]);
        (await Platform.Identity.PermissionsAsync(site.Id)).ShouldBe([new Identity.Permission(admins.Id.Value, "tracker.admin")]);
        (await Platform.Identity.SignInAsync(site.Id, "ann@example.com")).Id.ShouldBe(ann.Id);
    }

    [Fact]
    public async Task AddUser_WithAnEmailTheSiteHasOrNoEmail_IsRefused()
    {
        var site = await fixture.NewSiteAsync();
        await Platform.Identity.AddUserAsync(site.Id, "bob@example.com", "Bob");

        (await Should.ThrowAsync<PlatformException>(() => Platform.Identity.AddUserAsync(site.Id, "bob@example.com", "Bob 2"))).Kind.ShouldBe(PlatformErrorKind.Conflict);
        (await Should.ThrowAsync<PlatformException>(() => Platform.Identity.AddUserAsync(site.Id, "not-an-email", "Bob 3"))).Message.ShouldBe("'not-an-email' is not an email address.");
    }

    [Fact]
    public async Task Membership_AcrossSites_IsRefused()
    {
        var one = await fixture.NewSiteAsync();
        var other = await fixture.NewSiteAsync();
        var group = await Platform.Identity.AddGroupAsync(one.Id, "devs");
        var stranger = await Platform.Identity.AddUserAsync(other.Id, "eve@example.com", "Eve");

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Identity.AddMemberAsync(group.Id, stranger.Id));

        e.Message.ShouldContain("members must be of the group's site");
    }

    [Fact]
    public async Task Grant_ToSomethingThatIsNotAUserOrGroup_IsRefusedNamingItsKind()
    {
        var site = await fixture.NewSiteAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Identity.GrantAsync(site.Id, site.Id.Value, "wiki.edit"));

        e.Message.ShouldBe($"'{site.Id}' is a site ID (site_…); permissions are granted to a user (usr_…) or a group (grp_…).");
    }

    [Fact]
    public async Task SignIn_ToADisabledUser_IsRefused()
    {
        var site = await fixture.NewSiteAsync();
        var user = await Platform.Identity.AddUserAsync(site.Id, "carl@example.com", "Carl");
        await Platform.Identity.SetUserActiveAsync(user.Id, false);

        (await Should.ThrowAsync<PlatformException>(() => Platform.Identity.SignInAsync(site.Id, "carl@example.com"))).Kind.ShouldBe(PlatformErrorKind.NotFound);
    }

    [Fact]
    public async Task Flags_AreSetAndListed_BadKeysRefused()
    {
        var site = await fixture.NewSiteAsync();
        await Platform.Flags.SetAsync(site.Id, "new-editor", true);
        await Platform.Flags.SetAsync(site.Id, "dark.mode", false);
        await Platform.Flags.SetAsync(site.Id, "new-editor", false);

        (await Platform.Flags.ListAsync(site.Id)).Select(f => (f.Key, f.Enabled)).ShouldBe([("dark.mode", false), ("new-editor", false)]);
        (await Should.ThrowAsync<PlatformException>(() => Platform.Flags.SetAsync(site.Id, "Bad Key", true))).Message.ShouldContain("is not a flag key");
    }
}
