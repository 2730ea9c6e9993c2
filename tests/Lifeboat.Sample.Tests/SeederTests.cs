using System.Security.Cryptography;
using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Sample.Seeding;
using Lifeboat.Storage;

namespace Lifeboat.Sample.Tests;

public sealed class SeederTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly DateTimeOffset Anchor = new(2026, 4, 5, 0, 0, 0, TimeSpan.Zero);

    private LifeboatPlatform Platform => fixture.Platform;

    [Fact]
    public async Task Seed_SmallSites_EachSiteHoldsWhatItsSizeSays()
    {
        var size = SeedSize.Small;
        var progress = new List<SeedProgress>();

        var summary = await new SampleSeeder(Platform).SeedAsync(new SeedOptions { Sites = 6, Internal = 2, Size = size, Seed = 11, Anchor = Anchor },
            new Reporter(progress.Add));

        summary.Sites.Count.ShouldBe(6);
        progress.Select(p => p.SitesDone).ShouldBe([1, 2, 3, 4, 5, 6]);
        var listed = (await Platform.Sites.ListAsync()).Where(s => summary.Sites.Contains(s.Id)).ToList();
        listed.Count.ShouldBe(6);
        listed.Count(s => s.Internal).ShouldBe(2);
        listed.Select(s => s.Region).Distinct().Count().ShouldBe(Platform.Options.Regions.Count, "sites are spread over every region");
        listed.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count().ShouldBe(6);

        long records = 0, blobs = 0, bytes = 0;
        foreach (var site in listed)
        {
            var details = await Platform.Sites.DescribeAsync(site.Id);
            details.Products.Select(p => (p.Product, p.State)).OrderBy(p => p.Product.Value).ShouldBe(
                [(SampleProducts.TrackerProduct, ProductState.Active), (SampleProducts.WikiProduct, ProductState.Active)]);
            details.Licences.Count.ShouldBe(2);
            if (site.Internal)
            {
                details.Apps.ShouldBeEmpty("the vendor's own sites do not run the legacy app");
            }

            var users = await Platform.Identity.UsersAsync(site.Id);
            users.Count.ShouldBe(size.Users);
            users.ShouldAllBe(u => u.Email.Contains('@') && u.Email.EndsWith(".example"));
            (await Platform.Identity.GroupsAsync(site.Id)).Count.ShouldBe(size.Groups);
            (await Platform.Flags.ListAsync(site.Id)).Count.ShouldBe(size.Flags);
            var contacts = await Platform.Contacts.OfSiteAsync(site.Id);
            contacts.Count.ShouldBeInRange(2, 3);
            contacts.Count(c => c.Role == ContactRole.Admin).ShouldBe(1);
            contacts.ShouldAllBe(c => c.Email != null || c.Phone != null);

            var tracker = new Tracker(Platform);
            var issues = await tracker.IssuesAsync(site.Id);
            issues.Count.ShouldBe(size.Issues);
            issues.ShouldAllBe(i => users.Any(u => u.Id == i.Reporter) && i.CreatedAt <= i.UpdatedAt && i.UpdatedAt <= Anchor);
            var comments = await Task.WhenAll(issues.Select(i => tracker.CommentsAsync(site.Id, i.Id)));
            comments.Sum(c => c.Count).ShouldBe(size.Comments);
            var attachments = (await Task.WhenAll(issues.Select(i => tracker.AttachmentsAsync(site.Id, i.Id)))).SelectMany(a => a).ToList();
            attachments.Count.ShouldBe(size.IssueAttachments);
            foreach (var a in attachments)
            {
                var content = await tracker.ReadAttachmentAsync(site.Id, a.Id);
                content.Length.ShouldBe((int)a.Size);
                content.Length.ShouldBeInRange(1024, 6 * 1024);
                var record = await Platform.Store.Records.GetAsync(site.Id.Tenant, TrackerData.Attachments.Name, a.Id.Value);
                record!.Blob!.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
                bytes += content.Length;
            }

            var wiki = new Wiki(Platform);
            var pages = await wiki.PagesAsync(site.Id);
            pages.Count.ShouldBe(size.Pages);
            pages.Where(p => p.Parent is { } parent).ShouldAllBe(p => pages.Any(q => q.Id == p.Parent));
            var pageFiles = (await Task.WhenAll(pages.Select(p => wiki.AttachmentsAsync(site.Id, p.Id)))).SelectMany(a => a).ToList();
            pageFiles.Count.ShouldBe(size.PageAttachments);
            foreach (var f in pageFiles)
            {
                bytes += (await wiki.ReadAttachmentAsync(site.Id, f.Id)).Length;
            }

            records += (await Platform.Store.Records.SnapshotAsync(site.Id.Tenant)).Count + contacts.Count;
            blobs += attachments.Count + pageFiles.Count;
        }

        (summary.Records, summary.Blobs, summary.BlobBytes).ShouldBe((records, blobs, bytes), "the summary counts what was written");
        (await Task.WhenAll(listed.Where(s => !s.Internal).Select(s => Platform.Apps.InstalledAsync(s.Id))))
            .Count(apps => apps.Any(a => a.App == SampleProducts.LegacyInsightsApp)).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Seed_TheSameSeedInTwoEnvironments_GivesTheSameContent()
    {
        var options = new SeedOptions { Sites = 3, Internal = 1, Size = SeedSize.Small, Seed = 42, Anchor = Anchor };
        // Both environments start empty: site names already taken would be numbered.
        await using var one = await SampleEnvironment.CreateAsync();
        await using var other = await SampleEnvironment.CreateAsync();

        var first = await new SampleSeeder(one.Platform).SeedAsync(options);
        var second = await new SampleSeeder(other.Platform).SeedAsync(options with { Parallelism = 1 });

        first.Sites.ShouldNotBe(second.Sites, "IDs are new in every run");
        for (var i = 0; i < options.Sites; i++)
        {
            var a = await SiteContent.OfAsync(one.Platform, first.Sites[i]);
            (await SiteContent.OfAsync(other.Platform, second.Sites[i])).ShouldBe(a);
            a.Count.ShouldBeGreaterThan(30);
        }

        var third = await new SampleSeeder(other.Platform).SeedAsync(options with { Seed = 43 });
        (await SiteContent.OfAsync(other.Platform, third.Sites[^1])).ShouldNotBe(await SiteContent.OfAsync(one.Platform, first.Sites[^1]), "another seed, other content");
    }

    [Fact]
    public async Task Seed_ByImportAndOneCallAtATime_WritesTheSameEnvironment()
    {
        // Both clocks stopped at the same instant: the platform's own timestamps (profiles, events,
        // directory rows) must then be equal too; only IDs, positions and commit stamps may differ.
        var now = new DateTimeOffset(2026, 4, 5, 7, 38, 0, TimeSpan.Zero);
        var (oneClock, otherClock) = (new TestClock(), new TestClock());
        oneClock.Pin(now);
        otherClock.Pin(now);
        await using var ordinary = await SampleEnvironment.CreateAsync(oneClock);
        await using var imported = await SampleEnvironment.CreateAsync(otherClock);
        var options = new SeedOptions { Sites = 5, Internal = 1, Size = SeedSize.Small, Seed = 42, Anchor = Anchor };

        var one = await new SampleSeeder(ordinary.Platform).SeedAsync(options with { OneCallAtATime = true });
        var other = await new SampleSeeder(imported.Platform).SeedAsync(options);

        (one.Records, one.Blobs, one.BlobBytes).ShouldBe((other.Records, other.Blobs, other.BlobBytes));
        var expected = await EnvironmentDump.OfAsync(DatabaseSql.AsOwner(ordinary.Platform.Options.Store));
        var actual = await EnvironmentDump.OfAsync(DatabaseSql.AsOwner(imported.Platform.Options.Store));
        actual.Keys.ShouldBe(expected.Keys);
        foreach (var (table, lines) in expected)
        {
            actual[table].ShouldBe(lines, $"{table} differs");
        }

        // The comparison covers every kind of thing a site gets, the legacy app and all three contact roles included.
        var events = expected["platform.outbox"];
        foreach (var type in new[] { "site.created", "licence.granted", "product.activated", "app.installed" })
        {
            events.ShouldContain(e => e.Contains($" | {type} | ", StringComparison.Ordinal), $"no {type} event was compared");
        }

        foreach (var collection in new[] { "identity.users", "identity.groups", "identity.memberships", "identity.permissions", "site.flags", "site.licences", "site.products", "site.apps", "contacts" })
        {
            expected["lifeboat.records"].ShouldContain(r => r.Contains($" | {collection} | ", StringComparison.Ordinal), $"no {collection} record was compared");
        }

        expected["lifeboat.records"].Count.ShouldBeGreaterThan(5 * 30);
        expected["platform.account_sites"].Count.ShouldBe(5, "every site was linked to its account by both paths");
        expected["platform.account_contacts"].Count.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task Seed_TwiceIntoOneEnvironment_GivesTheTakenNamesANumber()
    {
        var options = new SeedOptions { Sites = 2, Internal = 0, Size = SeedSize.Small, Seed = 77, Anchor = Anchor };

        var first = await new SampleSeeder(Platform).SeedAsync(options);
        var second = await new SampleSeeder(Platform).SeedAsync(options);

        var names = (await Platform.Sites.ListAsync()).ToDictionary(s => s.Id, s => s.Name);
        second.Sites.Select(s => names[s]).ShouldBe(first.Sites.Select(s => $"{names[s]} (2)"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-3, 0)]
    [InlineData(2, 3)]
    public async Task Seed_ImpossibleCounts_AreRefusedBeforeAnythingIsWritten(int sites, int internalSites)
    {
        var before = (await Platform.Sites.ListAsync()).Count;

        var e = await Should.ThrowAsync<PlatformException>(() => new SampleSeeder(Platform).SeedAsync(new SeedOptions { Sites = sites, Internal = internalSites }));

        e.Kind.ShouldBe(PlatformErrorKind.Invalid);
        (await Platform.Sites.ListAsync()).Count.ShouldBe(before);
    }

    [Theory]
    [InlineData(2022, 928, 3)]   // the drill's default: 883 targeted sites and 45 bystanders, 3 of them internal
    [InlineData(2022, 883, 3)]
    [InlineData(7, 883, 0)]
    [InlineData(99, 2000, 5)]
    public void AccountRule_TheFirst883SitesSeeded_BelongTo775Accounts_WhateverFollows(int seed, int sites, int internalSites)
    {
        var owners = AccountPlanner.Owners(seed, sites, internalSites);

        owners.Take(883).Distinct().Count().ShouldBe(775, "April 2022: 883 sites of 775 customers");
        owners.Take(internalSites).Distinct().Count().ShouldBeLessThanOrEqualTo(1, "the vendor's own sites are one account");
        if (internalSites > 0 && sites > internalSites)
        {
            owners[internalSites].ShouldNotBe(owners[0], "no customer site belongs to the vendor's account");
        }

        owners.Take(883).GroupBy(o => o).Max(g => g.Count()).ShouldBeGreaterThan(2, "some customers own several sites");
        owners.Zip(owners.Skip(1)).ShouldAllBe(p => p.Second == p.First || p.Second == p.First + 1, "an account's sites are seeded in a row, accounts numbered in order");
        AccountPlanner.Owners(seed, 883, internalSites).ShouldBe(owners.Take(883), "the first block does not depend on the sites after it");
        AccountPlanner.Owners(seed + 1, sites, internalSites).ShouldNotBe(owners, "another seed groups other sites");
    }

    [Fact]
    public async Task Seed_GivesEverySiteAnAccount_WithKeyContactsUnderADomainOfItsOwn()
    {
        var options = new SeedOptions { Sites = 40, Internal = 2, Size = SeedSize.Small with { Issues = 1, Comments = 0, IssueAttachments = 0, Pages = 1, PageAttachments = 0 },
            Seed = 5, Anchor = Anchor, Parallelism = 4 };
        var owners = AccountPlanner.Owners(options.Seed, options.Sites, options.Internal);

        var summary = await new SampleSeeder(Platform).SeedAsync(options);

        var map = await Platform.Accounts.AccountsOfSitesAsync(summary.Sites);
        map.Count.ShouldBe(40, "every seeded site has an account");
        summary.Sites.Select(s => map[s].Id).ShouldBe(summary.Accounts);
        summary.Accounts.Distinct().Count().ShouldBe(owners.Distinct().Count());
        map[summary.Sites[0]].Name.ShouldBe(AccountPlanner.VendorName);
        map[summary.Sites[1]].Id.ShouldBe(map[summary.Sites[0]].Id, "the internal sites are the vendor's");
        var domains = new Dictionary<string, AccountId>(StringComparer.Ordinal);
        foreach (var account in summary.Accounts.Distinct())
        {
            var view = await Platform.Accounts.ViewAsync(account);
            view.Sites.Count.ShouldBe(summary.Accounts.Count(a => a == account));
            var own = view.KeyContacts.Where(c => c.From.Site is null).ToList();
            own.Select(c => c.Role).ShouldContain(ContactRole.Technical);
            own.Select(c => c.Role).ShouldContain(ContactRole.Admin);
            foreach (var domain in own.Select(c => c.Email!.Split('@')[1]).Distinct())
            {
                domain.ShouldEndWith("example.com");
                domains.TryAdd(domain, account).ShouldBeTrue($"{domain} names one customer");
            }
        }
    }

    [Fact]
    public async Task Seed_ASizeWithoutUsers_IsRefusedSayingWhy()
    {
        var size = SeedSize.Small with { Name = "empty", Users = 0 };

        var e = await Should.ThrowAsync<PlatformException>(() => new SampleSeeder(Platform).SeedAsync(new SeedOptions { Sites = 1, Internal = 0, Size = size }));

        e.Message.ShouldBe("seed size 'empty' needs at least one user (the site's owner) and no negative count.");
    }

    [Fact]
    public async Task SeededSite_DeletedThenRestored_HasItsIssuesPagesAndAttachmentBytesBackWithTheSameIds()
    {
        var site = (await new SampleSeeder(Platform).SeedAsync(new SeedOptions { Sites = 1, Internal = 0, Size = SeedSize.Small, Seed = 5, Anchor = Anchor })).Sites.Single();
        var before = await SiteContent.OfAsync(Platform, site, keepIds: true);
        var bytesBefore = await AttachmentBytesAsync(site);
        var point = Math.Max((await Platform.Store.Tenants.GetAsync(site.Tenant)).StatePosition,
            (await Platform.Store.Records.SnapshotAsync(site.Tenant)).Max(r => r.Position));

        await Platform.Sites.DeleteAsync(site, "a script meant to uninstall Legacy Insights");
        (await Should.ThrowAsync<TenantStateException>(() => new Tracker(Platform).IssuesAsync(site))).State.ShouldBe(TenantState.Deleted);
        await Platform.Store.Restores.RestoreAsync(site.Tenant, RecoveryPoint.AtPosition(point));

        (await Platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active);
        (await SiteContent.OfAsync(Platform, site, keepIds: true)).ShouldBe(before);
        (await AttachmentBytesAsync(site)).ShouldBe(bytesBefore);
        bytesBefore.Count.ShouldBe(SeedSize.Small.IssueAttachments + SeedSize.Small.PageAttachments);
    }

    /// <summary>Every attachment's bytes, read through the products, by attachment ID.</summary>
    private async Task<List<string>> AttachmentBytesAsync(SiteId site)
    {
        var tracker = new Tracker(Platform);
        var wiki = new Wiki(Platform);
        var list = new List<string>();
        foreach (var a in await Platform.Store.Records.ListAsync(site.Tenant, TrackerData.Attachments.Name))
        {
            list.Add($"{a.Id} {Convert.ToHexString(await tracker.ReadAttachmentAsync(site, AttachmentId.Parse(a.Id)))}");
        }

        foreach (var a in await Platform.Store.Records.ListAsync(site.Tenant, WikiData.Attachments.Name))
        {
            list.Add($"{a.Id} {Convert.ToHexString(await wiki.ReadAttachmentAsync(site, PageAttachmentId.Parse(a.Id)))}");
        }

        return list;
    }

    private sealed class Reporter(Action<SeedProgress> report) : IProgress<SeedProgress>
    {
        public void Report(SeedProgress value) => report(value);
    }
}
