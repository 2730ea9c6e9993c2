using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Tests;

public sealed class CustomerAccountTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private LifeboatPlatform Platform => fixture.Platform;

    private CustomerAccounts Accounts => Platform.Accounts;

    [Fact]
    public async Task Create_WithContacts_IsReadBackAndAudited()
    {
        var account = await Accounts.CreateAsync("  Initech  ", SupportTier.Premium, "us-east",
            [new AccountContactDraft(ContactRole.Technical, "Milton", "milton@initech.example.com"), new AccountContactDraft(ContactRole.Admin, "Bill", null, "+1 555 0199")]);

        account.Name.ShouldBe("Initech");
        (await Accounts.GetAsync(account.Id)).ShouldBe(account);
        (await Accounts.ContactsAsync(account.Id)).Select(c => (c.Role, c.Name)).ShouldBe([(ContactRole.Admin, "Bill"), (ContactRole.Technical, "Milton")]);
        (await Platform.Audit.OfAsync(account.Id.Value)).Select(e => e.Step).ShouldBe(["account-created", "contact-added", "contact-added"]);
    }

    [Fact]
    public async Task Link_SitesOfAnAccount_AreReadWithTheirStates_AndMappedBackInOneCall()
    {
        var account = await Accounts.CreateAsync("Globex", SupportTier.Enterprise, "eu-west");
        var (one, two, loose) = (await fixture.NewSiteAsync(), await fixture.NewSiteAsync("us-east"), await fixture.NewSiteAsync());
        await Accounts.LinkAsync(account.Id, one.Id);
        await Accounts.LinkAsync(account.Id, two.Id);
        await Platform.Sites.DeleteAsync(two.Id, "the script");

        var sites = await Accounts.SitesAsync(account.Id);
        var owners = await Accounts.AccountsOfSitesAsync([one.Id, two.Id, loose.Id, one.Id]);

        sites.Select(s => (s.Site.Id, s.Site.State)).OrderBy(s => s.Id.Value, StringComparer.Ordinal)
            .ShouldBe(new[] { (one.Id, TenantState.Active), (two.Id, TenantState.Deleted) }.OrderBy(s => s.Item1.Value, StringComparer.Ordinal));
        owners.Keys.ShouldBe([one.Id, two.Id], ignoreOrder: true);
        owners[two.Id].ShouldBe(account);
        (await Accounts.AccountOfSiteAsync(loose.Id)).ShouldBeNull();
        (await Accounts.AccountOfSiteAsync(one.Id))!.Id.ShouldBe(account.Id);
    }

    [Fact]
    public async Task AccountsAndLinksAndContacts_SurviveTheDeletionAndPurgeOfTheirSites()
    {
        var account = await Accounts.CreateAsync("Hooli", SupportTier.Standard, "eu-west", [new AccountContactDraft(ContactRole.Admin, "Gavin", "gavin@hooli.example.com")]);
        var site = await fixture.NewSiteAsync();
        await Platform.Contacts.AddAsync(site.Id, ContactRole.Technical, "Ops desk", "ops@hooli.example.com", null);
        await Accounts.LinkAsync(account.Id, site.Id);

        await Platform.Sites.DeleteAsync(site.Id, "the script");
        var request = await Platform.Store.WithActor("dpo").Erasures.RequestAsync(site.Id.Tenant, "contract ended");
        await Platform.Store.WithActor("cto").Erasures.ApproveAsync(request.Id);
        await Platform.Store.WithActor("cto").Erasures.ExecuteAsync(request.Id);

        var view = await Accounts.ViewAsync(account.Id);
        view.Account.ShouldBe(account);
        view.Sites.Single().Site.State.ShouldBe(TenantState.Purged);
        (await Accounts.AccountOfSiteAsync(site.Id))!.Id.ShouldBe(account.Id);
        view.KeyContacts.Select(c => (c.Email, c.From.ToString())).ShouldBe([("gavin@hooli.example.com", "account"), ("ops@hooli.example.com", site.Id.Value)]);
    }

    [Fact]
    public async Task KeyContacts_MergeOneAddressAcrossTheAccountAndItsSites_CaseInsensitively_SayingWhereEachCameFrom()
    {
        var account = await Accounts.CreateAsync("Vandelay", SupportTier.Standard, "eu-west", [new AccountContactDraft(ContactRole.Technical, "Art", "art@vandelay.example.com")]);
        var (one, two) = (await fixture.NewSiteAsync(), await fixture.NewSiteAsync());
        await Platform.Contacts.AddAsync(one.Id, ContactRole.Admin, "Art V.", "ART@Vandelay.example.com", null);
        await Platform.Contacts.AddAsync(two.Id, ContactRole.Billing, "Kel", "kel@vandelay.example.com", null);
        await Platform.Contacts.AddAsync(two.Id, ContactRole.Technical, "Kel again", "Kel@vandelay.example.com", null);
        await Platform.Contacts.AddAsync(two.Id, ContactRole.Technical, "Phone only", null, "+1 555 0100");
        await Accounts.LinkAsync(account.Id, one.Id);
        await Accounts.LinkAsync(account.Id, two.Id);

        var contacts = await Accounts.KeyContactsAsync(account.Id);

        contacts.Count.ShouldBe(3);
        var art = contacts.Single(c => c.Name == "Art");
        art.From.Site.ShouldBeNull("the account's own contact comes first");
        art.AlsoFrom.Select(s => s.Site).ShouldBe([one.Id]);
        contacts.Single(c => string.Equals(c.Email, "kel@vandelay.example.com", StringComparison.OrdinalIgnoreCase)).AlsoFrom.Count.ShouldBe(1);
        contacts.Single(c => c.Email is null).From.Site.ShouldBe(two.Id);
    }

    [Fact]
    public async Task OneAddress_IsAKeyContactOfTwoAccounts()
    {
        var first = await Accounts.CreateAsync("Acme Rockets", SupportTier.Standard, "eu-west");
        var second = await Accounts.CreateAsync("Acme Anvils", SupportTier.Premium, "us-east");
        var consultant = new AccountContactDraft(ContactRole.Technical, "Wile E.", "wile@consulting.example.com");

        await Accounts.AddContactAsync(first.Id, consultant);
        await Accounts.AddContactAsync(second.Id, consultant with { Email = "Wile@Consulting.example.com" });

        (await Accounts.KeyContactsAsync(first.Id)).Single().Email.ShouldBe("wile@consulting.example.com");
        (await Accounts.KeyContactsAsync(second.Id)).Single().Name.ShouldBe("Wile E.");
        var again = await Should.ThrowAsync<PlatformException>(() => Accounts.AddContactAsync(first.Id, consultant with { Name = "Twice" }));
        again.Kind.ShouldBe(PlatformErrorKind.Conflict);
        again.Message.ShouldContain("is Acme Rockets (");
        (await Accounts.ContactsAsync(first.Id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task RemoveContact_EndsItsRow_WhichStaysAsHistory_AndASecondRemovalIsRefused()
    {
        var account = await Accounts.CreateAsync("Soylent", SupportTier.Standard, "eu-west", [new AccountContactDraft(ContactRole.Billing, "Pay desk", "pay@soylent.example.com")]);
        var contact = (await Accounts.ContactsAsync(account.Id)).Single();

        var removed = await Accounts.RemoveContactAsync(account.Id, contact.Id);

        removed.RemovedBy.ShouldBe("test");
        (await Accounts.KeyContactsAsync(account.Id)).ShouldBeEmpty();
        (await Accounts.ContactsAsync(account.Id, includeRemoved: true)).Single().RemovedAt.ShouldNotBeNull();
        (await Should.ThrowAsync<PlatformException>(() => Accounts.RemoveContactAsync(account.Id, contact.Id))).Kind.ShouldBe(PlatformErrorKind.NotFound);
        await Accounts.AddContactAsync(account.Id, new AccountContactDraft(ContactRole.Billing, "Pay desk", "pay@soylent.example.com"));
        (await Platform.Audit.OfAsync(account.Id.Value)).Select(a => a.Step).ShouldBe(["account-created", "contact-added", "contact-removed", "contact-added"]);
    }

    [Fact]
    public async Task Link_ASiteOwnedByAnotherAccount_IsRefusedNamingIt_AndMoveTakesIt_KeepingTheHistory()
    {
        var owner = await Accounts.CreateAsync("Owner Co", SupportTier.Standard, "eu-west");
        var other = await Accounts.CreateAsync("Other Co", SupportTier.Standard, "eu-west");
        var site = await fixture.NewSiteAsync();
        await Accounts.LinkAsync(owner.Id, site.Id);

        var e = await Should.ThrowAsync<PlatformException>(() => Accounts.LinkAsync(other.Id, site.Id));

        e.Kind.ShouldBe(PlatformErrorKind.Conflict);
        e.Message.ShouldBe($"site {site.Id} belongs to Owner Co ({owner.Id}) already, and a site has one owner. To give it to Other Co ({other.Id}), unlink it from {owner.Id} first, " +
            $"or move it in one step (lifeboat account link {other.Id} {site.Id} --move; over HTTP, \"move\": true); nothing changed.");
        (await Accounts.AccountOfSiteAsync(site.Id))!.Id.ShouldBe(owner.Id);
        (await Accounts.SitesAsync(other.Id)).ShouldBeEmpty();

        await Accounts.LinkAsync(other.Id, site.Id, move: true);

        (await Accounts.AccountOfSiteAsync(site.Id))!.Id.ShouldBe(other.Id);
        (await Accounts.SitesAsync(owner.Id)).ShouldBeEmpty();
        var history = await Accounts.LinkHistoryAsync(owner.Id);
        history.Single().UnlinkedAt.ShouldNotBeNull();
        (await Platform.Audit.OfAsync(owner.Id.Value)).Select(a => a.Step).ShouldBe(["account-created", "site-linked", "site-unlinked"]);
        (await Platform.Audit.OfAsync(other.Id.Value)).Select(a => a.Step).ShouldBe(["account-created", "site-linked"]);
    }

    [Fact]
    public async Task Unlink_EndsTheLink_ThenTheSiteCanBeLinkedElsewhere_AndUnlinkingAgainIsRefused()
    {
        var account = await Accounts.CreateAsync("Umbrella", SupportTier.Standard, "eu-west");
        var next = await Accounts.CreateAsync("Umbrella Two", SupportTier.Standard, "eu-west");
        var site = await fixture.NewSiteAsync();
        await Accounts.LinkAsync(account.Id, site.Id);

        var ended = await Accounts.UnlinkAsync(account.Id, site.Id);

        ended.UnlinkedBy.ShouldBe("test");
        (await Accounts.AccountOfSiteAsync(site.Id)).ShouldBeNull();
        var again = await Should.ThrowAsync<PlatformException>(() => Accounts.UnlinkAsync(account.Id, site.Id));
        again.Message.ShouldBe($"site {site.Id} is not linked to Umbrella ({account.Id}); nothing changed.");
        await Accounts.LinkAsync(next.Id, site.Id);
        (await Accounts.LinkHistoryAsync(account.Id)).Count.ShouldBe(1, "the ended link stays");
    }

    [Fact]
    public async Task TwoAccounts_LinkingOneSiteAtOnce_OneWins()
    {
        var site = await fixture.NewSiteAsync();
        var accounts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Accounts.CreateAsync($"Racer {i}", SupportTier.Standard, "eu-west")));

        var results = await Task.WhenAll(accounts.Select(async a =>
        {
            try
            {
                await Accounts.LinkAsync(a.Id, site.Id);
                return true;
            }
            catch (PlatformException e) when (e.Kind == PlatformErrorKind.Conflict)
            {
                return false;
            }
        }));

        results.Count(r => r).ShouldBe(1);
        (await Accounts.AccountsOfSitesAsync([site.Id])).Count.ShouldBe(1);
    }

    public static TheoryData<string, string> BadAccounts => new()
    {
        { "", "an account needs a name of 1 to 200 characters: give the customer's name." },
        { "   ", "an account needs a name of 1 to 200 characters: give the customer's name." },
        { new string('x', 201), "an account needs a name of 1 to 200 characters (this one has 201): give the customer's name." },
    };

    [Theory]
    [MemberData(nameof(BadAccounts))]
    public async Task Create_WithABadName_IsRefused_AndWritesNothing(string name, string message)
    {
        var before = (await Accounts.ListAsync(limit: CustomerAccounts.MaxList)).Count;

        var e = await Should.ThrowAsync<PlatformException>(() => Accounts.CreateAsync(name, SupportTier.Standard, "eu-west"));

        e.Kind.ShouldBe(PlatformErrorKind.Invalid);
        e.Message.ShouldBe(message);
        (await Accounts.ListAsync(limit: CustomerAccounts.MaxList)).Count.ShouldBe(before);
    }

    [Fact]
    public async Task BadInput_IsRefusedWithWhatToDo_AndChangesNothing()
    {
        var before = (await Accounts.ListAsync(limit: CustomerAccounts.MaxList)).Count;

        (await Should.ThrowAsync<PlatformException>(() => Accounts.CreateAsync("Moonbase", SupportTier.Standard, "mars-north")))
            .Message.ShouldBe("unknown region 'mars-north'; an account is in one of the regions sites use: us-east, eu-west, ap-southeast.");
        (await Should.ThrowAsync<PlatformException>(() => Accounts.CreateAsync("Gold", (SupportTier)7, "eu-west")))
            .Message.ShouldBe("'7' is not a support tier; use one of: Standard, Premium, Enterprise.");
        Should.Throw<PlatformException>(() => AccountWords.Tier("Gold")).Message.ShouldBe("'Gold' is not a support tier; use one of: Standard, Premium, Enterprise.");
        AccountWords.Tier(" premium ").ShouldBe(SupportTier.Premium);
        (await Should.ThrowAsync<PlatformException>(() => Accounts.CreateAsync("Unreachable", SupportTier.Standard, "eu-west", [new AccountContactDraft(ContactRole.Admin, "Dana", null)])))
            .Message.ShouldBe("contact 'Dana' has no way to reach them: give an email address or a phone number.");
        (await Accounts.ListAsync(limit: CustomerAccounts.MaxList)).Count.ShouldBe(before, "nothing was created");

        var wrongKind = Should.Throw<WrongIdException>(() => SiteId.Parse("ain_01jd8x2k9q4m7t6v5w3y1z0a8b"));
        wrongKind.Message.ShouldBe("'ain_01jd8x2k9q4m7t6v5w3y1z0a8b' is an app installation ID (ain_…), but a site ID (site_…) is expected here.");
        Should.Throw<WrongIdException>(() => AccountId.Parse("site_01jd8x2k9q4m7t6v5w3y1z0a8b"))
            .Message.ShouldBe("'site_01jd8x2k9q4m7t6v5w3y1z0a8b' is a site ID (site_…), but a customer account ID (acct_…) is expected here.");

        var unknown = AccountId.Parse("acct_01jd8x2k9q4m7t6v5w3y1z0a8b");
        var site = await fixture.NewSiteAsync();
        var e = await Should.ThrowAsync<PlatformException>(() => Accounts.LinkAsync(unknown, site.Id));
        e.Kind.ShouldBe(PlatformErrorKind.NotFound);
        e.Message.ShouldBe($"customer account {unknown} does not exist in this environment; list the accounts (or find one by name) for its ID.");
        (await Should.ThrowAsync<PlatformException>(() => Accounts.ViewAsync(unknown))).Kind.ShouldBe(PlatformErrorKind.NotFound);
        (await Should.ThrowAsync<PlatformException>(() => Accounts.SitesAsync(unknown))).Kind.ShouldBe(PlatformErrorKind.NotFound);
        var account = await Accounts.CreateAsync("Real", SupportTier.Standard, "eu-west");
        var missingSite = SiteId.Parse("site_01jd8x2k9q4m7t6v5w3y1z0a8b");
        (await Should.ThrowAsync<PlatformException>(() => Accounts.LinkAsync(account.Id, missingSite)))
            .Message.ShouldBe($"site {missingSite} does not exist in this environment; nothing changed.");
        (await Accounts.AccountOfSiteAsync(site.Id)).ShouldBeNull();
    }

    [Fact]
    public async Task FindAndList_ByNamePartAnyCase_AndInPages()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var made = new List<CustomerAccount>();
        foreach (var name in new[] { $"Zeta {tag}", $"{tag} Alpha", $"Beta {tag.ToUpperInvariant()}" })
        {
            made.Add(await Accounts.CreateAsync(name, SupportTier.Standard, "eu-west"));
        }

        (await Accounts.FindAsync(tag)).Select(a => a.Name).ShouldBe([$"{tag} Alpha", $"Beta {tag.ToUpperInvariant()}", $"Zeta {tag}"]);
        (await Accounts.FindAsync("%")).ShouldNotContain(a => a.Name.Contains(tag, StringComparison.Ordinal), "a % is looked for as itself");
        var first = await Accounts.ListAsync(limit: 1);
        var rest = await Accounts.ListAsync(first[0].Id, CustomerAccounts.MaxList);
        rest.ShouldNotContain(first[0]);
        rest.Select(a => a.Id).ShouldContain(made[2].Id);
        (await Should.ThrowAsync<PlatformException>(() => Accounts.FindAsync(" "))).Kind.ShouldBe(PlatformErrorKind.Invalid);
        (await Should.ThrowAsync<PlatformException>(() => Accounts.ListAsync(limit: 0))).Message.ShouldContain("list 1 to 1000 accounts at a time, not 0");
    }

    [Fact]
    public async Task TheRows_CannotBeRemovedOrRewritten_EvenByTheOwner()
    {
        var account = await Accounts.CreateAsync("Immutable", SupportTier.Standard, "eu-west");
        var site = await fixture.NewSiteAsync();
        await Accounts.LinkAsync(account.Id, site.Id);
        await using var owner = DatabaseSql.AsOwner(Platform.Options.Store);

        foreach (var sql in new[]
        {
            "DELETE FROM platform.account_sites WHERE account_id = $1",
            "UPDATE platform.account_sites SET linked_by = 'someone else' WHERE account_id = $1",
            "UPDATE platform.accounts SET name = 'Renamed' WHERE account_id = $1",
            "DELETE FROM platform.accounts WHERE account_id = $1",
        })
        {
            await using var cmd = owner.CreateCommand(sql);
            cmd.Parameters.Add(new() { Value = account.Id.Value });
            (await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync())).SqlState.ShouldBe("LB403", sql);
        }

        (await Accounts.SitesAsync(account.Id)).Single().LinkedBy.ShouldBe("test");
    }
}
