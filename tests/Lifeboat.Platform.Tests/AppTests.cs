namespace Lifeboat.Platform.Tests;

public sealed class AppTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task InstallThenUninstall_IsSoft_AnnouncedOnce()
    {
        var site = await fixture.NewSiteAsync();
        var installation = await Platform.Apps.InstallAsync(site.Id, PlatformFixture.LegacyApp);

        (await Platform.Apps.UninstallAsync(installation.Id)).ShouldBeTrue();
        (await Platform.Apps.UninstallAsync(installation.Id)).ShouldBeFalse();

        (await Platform.Apps.InstalledAsync(site.Id)).ShouldBeEmpty();
        (await Platform.Events.OfSiteAsync(site.Id)).Select(e => (e.Type, e.Subject)).ShouldBe(
            [("site.created", null), ("app.installed", installation.Id.Value), ("app.uninstalled", installation.Id.Value)]);
        var history = await Platform.Store.Records.HistoryAsync(site.Id.Tenant, "site.apps", installation.Id.Value);
        history.Select(v => v.Deleted).ShouldBe([false, true], "the installation is kept as a tombstone");
    }

    [Fact]
    public void Uninstall_GivenASiteId_IsRefusedBeforeAnythingHappens()
    {
        // The April 2022 mistake: a site ID where an app installation ID belongs.
        var e = Should.Throw<WrongIdException>(() => AppInstallationId.Parse("site_01jd8x2k9q4m7t6v5w3y1z0a8b"));

        e.Message.ShouldContain("is a site ID (site_…), but an app installation ID (ain_…) is expected");
    }

    [Fact]
    public async Task Uninstall_AnInstallationThisEnvironmentNeverIssued_FailsAsNotFound()
    {
        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Apps.UninstallAsync(AppInstallationId.Parse("ain_01jd8x2k9q4m7t6v5w3y1z0a8b")));

        e.Kind.ShouldBe(PlatformErrorKind.NotFound);
        e.Message.ShouldBe("app installation ain_01jd8x2k9q4m7t6v5w3y1z0a8b does not exist in this environment.");
    }

    [Fact]
    public async Task Find_ResolvesAnInstallationToItsSite()
    {
        var site = await fixture.NewSiteAsync();
        var installation = await Platform.Apps.InstallAsync(site.Id, PlatformFixture.LegacyApp);

        var (owner, found) = await Platform.Apps.FindAsync(installation.Id);

        owner.ShouldBe(site.Id);
        found!.App.ShouldBe(PlatformFixture.LegacyApp);
    }
}
