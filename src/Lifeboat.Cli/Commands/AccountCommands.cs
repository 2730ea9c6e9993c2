using System.CommandLine;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Internal;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Customer accounts from the command line, on the database or through a server (/api/accounts): reading them
/// needs contacts.read, as over HTTP; changing them sites.write.
/// </summary>
internal static class AccountCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var account = new Command("account", "Customer accounts: who owns which sites, and whom to reach about them (kept outside the sites' data)");

        var find = new Option<string?>("--find") { Description = "Only accounts whose name contains this (any case)" };
        var limit = new Option<int>("--limit") { Description = "At most this many (1 to 1000)", DefaultValueFactory = _ => 100 };
        var listJson = new Option<bool>("--json") { Description = "Print the API's JSON" };
        account.Add(new Command("list", "List customer accounts, or find them by name") { find, limit, listJson }.With(g, ContactsRead, async (p, platform, ct) =>
        {
            var text = p.GetValue(find);
            var accounts = text is null ? await platform.Accounts.ListAsync(null, p.GetValue(limit), ct) : await platform.Accounts.FindAsync(text, p.GetValue(limit), ct);
            return Print(console, accounts, p.GetValue(listJson), AccountTable);
        }, async (p, target, ct) =>
        {
            var query = p.GetValue(find) is { } text ? $"q={Uri.EscapeDataString(text)}&" : "";
            return Print(console, await target.GetAsync<List<CustomerAccount>>($"api/accounts?{query}limit={p.GetValue(limit)}", ct), p.GetValue(listJson), AccountTable);
        }));

        var showId = Arg("account", "The account (acct_…)");
        var showJson = new Option<bool>("--json") { Description = "Print the API's JSON" };
        account.Add(new Command("show", "An account, its sites with their states, and its key contacts (its own and its sites', once per address)") { showId, showJson }
            .With(g, ContactsRead,
                async (p, platform, ct) => Print(console, await platform.Accounts.ViewAsync(AccountId.Parse(p.GetValue(showId)), ct), p.GetValue(showJson), ShowView),
                async (p, target, ct) => Print(console, await target.GetAsync<AccountView>($"api/accounts/{AccountId.Parse(p.GetValue(showId))}", ct), p.GetValue(showJson), ShowView)));

        var name = Arg("name", "The customer's name");
        var tier = new Option<string>("--tier") { Description = "Support tier: Standard, Premium or Enterprise", Required = true };
        var region = new Option<string>("--region") { Description = "The customer's region: one of the regions sites use", Required = true };
        account.Add(new Command("add", "Create a customer account") { name, tier, region }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var created = await platform.Accounts.CreateAsync(p.GetValue(name)!, AccountWords.Tier(p.GetValue(tier)), p.GetValue(region)!, null, ct);
            return Created(created);
        }, async (p, target, ct) =>
        {
            AccountWords.Tier(p.GetValue(tier));
            return Created(await target.PostAsync<CustomerAccount>("api/accounts", new { name = p.GetValue(name), tier = p.GetValue(tier), region = p.GetValue(region) }, ct));
        }));

        var linkId = Arg("account", "The account (acct_…)");
        var linkSite = Arg("site", "The site (site_…)");
        var move = new Option<bool>("--move") { Description = "Take the site from the account that owns it now, in the same step" };
        account.Add(new Command("link", "Make the account the owner of a site (a site has one owner)") { linkId, linkSite, move }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var link = await platform.Accounts.LinkAsync(AccountId.Parse(p.GetValue(linkId)), SiteId.Parse(p.GetValue(linkSite)), p.GetValue(move), ct);
            return Linked(link);
        }, async (p, target, ct) =>
        {
            var (id, site) = (AccountId.Parse(p.GetValue(linkId)), SiteId.Parse(p.GetValue(linkSite)));
            return Linked(await target.PostAsync<AccountLink>($"api/accounts/{id}/sites", new { site = site.Value, move = p.GetValue(move) }, ct));
        }));

        var unlinkId = Arg("account", "The account (acct_…)");
        var unlinkSite = Arg("site", "The site (site_…)");
        account.Add(new Command("unlink", "End the account's ownership of a site (the link stays in the history)") { unlinkId, unlinkSite }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var link = await platform.Accounts.UnlinkAsync(AccountId.Parse(p.GetValue(unlinkId)), SiteId.Parse(p.GetValue(unlinkSite)), ct);
            return Unlinked(link);
        }, async (p, target, ct) =>
        {
            var (id, site) = (AccountId.Parse(p.GetValue(unlinkId)), SiteId.Parse(p.GetValue(unlinkSite)));
            return Unlinked(await target.DeleteAsync<AccountLink>($"api/accounts/{id}/sites/{site}", ct));
        }));

        var contactId = Arg("account", "The account (acct_…)");
        var role = new Option<string>("--role") { Description = "Admin, Billing or Technical", Required = true };
        var contactName = new Option<string>("--name") { Description = "The person's (or desk's) name", Required = true };
        var email = new Option<string?>("--email") { Description = "E-mail address (this or --phone is required)" };
        var phone = new Option<string?>("--phone") { Description = "Phone number" };
        account.Add(new Command("contact-add", "Add a key contact to the account (an address may be a contact of several accounts)") { contactId, role, contactName, email, phone }
            .With(g, SitesWrite, console, async (p, platform, ct) =>
            {
                var draft = new AccountContactDraft(AccountWords.Role(p.GetValue(role)), p.GetValue(contactName)!, p.GetValue(email), p.GetValue(phone));
                return Added(await platform.Accounts.AddContactAsync(AccountId.Parse(p.GetValue(contactId)), draft, ct));
            }, async (p, target, ct) =>
            {
                var id = AccountId.Parse(p.GetValue(contactId));
                AccountWords.Role(p.GetValue(role));
                return Added(await target.PostAsync<AccountContact>($"api/accounts/{id}/contacts",
                    new { role = p.GetValue(role), name = p.GetValue(contactName), email = p.GetValue(email), phone = p.GetValue(phone) }, ct));
            }));

        return account;
    }

    private static string Created(CustomerAccount a) => $"Created customer account [bold]{a.Id}[/] '{E(a.Name)}' ({a.Tier}, {a.Region}).";

    private static string Linked(AccountLink l) => $"Site [bold]{l.Site}[/] now belongs to {l.Account}.";

    private static string Unlinked(AccountLink l) => $"Site [bold]{l.Site}[/] no longer belongs to {l.Account} (linked {l.LinkedAt:u} by {E(l.LinkedBy)}).";

    private static string Added(AccountContact c) => $"Added {c.Role.ToString().ToLowerInvariant()} contact [bold]{c.Id}[/] '{E(c.Name)}' to {c.Account}.";

    private static int Print<T>(IAnsiConsole console, T value, bool json, Action<IAnsiConsole, T> show)
    {
        if (json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, PlatformJson.Options));
        }
        else
        {
            show(console, value);
        }

        return LifeboatCli.Ok;
    }

    private static void AccountTable(IAnsiConsole console, IReadOnlyList<CustomerAccount> accounts)
    {
        var table = new Table().AddColumns("account", "name", "tier", "region", "created");
        foreach (var a in accounts)
        {
            table.AddRow(a.Id.Value, E(a.Name), a.Tier.ToString(), a.Region, a.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.MarkupLine($"{accounts.Count} account(s).");
    }

    private static void AccountTable(IAnsiConsole console, List<CustomerAccount> accounts) => AccountTable(console, (IReadOnlyList<CustomerAccount>)accounts);

    private static void ShowView(IAnsiConsole console, AccountView view)
    {
        var a = view.Account;
        console.MarkupLine($"[bold]{a.Id}[/] '{E(a.Name)}': {a.Tier} support, {a.Region}, since {a.CreatedAt:u}.");
        var sites = new Table().AddColumns("site", "name", "region", "state", "linked");
        foreach (var s in view.Sites)
        {
            sites.AddRow(s.Site.Id.Value, E(s.Site.Name), s.Site.Region, s.Site.State.ToString(), $"{s.LinkedAt:u} by {E(s.LinkedBy)}");
        }

        console.Write(sites);
        var contacts = new Table().AddColumns("role", "name", "email", "phone", "from");
        foreach (var c in view.KeyContacts)
        {
            var from = string.Join(", ", new[] { c.From }.Concat(c.AlsoFrom).Select(s => s.ToString()));
            contacts.AddRow(c.Role.ToString(), E(c.Name), E(c.Email ?? ""), E(c.Phone ?? ""), E(from));
        }

        console.Write(contacts);
        console.MarkupLine($"{view.Sites.Count} site(s), {view.KeyContacts.Count} key contact(s).");
    }
}
