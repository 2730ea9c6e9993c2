using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>The control plane from the command line: sites, products, licences, apps, identity, flags, contacts, events.</summary>
internal static class PlatformCommands
{
    public static IEnumerable<Command> Create(GlobalOptions g, IAnsiConsole console) =>
        [Sites(g, console), Products(g, console), Licences(g, console), Apps(g, console), Users(g, console), Groups(g, console),
         Permissions(g, console), Flags(g, console), Contacts(g, console), Events(g, console)];

    private static Command Sites(GlobalOptions g, IAnsiConsole console)
    {
        var site = new Command("site", "Sites: a customer's licensed products in one home region");

        var name = Arg("name", "The site's name (unique in its region)");
        var region = new Option<string>("--region") { Description = "Home region (data residency)", Required = true };
        var isInternal = new Option<bool>("--internal") { Description = "One of our own sites: destructive changes reach these first" };
        site.Add(new Command("create", "Create a site") { name, region, isInternal }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var s = await platform.Sites.CreateAsync(p.GetValue(name)!, p.GetValue(region)!, p.GetValue(isInternal), ct);
            return $"Created site [bold]{s.Id}[/] '{E(s.Name)}' in {s.Region}{(s.Internal ? " (internal)" : "")}.";
        }));

        var byRegion = new Option<string?>("--region") { Description = "Only sites of this region" };
        var byState = new Option<TenantState?>("--state") { Description = "Only sites in this state (Active, Suspended, Deleted, Restoring, Purged)" };
        var onlyInternal = new Option<bool?>("--internal") { Description = "Only internal (true) or customer (false) sites" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 200 };
        site.Add(new Command("list", "List sites") { byRegion, byState, onlyInternal, limit }.With(g, SitesRead, async (p, platform, ct) =>
        {
            return SiteTable(console, await platform.Sites.ListAsync(p.GetValue(byRegion), p.GetValue(byState), p.GetValue(onlyInternal), limit: p.GetValue(limit), cancellationToken: ct));
        }, async (p, target, ct) =>
        {
            var query = string.Join("&", new[]
            {
                p.GetValue(byRegion) is { } r ? $"region={Uri.EscapeDataString(r)}" : null,
                p.GetValue(byState) is { } st ? $"state={st}" : null,
                p.GetValue(onlyInternal) is { } i ? $"internal={(i ? "true" : "false")}" : null,
                $"limit={p.GetValue(limit)}",
            }.OfType<string>());
            return SiteTable(console, await target.GetAsync<List<SiteDirectoryEntry>>($"api/sites?{query}", ct));
        }));

        var id = Arg("site", "The site (site_…)");
        site.Add(new Command("show", "Show a site with its products, licences and apps") { id }.With(g, SitesRead, async (p, platform, ct) =>
            ShowSite(console, await platform.Sites.DescribeAsync(SiteId.Parse(p.GetValue(id)), ct)),
            async (p, target, ct) => ShowSite(console, await target.GetAsync<SiteDetails>($"api/sites/{SiteId.Parse(p.GetValue(id))}/details", ct))));

        var reason = new Option<string>("--reason") { Description = "Why (recorded with the change)", Required = true };
        var deleteId = Arg("site", "The site (site_…)");
        site.Add(new Command("delete", "Destroy a site softly: invisible and closed, every store kept until the retention window ends") { deleteId, reason }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var s = SiteId.Parse(p.GetValue(deleteId));
            return Deleted(s, await platform.Sites.DeleteAsync(s, p.GetValue(reason)!, ct));
        }, async (p, target, ct) =>
        {
            var s = SiteId.Parse(p.GetValue(deleteId));
            var result = await target.DeleteAsync($"api/sites/{s}?reason={Uri.EscapeDataString(p.GetValue(reason)!)}", ct);
            return Deleted(s, result["changed"]?.GetValue<bool>() == true);
        }));

        var undeleteId = Arg("site", "The site (site_…)");
        var undeleteReason = new Option<string>("--reason") { Description = "Why (recorded with the change)", Required = true };
        site.Add(new Command("undelete", "Bring a deleted site back as it was when deleted") { undeleteId, undeleteReason }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var s = SiteId.Parse(p.GetValue(undeleteId));
            return await platform.Sites.UndeleteAsync(s, p.GetValue(undeleteReason)!, ct) ? $"Site [bold]{s}[/] is Active again." : $"Site {s} was not deleted; nothing changed.";
        }));
        return site;
    }

    private static Command Products(GlobalOptions g, IAnsiConsole console)
    {
        var product = new Command("product", "Products: the catalog, and which products are provisioned on a site");
        product.Add(new Command("list", "List the product catalog").With(g, SitesRead, async (_, platform, ct) =>
        {
            var table = new Table().AddColumns("Product", "Name");
            foreach (var p in await platform.Provisioning.CatalogAsync(ct))
            {
                table.AddRow(p.Id.Value, E(p.Name));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        var id = Arg("product", "The product (prd_…)");
        var name = Arg("name", "Its name");
        product.Add(new Command("register", "Add a product to the catalog") { id, name }.With(g, CatalogWrite, console, async (p, platform, ct) =>
        {
            var registered = await platform.Provisioning.RegisterProductAsync(ProductId.Parse(p.GetValue(id)), p.GetValue(name)!, ct);
            return $"Product {registered.Id} '{E(registered.Name)}' is in the catalog.";
        }));

        foreach (var (verb, description) in new[]
        {
            ("activate", "Provision a product the site's licences cover"), ("deactivate", "Stop providing a product (its data stays)"),
            ("suspend", "Pause a product"), ("unsuspend", "Resume a paused product"),
        })
        {
            var site = Arg("site", "The site (site_…)");
            var prd = Arg("product", "The product (prd_…)");
            product.Add(new Command(verb, description) { site, prd }.With(g, SitesWrite, console, async (p, platform, ct) =>
            {
                var (s, pr) = (SiteId.Parse(p.GetValue(site)), ProductId.Parse(p.GetValue(prd)));
                var changed = verb switch
                {
                    "activate" => await platform.Provisioning.ActivateAsync(s, pr, ct),
                    "deactivate" => await platform.Provisioning.DeactivateAsync(s, pr, ct),
                    "suspend" => await platform.Provisioning.SuspendAsync(s, pr, ct),
                    _ => await platform.Provisioning.UnsuspendAsync(s, pr, ct),
                };
                return changed ? $"{pr} on {s}: {verb}d." : $"{pr} on {s} already held; nothing changed.";
            }));
        }

        var reconcileSite = Arg("site", "The site (site_…)");
        product.Add(new Command("reconcile", "Provision what the licences grant and deactivate the rest") { reconcileSite }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var changes = await platform.Provisioning.ReconcileAsync(SiteId.Parse(p.GetValue(reconcileSite)), ct);
            return changes.Count == 0 ? "Already in line with the licences; nothing changed."
                : string.Join("\n", changes.Select(c => $"{c.Product}: {c.From?.ToString() ?? "not provisioned"} → {c.To}"));
        }));
        return product;
    }

    private static Command Licences(GlobalOptions g, IAnsiConsole console)
    {
        var licence = new Command("licence", "Licences: seats of a product on a site");
        var site = Arg("site", "The site (site_…)");
        var product = Arg("product", "The product (prd_…)");
        var seats = new Option<int>("--seats") { Description = "Number of seats (0 or more)", Required = true };
        licence.Add(new Command("grant", "Grant a licence") { site, product, seats }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var l = await platform.Provisioning.GrantLicenceAsync(SiteId.Parse(p.GetValue(site)), ProductId.Parse(p.GetValue(product)), p.GetValue(seats), ct);
            return $"Licence [bold]{l.Id}[/]: {l.Product}, {l.Seats} seats, on {l.Site}.";
        }));

        var id = Arg("licence", "The licence (lic_…)");
        var newSeats = new Option<int?>("--seats") { Description = "New number of seats" };
        var active = new Option<bool?>("--active") { Description = "true or false" };
        licence.Add(new Command("update", "Change a licence's seats or whether it is active") { id, newSeats, active }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var l = await platform.Provisioning.UpdateLicenceAsync(LicenceId.Parse(p.GetValue(id)), p.GetValue(newSeats), p.GetValue(active), ct);
            return $"Licence {l.Id}: {l.Product}, {l.Seats} seats, {(l.Active ? "active" : "inactive")}.";
        }));

        var listSite = Arg("site", "The site (site_…)");
        licence.Add(new Command("list", "List a site's licences") { listSite }.With(g, SitesRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Licence", "Product", "Seats", "Active");
            foreach (var l in await platform.Provisioning.LicencesAsync(SiteId.Parse(p.GetValue(listSite)), ct))
            {
                table.AddRow(l.Id.Value, l.Product.Value, l.Seats.ToString(CultureInfo.InvariantCulture), l.Active ? "yes" : "no");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        return licence;
    }

    private static Command Apps(GlobalOptions g, IAnsiConsole console)
    {
        var app = new Command("app", "Third-party apps: the marketplace catalog and installations on sites");
        app.Add(new Command("list", "List the marketplace catalog").With(g, SitesRead, async (_, platform, ct) =>
        {
            var table = new Table().AddColumns("App", "Name", "Vendor");
            foreach (var a in await platform.Apps.CatalogAsync(ct))
            {
                table.AddRow(a.Id.Value, E(a.Name), E(a.Vendor));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        var id = Arg("app", "The app (app_…)");
        var name = Arg("name", "Its name");
        var vendor = new Option<string>("--vendor") { Description = "Who makes it", Required = true };
        app.Add(new Command("register", "Add an app to the catalog") { id, name, vendor }.With(g, CatalogWrite, console, async (p, platform, ct) =>
        {
            var a = await platform.Apps.RegisterAsync(AppId.Parse(p.GetValue(id)), p.GetValue(name)!, p.GetValue(vendor)!, ct);
            return $"App {a.Id} '{E(a.Name)}' by {E(a.Vendor)} is in the catalog.";
        }));

        var site = Arg("site", "The site (site_…)");
        var appId = Arg("app", "The app (app_…)");
        app.Add(new Command("install", "Install an app on a site") { site, appId }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var i = await platform.Apps.InstallAsync(SiteId.Parse(p.GetValue(site)), AppId.Parse(p.GetValue(appId)), ct);
            return $"Installed {i.App} on {i.Site}: installation [bold]{i.Id}[/].";
        }));

        var installation = Arg("installation", "The app installation (ain_…)");
        app.Add(new Command("uninstall", "Uninstall an app from a site (softly: it can be restored)") { installation }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var i = AppInstallationId.Parse(p.GetValue(installation));
            return await platform.Apps.UninstallAsync(i, ct) ? $"Uninstalled {i}." : $"{i} was already uninstalled; nothing changed.";
        }));

        var installedSite = Arg("site", "The site (site_…)");
        app.Add(new Command("installed", "List the apps installed on a site") { installedSite }.With(g, SitesRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Installation", "App", "Installed");
            foreach (var i in await platform.Apps.InstalledAsync(SiteId.Parse(p.GetValue(installedSite)), ct))
            {
                table.AddRow(i.Id.Value, i.App.Value, StoreCommands.Time(i.InstalledAt));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        return app;
    }

    private static Command Users(GlobalOptions g, IAnsiConsole console)
    {
        var user = new Command("user", "Users of a site");
        var site = Arg("site", "The site (site_…)");
        var email = Arg("email", "Their email address");
        var name = new Option<string>("--name") { Description = "Their name", Required = true };
        user.Add(new Command("add", "Add a user to a site") { site, email, name }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var u = await platform.Identity.AddUserAsync(SiteId.Parse(p.GetValue(site)), p.GetValue(email)!, p.GetValue(name)!, ct);
            return $"User [bold]{u.Id}[/] {E(u.Email)} added to {u.Site}.";
        }));

        var listSite = Arg("site", "The site (site_…)");
        user.Add(new Command("list", "List a site's users") { listSite }.With(g, SitesRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("User", "Email", "Name", "Active");
            foreach (var u in await platform.Identity.UsersAsync(SiteId.Parse(p.GetValue(listSite)), ct))
            {
                table.AddRow(u.Id.Value, E(u.Email), E(u.Name), u.Active ? "yes" : "no");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        foreach (var (verb, active) in new[] { ("enable", true), ("disable", false) })
        {
            var id = Arg("user", "The user (usr_…)");
            user.Add(new Command(verb, $"{(active ? "Let" : "Stop")} a user sign in") { id }.With(g, SitesWrite, console, async (p, platform, ct) =>
            {
                var u = await platform.Identity.SetUserActiveAsync(UserId.Parse(p.GetValue(id)), active, ct);
                return $"User {u.Id} is {(u.Active ? "active" : "disabled")}.";
            }));
        }

        return user;
    }

    private static Command Groups(GlobalOptions g, IAnsiConsole console)
    {
        var group = new Command("group", "Groups of a site and their members");
        var site = Arg("site", "The site (site_…)");
        var name = Arg("name", "The group's name");
        group.Add(new Command("add", "Add a group to a site") { site, name }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var gr = await platform.Identity.AddGroupAsync(SiteId.Parse(p.GetValue(site)), p.GetValue(name)!, ct);
            return $"Group [bold]{gr.Id}[/] '{E(gr.Name)}' added to {gr.Site}.";
        }));

        var listSite = Arg("site", "The site (site_…)");
        group.Add(new Command("list", "List a site's groups") { listSite }.With(g, SitesRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Group", "Name");
            foreach (var gr in await platform.Identity.GroupsAsync(SiteId.Parse(p.GetValue(listSite)), ct))
            {
                table.AddRow(gr.Id.Value, E(gr.Name));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        foreach (var verb in new[] { "add-member", "remove-member" })
        {
            var gid = Arg("group", "The group (grp_…)");
            var uid = Arg("user", "The user (usr_…)");
            group.Add(new Command(verb, verb == "add-member" ? "Add a user to a group" : "Remove a user from a group") { gid, uid }.With(g, SitesWrite, console, async (p, platform, ct) =>
            {
                var (gr, u) = (GroupId.Parse(p.GetValue(gid)), UserId.Parse(p.GetValue(uid)));
                if (verb == "add-member")
                {
                    await platform.Identity.AddMemberAsync(gr, u, ct);
                    return $"{u} is a member of {gr}.";
                }

                await platform.Identity.RemoveMemberAsync(gr, u, ct);
                return $"{u} is not a member of {gr}.";
            }));
        }

        var membersOf = Arg("group", "The group (grp_…)");
        group.Add(new Command("members", "List a group's members") { membersOf }.With(g, SitesRead, console, async (p, platform, ct) =>
            string.Join("\n", (await platform.Identity.MembersAsync(GroupId.Parse(p.GetValue(membersOf)), ct)).Select(u => u.Value).DefaultIfEmpty("(no members)"))));
        return group;
    }

    private static Command Permissions(GlobalOptions g, IAnsiConsole console)
    {
        var permission = new Command("permission", "Permissions held by users and groups of a site");
        foreach (var verb in new[] { "grant", "revoke" })
        {
            var site = Arg("site", "The site (site_…)");
            var subject = Arg("subject", "A user (usr_…) or group (grp_…)");
            var name = Arg("permission", "Such as tracker.admin");
            permission.Add(new Command(verb, verb == "grant" ? "Grant a permission" : "Revoke a permission") { site, subject, name }.With(g, SitesWrite, console, async (p, platform, ct) =>
            {
                var s = SiteId.Parse(p.GetValue(site));
                if (verb == "grant")
                {
                    await platform.Identity.GrantAsync(s, p.GetValue(subject)!, p.GetValue(name)!, ct);
                    return $"{E(p.GetValue(subject))} holds {E(p.GetValue(name))} on {s}.";
                }

                await platform.Identity.RevokeAsync(s, p.GetValue(subject)!, p.GetValue(name)!, ct);
                return $"{E(p.GetValue(subject))} no longer holds {E(p.GetValue(name))} on {s}.";
            }));
        }

        var listSite = Arg("site", "The site (site_…)");
        permission.Add(new Command("list", "List a site's permissions") { listSite }.With(g, SitesRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Subject", "Permission");
            foreach (var perm in await platform.Identity.PermissionsAsync(SiteId.Parse(p.GetValue(listSite)), ct))
            {
                table.AddRow(perm.Subject, perm.Name);
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        return permission;
    }

    private static Command Flags(GlobalOptions g, IAnsiConsole console)
    {
        var flag = new Command("flag", "Feature flags of a site");
        var site = Arg("site", "The site (site_…)");
        var key = Arg("key", "The flag");
        var value = new Argument<string>("on|off") { Description = "on or off" };
        value.AcceptOnlyFromAmong("on", "off");
        flag.Add(new Command("set", "Turn a flag on or off") { site, key, value }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var f = await platform.Flags.SetAsync(SiteId.Parse(p.GetValue(site)), p.GetValue(key)!, p.GetValue(value) == "on", ct);
            return $"{E(f.Key)} is {(f.Enabled ? "on" : "off")}.";
        }));

        var listSite = Arg("site", "The site (site_…)");
        flag.Add(new Command("list", "List a site's flags") { listSite }.With(g, SitesRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Flag", "Enabled");
            foreach (var f in await platform.Flags.ListAsync(SiteId.Parse(p.GetValue(listSite)), ct))
            {
                table.AddRow(E(f.Key), f.Enabled ? "on" : "off");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        return flag;
    }

    private static Command Contacts(GlobalOptions g, IAnsiConsole console)
    {
        var contact = new Command("contact", "Key contacts, kept outside the sites' data so they outlive them");
        var site = Arg("site", "The site (site_…)");
        var role = new Option<ContactRole>("--role") { Description = "Admin, Billing or Technical", Required = true };
        var name = new Option<string>("--name") { Description = "Who", Required = true };
        var email = new Option<string?>("--email") { Description = "Email address" };
        var phone = new Option<string?>("--phone") { Description = "Phone number" };
        contact.Add(new Command("add", "Add a key contact of a site (an email or a phone is required)") { site, role, name, email, phone }.With(g, SitesWrite, console, async (p, platform, ct) =>
        {
            var c = await platform.Contacts.AddAsync(SiteId.Parse(p.GetValue(site)), p.GetValue(role), p.GetValue(name)!, p.GetValue(email), p.GetValue(phone), ct);
            return $"Contact [bold]{c.Id}[/] ({c.Role}) {E(c.Name)} for {c.Site}.";
        }));

        var listSite = Arg("site", "The site (site_…), in any state");
        contact.Add(new Command("list", "List a site's contacts (deleted and purged sites too)") { listSite }.With(g, ContactsRead, async (p, platform, ct) =>
        {
            console.Write(ContactTable(await platform.Contacts.OfSiteAsync(SiteId.Parse(p.GetValue(listSite)), ct)));
            return LifeboatCli.Ok;
        }));

        var id = Arg("contact", "The contact (cnt_…)");
        var newName = new Option<string?>("--name") { Description = "New name" };
        var newEmail = new Option<string?>("--email") { Description = "New email" };
        var newPhone = new Option<string?>("--phone") { Description = "New phone" };
        contact.Add(new Command("update", "Change a contact") { id, newName, newEmail, newPhone }.With(g, ContactsWrite, console, async (p, platform, ct) =>
        {
            var c = await platform.Contacts.UpdateAsync(ContactId.Parse(p.GetValue(id)), p.GetValue(newName), p.GetValue(newEmail), p.GetValue(newPhone), null, ct);
            return $"Contact {c.Id}: {E(c.Name)} {E(c.Email)} {E(c.Phone)}";
        }));

        var removeId = Arg("contact", "The contact (cnt_…)");
        contact.Add(new Command("remove", "Remove a contact (its history stays)") { removeId }.With(g, ContactsWrite, console, async (p, platform, ct) =>
            await platform.Contacts.RemoveAsync(ContactId.Parse(p.GetValue(removeId)), ct) ? "Removed." : "It was already removed; nothing changed."));

        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var output = new Option<FileInfo?>("--out") { Description = "Write to this file (default: the terminal)" };
        contact.Add(new Command("export", "Export every contact, to keep a copy outside the product") { format, output }.With(g, ContactsExport, async (p, platform, ct) =>
        {
            var contacts = await platform.Contacts.ExportAsync(ct);
            var text = p.GetValue(format) == "json"
                ? JsonSerializer.Serialize(contacts, PlatformJson.Options)
                : ContactCsv.Write(contacts);
            if (p.GetValue(output) is { } file)
            {
                await WriteOwnerOnlyAsync(file.FullName, text, ct);
                console.MarkupLine($"Exported {contacts.Count} contact(s) to {E(file.FullName)} (readable by you only).");
            }
            else
            {
                console.Profile.Out.Writer.Write(text);
            }

            return LifeboatCli.Ok;
        }));
        return contact;
    }

    /// <summary>
    /// Customers' names, e-mails and phones: the file is the user's alone from its creation (0600), and an
    /// existing file is replaced by a new one rather than rewritten, so it cannot keep a wider mode it had.
    /// </summary>
    private static Task WriteOwnerOnlyAsync(string path, string text, CancellationToken ct) => WriteOwnerOnlyAsync(path, System.Text.Encoding.UTF8.GetBytes(text), ct);

    /// <summary>As for text: the file is the user's alone from its creation, and an existing one is replaced.</summary>
    internal static async Task WriteOwnerOnlyAsync(string path, byte[] bytes, CancellationToken ct)
    {
        var staging = $"{path}.{Guid.NewGuid():n}.tmp";
        try
        {
            await using (var stream = new FileStream(staging, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                await stream.WriteAsync(bytes, ct);
            }

            File.Move(staging, path, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private static Command Events(GlobalOptions g, IAnsiConsole console)
    {
        var events = new Command("events", "Lifecycle events, in order");
        var site = new Option<string?>("--site") { Description = "Every event of one site" };
        var consumer = new Option<string?>("--consumer") { Description = "The events after this consumer's cursor (the cursor does not move)" };
        events.Add(site);
        events.Add(consumer);
        events.With(g, EventsRead, async (p, platform, ct) =>
        {
            var list = p.GetValue(site) is { } s ? await platform.Events.OfSiteAsync(SiteId.Parse(s), ct)
                : await platform.Events.PeekAsync(p.GetValue(consumer) ?? "cli", 200, ct);
            var table = new Table().AddColumns("#", "Event", "Site", "Subject", "By", "At");
            foreach (var e in list)
            {
                table.AddRow(e.Position.ToString(CultureInfo.InvariantCulture), e.Type, e.Site?.Value ?? "", E(e.Subject), E(e.Actor), StoreCommands.Time(e.At));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        });
        return events;
    }

    private static int SiteTable(IAnsiConsole console, IReadOnlyList<SiteDirectoryEntry> sites)
    {
        var table = new Table().AddColumns("Site", "Name", "Region", "State", "Internal", "Created");
        foreach (var s in sites)
        {
            table.AddRow(s.Id.Value, E(s.Name), s.Region, StoreCommands.StateMarkup(s.State), s.Internal ? "yes" : "", StoreCommands.Time(s.CreatedAt));
        }

        console.Write(table);
        console.MarkupLine($"{sites.Count} site(s)");
        return LifeboatCli.Ok;
    }

    private static int ShowSite(IAnsiConsole console, SiteDetails d)
    {
        console.MarkupLine($"[bold]{d.Site.Id}[/] '{E(d.Site.Name)}' in {d.Site.Region}, {StoreCommands.StateMarkup(d.Site.State)}{(d.Site.Internal ? ", internal" : "")}, created {StoreCommands.Time(d.Site.CreatedAt)}");
        var table = new Table().AddColumns("Product", "State", "Licence", "Seats", "Licence active");
        foreach (var product in d.Products.Select(a => a.Product).Union(d.Licences.Select(l => l.Product)).OrderBy(x => x.Value, StringComparer.Ordinal))
        {
            var activation = d.Products.FirstOrDefault(a => a.Product == product);
            var licence = d.Licences.FirstOrDefault(l => l.Product == product);
            table.AddRow(product.Value, activation?.State.ToString() ?? "-", licence?.Id.Value ?? "-", licence?.Seats.ToString(CultureInfo.InvariantCulture) ?? "-", licence is null ? "-" : licence.Active ? "yes" : "no");
        }

        console.Write(table);
        console.MarkupLine(d.Apps.Count == 0 ? "No apps installed." : $"Apps: {string.Join(", ", d.Apps.Select(a => $"{a.App} ({a.Id})"))}");
        return LifeboatCli.Ok;
    }

    private static string Deleted(SiteId site, bool changed) =>
        changed ? $"Deleted site [bold]{site}[/] (softly: it can be restored)." : $"Site {site} was already deleted; nothing changed.";

    private static Table ContactTable(IEnumerable<Contact> contacts)
    {
        var table = new Table().AddColumns("Contact", "Site", "Role", "Name", "Email", "Phone");
        foreach (var c in contacts)
        {
            table.AddRow(c.Id.Value, c.Site.Value, c.Role.ToString(), E(c.Name), E(c.Email), E(c.Phone));
        }

        return table;
    }
}
