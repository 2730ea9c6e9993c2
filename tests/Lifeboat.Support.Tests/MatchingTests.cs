using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Support.Tests;

public sealed class MatchingTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private LifeboatPlatform Platform => fixture.Platform.Platform;

    [Theory]
    [InlineData("https://www.{0}.lifeboat.example/")]
    [InlineData("HTTP://{0}.lifeboat.example")]
    [InlineData("{0}.lifeboat.example/some/page")]
    [InlineData("{0}")]
    public async Task Site_ByUrlOrName_IsFoundWhateverTheSchemeCaseSlashOrWww(string given)
    {
        var name = $"Umbrella {Guid.NewGuid():n}"[..22];
        var (account, site) = await fixture.CustomerAsync(SupportMail.Address("u"), name);

        var match = await fixture.Desk.MatchAsync("someone@example.com", string.Format(System.Globalization.CultureInfo.InvariantCulture, given, SupportTests.Slug(name).ToUpperInvariant()));

        match.Sites.ShouldHaveSingleItem().ShouldSatisfyAllConditions(s => s.Site.ShouldBe(site), s => s.Account.ShouldBe(account.Id), s => s.State.ShouldBe("Active"));
    }

    [Fact]
    public async Task PurgedSite_IsStillFound_WithItsAccount()
    {
        var name = $"Pied Piper {Guid.NewGuid():n}"[..20];
        var (account, site) = await fixture.CustomerAsync(SupportMail.Address("pp"), name);
        await Platform.Sites.DeleteAsync(site, "the script");
        var request = await Platform.Store.WithActor("dpo").Erasures.RequestAsync(site.Tenant, "contract ended");
        await Platform.Store.WithActor("cto").Erasures.ApproveAsync(request.Id);
        await Platform.Store.WithActor("cto").Erasures.ExecuteAsync(request.Id);

        var match = await fixture.Desk.MatchAsync("x@example.com", name);

        match.Sites.ShouldHaveSingleItem().ShouldSatisfyAllConditions(s => s.State.ShouldBe(nameof(TenantState.Purged)), s => s.Account.ShouldBe(account.Id));
    }

    [Fact]
    public async Task Address_MatchesExactlyAnyCase_AndTheDomainOnlyAsAHint()
    {
        var domain = $"m{Guid.NewGuid():n}.example";
        var (account, _) = await fixture.CustomerAsync($"Admin@{domain}", $"Wonka {Guid.NewGuid():n}");
        await Platform.Accounts.AddContactAsync(account.Id, new AccountContactDraft(ContactRole.Billing, "Bill", $"billing@{domain}"));

        var exact = await fixture.Desk.MatchAsync($"admin@{domain.ToUpperInvariant()}", null);
        var other = await fixture.Desk.MatchAsync($"intern@{domain}", null);

        exact.ByAddress.ShouldBe([account.Id]);
        other.ByAddress.ShouldBeEmpty();
        other.ByDomain.ShouldBe([account.Id]);
    }

    [Fact]
    public async Task ASitesOwnContact_MatchesTheSite_AndThroughItTheAccount_EvenOnceTheSiteIsDeleted()
    {
        var name = $"Globex {Guid.NewGuid():n}"[..20];
        var (account, site) = await fixture.CustomerAsync(SupportMail.Address("owner"), name);
        var siteAdmin = SupportMail.Address("site-admin");
        await Platform.Contacts.AddAsync(site, ContactRole.Admin, "Hank", siteAdmin, null);
        var other = SupportMail.Address("removed");
        var removed = await Platform.Contacts.AddAsync(site, ContactRole.Technical, "Gone", other, null);
        await Platform.Contacts.RemoveAsync(removed.Id);
        await Platform.Sites.DeleteAsync(site, "the cleanup script");

        var match = await fixture.Desk.MatchAsync(siteAdmin.ToUpperInvariant(), null);
        var none = await fixture.Desk.MatchAsync(other, null);

        match.BySiteContact.ShouldHaveSingleItem().ShouldSatisfyAllConditions(s => s.Site.ShouldBe(site), s => s.Account.ShouldBe(account.Id),
            s => s.State.ShouldBe(nameof(TenantState.Deleted)));
        match.ByAddress.ShouldBe([account.Id]);
        match.Sites.Select(s => s.Site).ShouldBe([site]);
        none.BySiteContact.ShouldBeEmpty("a removed contact matches nothing");
        none.ByAddress.ShouldBeEmpty();
    }

    /// <summary>Matching reads indexes: the plans of its statements name the support indexes, never a sequential scan of the big tables.</summary>
    [Theory]
    [InlineData("SELECT account_id FROM platform.account_contacts WHERE support.mail_domain(email) = 'x.example' AND removed_at IS NULL AND email IS NOT NULL", "support_contacts_domain")]
    [InlineData("SELECT site_id FROM platform.site_directory d WHERE support.site_key(d.name) = ANY(ARRAY['acme'])", "support_sites_key")]
    [InlineData("SELECT doc ->> 'site' FROM lifeboat.records r WHERE r.tenant_id = 'lifeboat-contacts' AND r.collection = 'contacts' AND NOT r.deleted AND lower(r.doc ->> 'email') = lower('a@x.example')", "support_site_contacts_email")]
    public async Task Lookups_UseTheirIndexes(string sql, string index)
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var cmd = new NpgsqlCommand("EXPLAIN " + sql, connection);
        var plan = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(0));
        }

        string.Join('\n', plan).ShouldContain(index);
    }
}
