using System.Text.RegularExpressions;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Tests;

public sealed partial class AccountCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task Account_AddLinkContactShowUnlink_OnTheDatabase()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var site = SiteId().Match((await cli.RunAsync("site", "create", $"Shop {tag}", "--region", "eu-west")).Output).Value;
        await cli.RunAsync("contact", "add", site, "--role", "Admin", "--name", "Dana", "--email", $"dana@{tag}.example.com");

        var (addExit, added) = await cli.RunAsync("account", "add", $"Customer {tag}", "--tier", "enterprise", "--region", "eu-west");
        addExit.ShouldBe(0, added);
        added.ShouldContain("(Enterprise, eu-west)");
        var account = AccountId().Match(added).Value;
        (await cli.RunAsync("account", "link", account, site)).Output.ShouldContain($"Site {site} now belongs to {account}.");
        var (contactExit, contact) = await cli.RunAsync("account", "contact-add", account, "--role", "technical", "--name", "Ops", "--email", $"DANA@{tag}.example.com");
        contactExit.ShouldBe(0, contact);
        (await cli.RunAsync("site", "delete", site, "--reason", "test")).Exit.ShouldBe(0);

        var (showExit, shown) = await cli.RunAsync("account", "show", account);

        showExit.ShouldBe(0, shown);
        shown.ShouldContain($"Customer {tag}");
        shown.ShouldContain("Deleted");
        shown.ShouldContain($"account, {site}", customMessage: "one address, listed once, from the account and its site");
        shown.ShouldContain("1 site(s), 1 key contact(s).");
        (await cli.RunAsync("account", "list", "--find", tag.ToUpperInvariant())).Output.ShouldContain(account);
        (await cli.RunAsync("account", "show", account, "--json")).Output.ShouldContain($"\"id\":\"{site}\"");
        (await cli.RunAsync("account", "unlink", account, site)).Output.ShouldContain($"Site {site} no longer belongs to {account}");
        (await cli.RunAsync("account", "show", account)).Output.ShouldContain("0 site(s)");
    }

    [Fact]
    public async Task Account_BadInputExits2_AndAMissingPermissionExits4_ChangingNothing()
    {
        var (tierExit, tier) = await cli.RunAsync("account", "add", "Gold", "--tier", "gold", "--region", "eu-west");
        tierExit.ShouldBe(2);
        tier.ShouldContain("'gold' is not a support tier; use one of: Standard, Premium, Enterprise.");
        var (kindExit, kind) = await cli.RunAsync("account", "show", "site_01jd8x2k9q4m7t6v5w3y1z0a8b");
        kindExit.ShouldBe(2);
        kind.ShouldContain("is a site ID (site_…), but a customer account ID (acct_…) is expected here.");

        var account = AccountId().Match((await cli.RunAsync("account", "add", "Guarded", "--tier", "Standard", "--region", "eu-west")).Output).Value;
        var site = SiteId().Match((await cli.RunAsync("site", "create", $"Guarded {Guid.NewGuid():n}"[..20], "--region", "eu-west")).Output).Value;
        var viewer = $"viewer-{Guid.NewGuid():n}"[..16];
        var (readExit, read) = await cli.RunAsWithRolesAsync(viewer, [Roles.Viewer], "account", "show", account);
        readExit.ShouldBe(4, read);
        read.ShouldContain(Permissions.ContactsRead);
        var support = $"support-{Guid.NewGuid():n}"[..16];
        var (linkExit, link) = await cli.RunAsWithRolesAsync(support, [Roles.Support], "account", "link", account, site);
        linkExit.ShouldBe(4, link);
        link.ShouldContain(Permissions.SitesWrite);
        (await cli.RunAsync("account", "show", account)).Output.ShouldContain("0 site(s)");
    }

    [GeneratedRegex("site_[0-9a-z]{26}")]
    private static partial Regex SiteId();

    [GeneratedRegex("acct_[0-9a-z]{26}")]
    private static partial Regex AccountId();
}
