using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Identity;

namespace Lifeboat.Platform.Tests;

public sealed class SiteImportTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly Dictionary<string, (Func<SiteImport, SiteImport> Spoil, PlatformErrorKind Kind, string Message)> BadImports = new()
    {
        ["unknown region"] = (i => i with { Region = "mars-1" }, PlatformErrorKind.Invalid, "unknown region 'mars-1'; sites can live in:"),
        ["empty name"] = (i => i with { Name = " " }, PlatformErrorKind.Invalid, "a site name must be 1 to 100 printable characters."),
        ["negative seats"] = (i => i with { Licences = [new LicenceImport(PlatformFixture.Wiki, -2)] }, PlatformErrorKind.Invalid, "seats must be 0 or more, not -2."),
        ["product not in the catalog"] = (i => i with { Licences = [new LicenceImport(ProductId.Parse("prd_nothing"), 5)] }, PlatformErrorKind.NotFound,
            "product prd_nothing is not in the catalog; register it first."),
        ["app not in the catalog"] = (i => i with { Apps = [AppId.Parse("app_nothing")] }, PlatformErrorKind.NotFound, "app app_nothing is not in the marketplace catalog."),
        ["bad email"] = (i => i with { Users = [.. i.Users, new UserImport("not-an-email", "Nobody")] }, PlatformErrorKind.Invalid, "'not-an-email' is not an email address."),
        ["same person twice"] = (i => i with { Users = [.. i.Users, new UserImport("ANN@example.com", "Ann again")] }, PlatformErrorKind.Invalid,
            "the import lists the user ann@example.com twice; list each person once."),
        ["same group twice"] = (i => i with { Groups = [.. i.Groups, "admins "] }, PlatformErrorKind.Invalid, "the import lists the group 'admins' twice; list each group once."),
        ["member of a group not imported"] = (i => i with { Memberships = [new MembershipImport("ops", "ann@example.com")] }, PlatformErrorKind.Invalid,
            "the membership of ann@example.com names the group 'ops', which the import does not create; add it to the groups, or leave that entry out."),
        ["member not imported"] = (i => i with { Memberships = [new MembershipImport("admins", "zed@example.com")] }, PlatformErrorKind.Invalid,
            "the membership in group 'admins' names the user zed@example.com, whom the import does not add; add them to the users, or leave that entry out."),
        ["permission with no holder"] = (i => i with { Permissions = [new PermissionImport("wiki.edit")] }, PlatformErrorKind.Invalid,
            "permission wiki.edit must name either a group or a user of the import (not neither)."),
        ["permission with two holders"] = (i => i with { Permissions = [new PermissionImport("wiki.edit", "admins", "ann@example.com")] }, PlatformErrorKind.Invalid,
            "permission wiki.edit must name either a group or a user of the import (not both)."),
        ["bad permission name"] = (i => i with { Permissions = [new PermissionImport("Edit Everything", "admins")] }, PlatformErrorKind.Invalid,
            "'Edit Everything' is not a permission name: use lowercase words joined by dots, such as tracker.admin."),
        ["bad flag key"] = (i => i with { Flags = [new FeatureFlag("New Editor", true)] }, PlatformErrorKind.Invalid,
            "'New Editor' is not a flag key: use 1 to 64 lowercase letters, digits, '.', '_' or '-'."),
        ["same flag twice"] = (i => i with { Flags = [.. i.Flags, new FeatureFlag("new-editor", false)] }, PlatformErrorKind.Invalid,
            "the import sets flag 'new-editor' twice; give each flag once."),
        ["unreachable contact"] = (i => i with { Contacts = [new ContactImport(ContactRole.Billing, "Bea", null, " ")] }, PlatformErrorKind.Invalid,
            "contact 'Bea' has no way to reach them: give an email address or a phone number."),
        ["empty entry"] = (i => i with { Users = [.. i.Users, null!] }, PlatformErrorKind.Invalid, "the import's users include an empty entry; remove it."),
    };

    private LifeboatPlatform Platform => fixture.Platform;

    public static TheoryData<string> BadImportNames => [.. BadImports.Keys];

    [Fact]
    public async Task Import_AWholeSite_HoldsWhatItListsAndAnnouncesItAsTheOrdinaryOperationsWould()
    {
        var import = Valid();

        var site = await Platform.SiteImports.ImportAsync(import);

        var details = await Platform.Sites.DescribeAsync(site.Id);
        details.Site.Name.ShouldBe(import.Name);
        details.Site.State.ShouldBe(Storage.TenantState.Active);
        details.Licences.Select(l => (l.Product, l.Seats, l.Active)).ShouldBe([(PlatformFixture.Tracker, 25, true), (PlatformFixture.Wiki, 10, true)], ignoreOrder: true);
        details.Products.Select(p => (p.Product, p.State)).ShouldBe([(PlatformFixture.Tracker, ProductState.Active), (PlatformFixture.Wiki, ProductState.Active)], ignoreOrder: true);
        details.Apps.Single().ShouldBe(site.Apps.Single());
        (await Platform.Identity.UsersAsync(site.Id)).Select(u => u.Email).ShouldBe(["ann@example.com", "bob@example.com"], ignoreOrder: true);
        var admins = site.Groups.Single(g => g.Name == "admins");
        (await Platform.Identity.MembersAsync(admins.Id)).ShouldBe([site.Users[0].Id], "the group's ID is in the directory, so its members can be listed");
        (await Platform.Identity.PermissionsAsync(site.Id)).ShouldBe(
            [new Permission(admins.Id.Value, "tracker.admin"), new Permission(site.Users[1].Id.Value, "billing.manage")], ignoreOrder: true);
        (await Platform.Flags.ListAsync(site.Id)).ShouldBe([new FeatureFlag("new-editor", true)]);
        (await Platform.Contacts.OfSiteAsync(site.Id)).Single().Email.ShouldBe("billing@example.com");
        (await Platform.Identity.SignInAsync(site.Id, "BOB@example.com")).Id.ShouldBe(site.Users[1].Id);
        (await Platform.Apps.FindAsync(site.Apps[0].Id)).Site.ShouldBe(site.Id);
        (await Platform.Events.OfSiteAsync(site.Id)).Select(e => $"{e.Type} {e.Subject}").ShouldBe([
            "site.created ",
            $"licence.granted {site.Licences[0].Id}",
            $"licence.granted {site.Licences[1].Id}",
            "product.activated prd_tracker",
            "product.activated prd_wiki",
            $"app.installed {site.Apps[0].Id}",
        ]);
        var history = await Platform.Store.Tenants.HistoryAsync(site.Id.Tenant);
        history.Select(h => h.State).ShouldBe([Storage.TenantState.Active], "one lifecycle entry: created");
    }

    [Fact]
    public async Task Import_RepeatedMembershipsAndPermissions_AreWrittenOnce_AsRepeatingTheOrdinaryCallsWould()
    {
        var import = Valid() with
        {
            Memberships = [new MembershipImport("admins", "ann@example.com"), new MembershipImport(" admins", "Ann@Example.com")],
            Permissions = [new PermissionImport("wiki.edit", Group: "admins"), new PermissionImport("wiki.edit", Group: "admins")],
        };

        var site = await Platform.SiteImports.ImportAsync(import);

        (await Platform.Identity.MembersAsync(site.Groups[0].Id)).ShouldBe([site.Users[0].Id]);
        (await Platform.Identity.PermissionsAsync(site.Id)).Count.ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(BadImportNames))]
    public async Task Import_ABadEntry_IsRefusedNamingIt_AndWritesNothing(string bad)
    {
        var (spoil, kind, message) = BadImports[bad];
        var import = spoil(Valid());
        var before = await CountsAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.SiteImports.ImportAsync(import));

        e.Kind.ShouldBe(kind);
        e.Message.ShouldStartWith(message);
        (await CountsAsync()).ShouldBe(before, "nothing was written");
    }

    [Fact]
    public async Task Import_ANameTakenInTheRegion_IsRefusedAsAConflict_AndWritesNothing()
    {
        var first = await Platform.SiteImports.ImportAsync(Valid());
        var before = await CountsAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.SiteImports.ImportAsync(Valid() with { Name = first.Profile.Name.ToUpperInvariant() }));

        e.Kind.ShouldBe(PlatformErrorKind.Conflict);
        e.Message.ShouldBe($"a site named '{first.Profile.Name}' already exists in eu-west ({first.Id}, Active). Choose another name.");
        (await CountsAsync()).ShouldBe(before, "nothing was written");
    }

    [Fact]
    public async Task Import_WithTheSitesData_CommitsItWithTheSite()
    {
        var notes = new Storage.CollectionDefinition("notes.pages");

        var site = await Platform.SiteImports.ImportAsync(Valid(), s =>
            [Platform.Store.Records.Batch(s.Id.Tenant).Put(notes, "welcome", new { author = s.Users[0].Id.Value, title = "Welcome" })]);

        var note = await Platform.Store.Records.GetAsync(site.Id.Tenant, notes.Name, "welcome");
        note!.Document!.Value.GetProperty("author").GetString().ShouldBe(site.Users[0].Id.Value, "the data is built once the users have their IDs");
        var profile = await Platform.Store.Records.GetAsync(site.Id.Tenant, SiteData.Profile.Name, "profile");
        note.Position.ShouldBe(profile!.Position, "one transaction, one commit position");
    }

    [Fact]
    public async Task Import_WithDataForAnotherTenant_IsRefused_AndWritesNothing()
    {
        var other = await fixture.NewSiteAsync();
        var before = await CountsAsync();

        var e = await Should.ThrowAsync<PlatformException>(() => Platform.SiteImports.ImportAsync(Valid(), s =>
            [Platform.Store.Records.Batch(other.Id.Tenant).Put(new Storage.CollectionDefinition("notes.pages"), "stray", new { title = "Not mine" })]));

        e.Kind.ShouldBe(PlatformErrorKind.Invalid);
        e.Message.ShouldStartWith("the site's data must be batches of the new site's own tenant (site_");
        e.Message.ShouldEndWith($"not of {other.Id}.");
        (await CountsAsync()).ShouldBe(before, "nothing was written");
    }

    private static SiteImport Valid() => new($"Imported {Guid.NewGuid():n}", "eu-west")
    {
        Licences = [new LicenceImport(PlatformFixture.Tracker, 25), new LicenceImport(PlatformFixture.Wiki, 10)],
        Apps = [PlatformFixture.LegacyApp],
        Users = [new UserImport("Ann@Example.com", "Ann"), new UserImport("bob@example.com", " Bob ")],
        Groups = ["admins"],
        Memberships = [new MembershipImport("admins", "ann@example.com")],
        Permissions = [new PermissionImport("tracker.admin", Group: "admins"), new PermissionImport("billing.manage", UserEmail: "BOB@example.com")],
        Flags = [new FeatureFlag("new-editor", true)],
        Contacts = [new ContactImport(ContactRole.Billing, "Bea", "billing@example.com", null)],
    };

    /// <summary>Rows of every table an import writes to.</summary>
    private async Task<string> CountsAsync()
    {
        await using var cmd = DatabaseSql.AsOwner(Platform.Options.Store).CreateCommand("""
            SELECT concat_ws(' ', (SELECT count(*) FROM lifeboat.tenants), (SELECT count(*) FROM lifeboat.tenant_history),
                (SELECT count(*) FROM lifeboat.records), (SELECT count(*) FROM lifeboat.record_history), (SELECT count(*) FROM platform.site_directory),
                (SELECT count(*) FROM platform.id_directory), (SELECT count(*) FROM platform.outbox))
            """);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}
