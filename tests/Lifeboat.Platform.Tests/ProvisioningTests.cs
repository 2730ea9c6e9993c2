using Lifeboat.Platform.Catalog;

namespace Lifeboat.Platform.Tests;

public sealed class ProvisioningTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task Activate_WithoutALicence_IsRefusedSayingWhatToDo()
    {
        var site = await fixture.NewSiteAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Provisioning.ActivateAsync(site.Id, PlatformFixture.Tracker));

        e.Kind.ShouldBe(PlatformErrorKind.Conflict);
        e.Message.ShouldContain($"site {site.Id} has no active licence for product prd_tracker; grant one first");
        (await Platform.Provisioning.ProductsOfAsync(site.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ProductLifecycle_EveryEventAnnouncedOnce_RepeatsAreNoOps()
    {
        var site = await fixture.NewSiteAsync();
        await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Tracker, 25);

        (await Platform.Provisioning.ActivateAsync(site.Id, PlatformFixture.Tracker)).ShouldBeTrue();
        (await Platform.Provisioning.ActivateAsync(site.Id, PlatformFixture.Tracker)).ShouldBeFalse();
        (await Platform.Provisioning.SuspendAsync(site.Id, PlatformFixture.Tracker)).ShouldBeTrue();
        (await Platform.Provisioning.SuspendAsync(site.Id, PlatformFixture.Tracker)).ShouldBeFalse();
        (await Should.ThrowAsync<PlatformException>(() => Platform.Provisioning.ActivateAsync(site.Id, PlatformFixture.Tracker))).Message.ShouldContain("unsuspend it instead");
        (await Platform.Provisioning.UnsuspendAsync(site.Id, PlatformFixture.Tracker)).ShouldBeTrue();
        (await Platform.Provisioning.DeactivateAsync(site.Id, PlatformFixture.Tracker)).ShouldBeTrue();
        (await Platform.Provisioning.DeactivateAsync(site.Id, PlatformFixture.Tracker)).ShouldBeFalse("deactivating twice is not an error");

        (await Platform.Events.OfSiteAsync(site.Id)).Select(e => e.Type).ShouldBe(
            ["site.created", "licence.granted", "product.activated", "product.suspended", "product.unsuspended", "product.deactivated"]);
        (await Platform.Provisioning.ProductsOfAsync(site.Id)).Single().State.ShouldBe(ProductState.Deactivated);
    }

    [Fact]
    public async Task Licence_NegativeSeats_IsRefused_AndNothingChanges()
    {
        var site = await fixture.NewSiteAsync();
        var licence = await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Wiki, 10);

        (await Should.ThrowAsync<PlatformException>(() => Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Wiki, -1))).Message.ShouldBe("seats must be 0 or more, not -1.");
        (await Should.ThrowAsync<PlatformException>(() => Platform.Provisioning.UpdateLicenceAsync(licence.Id, -5, null))).Kind.ShouldBe(PlatformErrorKind.Invalid);

        (await Platform.Provisioning.LicencesAsync(site.Id)).Single().Seats.ShouldBe(10);
    }

    [Fact]
    public async Task UpdateLicence_ChangesSeatsAndActive_AnnouncingTheChange()
    {
        var site = await fixture.NewSiteAsync();
        var licence = await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Wiki, 10);

        var updated = await Platform.Provisioning.UpdateLicenceAsync(licence.Id, 50, null);
        await Platform.Provisioning.UpdateLicenceAsync(licence.Id, 50, null);

        updated.Seats.ShouldBe(50);
        var events = (await Platform.Events.OfSiteAsync(site.Id)).Where(e => e.Type == "licence.updated").ToList();
        events.Count.ShouldBe(1, "an update that changes nothing announces nothing");
        events[0].Payload.GetProperty("previousSeats").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task Reconcile_ProvisionsWhatLicencesGrant_DeactivatesTheRest_AndIsIdempotent()
    {
        var site = await fixture.NewSiteAsync();
        var tracker = await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Tracker, 5);
        await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Wiki, 5);

        (await Platform.Provisioning.ReconcileAsync(site.Id)).Select(c => (c.Product, c.To)).ShouldBe(
            [(PlatformFixture.Tracker, ProductState.Active), (PlatformFixture.Wiki, ProductState.Active)]);
        (await Platform.Provisioning.ReconcileAsync(site.Id)).ShouldBeEmpty();

        await Platform.Provisioning.UpdateLicenceAsync(tracker.Id, null, active: false);
        (await Platform.Provisioning.ReconcileAsync(site.Id)).Select(c => (c.Product, c.From, c.To)).ShouldBe(
            [(PlatformFixture.Tracker, (ProductState?)ProductState.Active, ProductState.Deactivated)]);
        (await Platform.Provisioning.ReconcileAsync(site.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Activate_AProductNotInTheCatalog_FailsAsNotFound()
    {
        var site = await fixture.NewSiteAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Provisioning.ActivateAsync(site.Id, ProductId.Parse("prd_spreadsheets")));

        e.Kind.ShouldBe(PlatformErrorKind.NotFound);
        e.Message.ShouldBe("product prd_spreadsheets is not in the catalog; register it first.");
    }

    [Fact]
    public async Task ChangesToADeletedSite_AreRefusedNamingItsState()
    {
        var site = await fixture.NewSiteAsync();
        await Platform.Sites.DeleteAsync(site.Id, "gone");

        var e = await Should.ThrowAsync<Storage.TenantStateException>(() => Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Wiki, 3));

        e.Message.ShouldContain("is Deleted");
    }
}
