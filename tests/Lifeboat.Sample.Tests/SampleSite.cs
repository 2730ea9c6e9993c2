using Lifeboat.Platform;
using Lifeboat.Platform.Identity;

namespace Lifeboat.Sample.Tests;

/// <summary>A site of its own for one test: both products licensed and active, and two users.</summary>
internal sealed record SampleSite(SiteId Id, User Ann, User Bob)
{
    public static async Task<SampleSite> CreateAsync(PlatformFixture fixture, bool activate = true)
    {
        var platform = fixture.Platform;
        await SampleProducts.RegisterAsync(platform);
        var site = (await fixture.NewSiteAsync()).Id;
        if (activate)
        {
            await platform.Provisioning.GrantLicenceAsync(site, SampleProducts.TrackerProduct, 10);
            await platform.Provisioning.GrantLicenceAsync(site, SampleProducts.WikiProduct, 10);
            await platform.Provisioning.ReconcileAsync(site);
        }

        var ann = await platform.Identity.AddUserAsync(site, "ann@example.com", "Ann Lee");
        var bob = await platform.Identity.AddUserAsync(site, "bob@example.com", "Bob Stone");
        return new SampleSite(site, ann, bob);
    }
}
