using System.Collections.Concurrent;
using Lifeboat.Platform.Contacts;

namespace Lifeboat.Platform.Tests;

public sealed class ContactsAndEventsTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task AContactWithNoWayToReachThem_IsRefused()
    {
        var site = await fixture.NewSiteAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.Contacts.AddAsync(site.Id, ContactRole.Admin, "Dana", null, " "));

        e.Message.ShouldBe("contact 'Dana' has no way to reach them: give an email address or a phone number.");
        (await Platform.Contacts.OfSiteAsync(site.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Contacts_SurviveTheSitesDeletionAndPurge_KeepTheirHistory_AndExport()
    {
        var site = await fixture.NewSiteAsync();
        var admin = await Platform.Contacts.AddAsync(site.Id, ContactRole.Admin, "Dana", "dana@example.com", null);
        await Platform.Contacts.AddAsync(site.Id, ContactRole.Billing, "Finance desk", null, "+44 20 7946 0000");
        await Platform.Contacts.UpdateAsync(admin.Id, phone: "+1 555 0100");
        await Platform.Sites.DeleteAsync(site.Id, "the script");

        var contacts = await Platform.Contacts.OfSiteAsync(site.Id);

        contacts.Select(c => (c.Role, c.Name)).OrderBy(c => c.Role).ShouldBe([(ContactRole.Admin, "Dana"), (ContactRole.Billing, "Finance desk")]);
        (await Platform.Contacts.HistoryAsync(admin.Id)).Select(h => h.Contact!.Phone).ShouldBe([null, "+1 555 0100"]);
        (await Platform.Contacts.ExportAsync()).Where(c => c.Site == site.Id).Count().ShouldBe(2);

        var request = await Platform.Store.WithActor("dpo").Erasures.RequestAsync(site.Id.Tenant, "contract ended");
        await Platform.Store.WithActor("cto").Erasures.ApproveAsync(request.Id);
        await Platform.Store.WithActor("cto").Erasures.ExecuteAsync(request.Id);
        (await Platform.Contacts.OfSiteAsync(site.Id)).Count.ShouldBe(2, "contacts live outside the site's data");
    }

    [Fact]
    public async Task Consumers_ReadEventsInOrder_FromTheirOwnCursor_EachEventOnce()
    {
        var consumer = $"mailer-{Guid.NewGuid():n}";
        var other = $"audit-{Guid.NewGuid():n}";
        await DrainAsync(consumer);
        await DrainAsync(other);
        var site = await fixture.NewSiteAsync();
        await Platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Tracker, 1);
        await Platform.Provisioning.ActivateAsync(site.Id, PlatformFixture.Tracker);

        var seen = new ConcurrentBag<long>();
        // Two instances of one consumer at once: between them, each event is handled exactly once.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Platform.Events.ConsumeAsync(consumer, events =>
        {
            foreach (var e in events)
            {
                seen.Add(e.Position);
            }

            return Task.CompletedTask;
        }, max: 2)));
        while (await Platform.Events.ConsumeAsync(consumer, events =>
        {
            foreach (var e in events)
            {
                seen.Add(e.Position);
            }

            return Task.CompletedTask;
        }) > 0)
        {
        }

        var mine = (await Platform.Events.OfSiteAsync(site.Id)).Select(e => e.Position).ToList();
        seen.Where(mine.Contains).Order().ShouldBe(mine);
        seen.Count.ShouldBe(seen.Distinct().Count(), "no event reached the consumer twice");
        (await Platform.Events.PeekAsync(other)).Select(e => e.Position).Where(mine.Contains).ShouldBe(mine, "another consumer has its own cursor");
    }

    [Fact]
    public async Task AHandlerThatFails_LeavesTheCursor_SoTheEventsComeAgain()
    {
        var consumer = $"flaky-{Guid.NewGuid():n}";
        await DrainAsync(consumer);
        var site = await fixture.NewSiteAsync();

        await Should.ThrowAsync<InvalidOperationException>(() => Platform.Events.ConsumeAsync(consumer, _ => throw new InvalidOperationException("mail server down")));

        var again = await Platform.Events.PeekAsync(consumer);
        again.Select(e => e.Site).ShouldContain(site.Id);
    }

    private async Task DrainAsync(string consumer)
    {
        while (await Platform.Events.ConsumeAsync(consumer, _ => Task.CompletedTask, max: 1000) > 0)
        {
        }
    }
}
