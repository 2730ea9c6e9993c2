using System.CommandLine;
using System.Globalization;
using Lifeboat.Communication;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Templates;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat incident update … | figures | customer-link …` and `lifeboat template …`: customer communication from a terminal,
/// on the database or through a server, each held to the permission of its HTTP endpoint (incidents.read to read,
/// incidents.declare to draft, review, publish and hand out links, incidents.command to save a template). Who may approve or
/// double-check is the desk's rule, the same in both modes.
/// </summary>
internal static class UpdateCommands
{
    /// <summary>The environment variable naming the update templates folder in local mode, as Lifeboat:Communication:Templates does for the server.</summary>
    public const string TemplatesVariable = "LIFEBOAT_TEMPLATES";

    /// <summary>How customers reach the server (its Lifeboat:Communication:PublicUrl): the base of the addresses in updates and links made on the database.</summary>
    public const string PublicUrlVariable = "LIFEBOAT_PUBLIC_URL";

    /// <summary>Where a publish on the database renders the status page (the server's Lifeboat:Communication:StatusFolder); default &lt;home&gt;/status.</summary>
    public const string StatusFolderVariable = "LIFEBOAT_STATUS_FOLDER";

    /// <summary>Where the home keeps the key customers' links are signed with, as the server keeps it.</summary>
    public static string LinkKeyPath(string home) => Path.Combine(home, "comms", "link.key");

    public static void AddTo(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        incident.Add(UpdateCommand(g, console));
        incident.Add(FiguresCommand(g, console));
        incident.Add(CustomerLinkCommand(g, console));
    }

    private static Argument<string> IncidentArg() => Arg("incident", "The incident (inc_…)");

    private static Argument<int> NumberArg() => new("number") { Description = "The update's number (lifeboat incident update list shows them)" };

    private static Command UpdateCommand(GlobalOptions g, IAnsiConsole console)
    {
        var update = new Command("update", "Updates to customers and responders: drafted bound to the live figures, approved, double-checked by another person, published");

        var listId = IncidentArg();
        var published = new Option<bool>("--published") { Description = "Only the published ones" };
        var listJson = IncidentCommands.Json();
        update.Add(new Command("list", "The incident's updates, newest first: drafts, approved, published and withdrawn") { listId, published, listJson }
            .OnUpdates(g, IncidentsRead, async (p, target, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(listId));
                var updates = await target.UpdatesAsync(id, p.GetValue(published), ct);
                if (!IncidentCommands.WroteJson(console, p, listJson, updates))
                {
                    WriteUpdates(console, id, updates, p.GetValue(published));
                }

                return LifeboatCli.Ok;
            }));

        var showId = IncidentArg();
        var showNumber = NumberArg();
        var showJson = IncidentCommands.Json();
        update.Add(new Command("show", "One update: its body as it goes out, who drafted, approved, double-checked and published it") { showId, showNumber, showJson }
            .OnUpdates(g, IncidentsRead, async (p, target, ct) =>
            {
                var shown = await target.GetAsync(IncidentId.Parse(p.GetValue(showId)), p.GetValue(showNumber), ct);
                if (!IncidentCommands.WroteJson(console, p, showJson, shown))
                {
                    WriteUpdate(console, shown);
                }

                return LifeboatCli.Ok;
            }));

        var draftId = IncidentArg();
        var audience = new Option<string>("--audience") { Description = "Who it is for: public, customer (with --account) or internal", Required = true };
        var phase = new Option<string?>("--phase") { Description = "The phase it opens with (required): investigating, identified, restoring, monitoring, recovered" };
        var message = new Option<string?>("--message") { Description = "Your words: what happened, who is affected (no label: Lifeboat writes [Restoring 41%] from the figures)" };
        var account = new Option<string?>("--account") { Description = "The customer's account (acct_…), for a customer update" };
        var stream = new Option<string?>("--stream") { Description = "The incident's stream it belongs to (default: the whole incident)" };
        var template = new Option<string?>("--template") { Description = "The template's name (default: the audience's: public, customer, internal)" };
        var language = new Option<string?>("--language") { Description = "en or ja (default: the environment's)" };
        var corrects = new Option<int?>("--corrects") { Description = "The number of the published update this one corrects" };
        update.Add(new Command("draft", "Draft an update bound to the live figures; it waits for review")
        {
            draftId, audience, phase, message, account, stream, template, language, corrects,
        }.OnUpdates(g, IncidentsDeclare, console, async (p, target, ct) =>
        {
            // The words are read before anything is reached, so a typo is refused the same way in both modes.
            var draft = new UpdateDraft
            {
                Audience = UpdateWords.Audience(p.GetValue(audience)),
                Phase = p.GetValue(phase) is { } word ? UpdateWords.Phase(word) : null,
                Message = p.GetValue(message) ?? "",
                Account = p.GetValue(account),
                Stream = p.GetValue(stream),
                Template = p.GetValue(template),
                Language = p.GetValue(language),
                Corrects = p.GetValue(corrects),
            };
            var drafted = await target.DraftAsync(IncidentId.Parse(p.GetValue(draftId)), draft, ct);
            return $"Drafted update {drafted.Number} of incident {drafted.Incident} ({Audience(drafted)}): {E(drafted.Subject)}\n" +
                   $"It waits for review: the communications lead or the commander approves it (lifeboat incident update approve {drafted.Incident} {drafted.Number}), " +
                   "then another person double-checks it.";
        }));

        update.Add(Step("approve", "Approve a draft: the incident's communications lead or commander (holder or backup)", g, console, (t, id, n, ct) => t.ApproveAsync(id, n, ct),
            u => $"Update {u.Number} of incident {u.Incident} is approved by {E(u.ApprovedBy)}. Another person double-checks it: lifeboat incident update double-check {u.Incident} {u.Number}"));
        update.Add(Step("double-check", "Double-check an approved update: anyone but the one who approved it", g, console, (t, id, n, ct) => t.DoubleCheckAsync(id, n, ct),
            u => $"Update {u.Number} of incident {u.Incident} is double-checked by {E(u.CheckedBy)}. It can go out: lifeboat incident update publish {u.Incident} {u.Number}"));
        update.Add(Step("publish", "Publish an approved, double-checked update; it never changes again (a correction is a new update, --corrects)", g, console,
            (t, id, n, ct) => t.PublishAsync(id, n, ct),
            u => $"Update {u.Number} of incident {u.Incident} is published ({Audience(u)}) by {E(u.PublishedBy)}: {E(u.Subject)}"));

        var withdrawId = IncidentArg();
        var withdrawNumber = NumberArg();
        var reason = new Option<string?>("--reason") { Description = "Why it is withdrawn (required); it stays in the record" };
        update.Add(new Command("withdraw", "Withdraw a draft or an approved update that was not published, with a reason") { withdrawId, withdrawNumber, reason }
            .OnUpdates(g, IncidentsDeclare, console, async (p, target, ct) =>
            {
                var withdrawn = await target.WithdrawAsync(IncidentId.Parse(p.GetValue(withdrawId)), p.GetValue(withdrawNumber), p.GetValue(reason) ?? "", ct);
                return $"Update {withdrawn.Number} of incident {withdrawn.Incident} is withdrawn; it stays in the record.";
            }));

        var progressId = IncidentArg();
        update.Add(new Command("from-progress", "Draft now what the restore's progress calls for (each phase, every further 10% restored, each customer whose sites are back)")
        {
            progressId,
        }.OnUpdates(g, IncidentsDeclare, async (p, target, ct) =>
        {
            var id = IncidentId.Parse(p.GetValue(progressId));
            var drafted = await target.FromProgressAsync(id, ct);
            if (drafted.Count == 0)
            {
                console.MarkupLine($"Incident {id}'s progress calls for no new update: each phase, share and restored customer reached so far has one.");
            }
            else
            {
                console.MarkupLine($"{drafted.Count} update(s) drafted from the progress of incident {id}:");
                WriteUpdates(console, id, drafted, false);
            }

            return LifeboatCli.Ok;
        }));
        return update;
    }

    private static Command Step(string name, string description, GlobalOptions g, IAnsiConsole console,
        Func<IUpdateTarget, IncidentId, int, CancellationToken, Task<IncidentUpdate>> step, Func<IncidentUpdate, string> said)
    {
        var id = IncidentArg();
        var number = NumberArg();
        return new Command(name, description) { id, number }.OnUpdates(g, IncidentsDeclare, console, async (p, target, ct) =>
            said(await step(target, IncidentId.Parse(p.GetValue(id)), p.GetValue(number), ct)));
    }

    private static Command FiguresCommand(GlobalOptions g, IAnsiConsole console)
    {
        var id = IncidentArg();
        var json = IncidentCommands.Json();
        return new Command("figures", "The recovery figures updates are bound to: sites affected and restored, the share, the ETA range, each site's data loss and confidence")
        {
            id, json,
        }.OnUpdates(g, IncidentsRead, async (p, target, ct) =>
        {
            var figures = await target.FiguresAsync(IncidentId.Parse(p.GetValue(id)), ct);
            if (!IncidentCommands.WroteJson(console, p, json, figures))
            {
                WriteFigures(console, figures);
            }

            return LifeboatCli.Ok;
        });
    }

    private static Command CustomerLinkCommand(GlobalOptions g, IAnsiConsole console)
    {
        var links = new Command("customer-link", "Signed, expiring links to a customer's own page of the incident, for customers whose logins may be gone");

        var issueId = IncidentArg();
        var issueAccount = new Option<string>("--account") { Description = "The customer's account (acct_…); the incident must affect one of its sites", Required = true };
        var days = new Option<int?>("--days") { Description = "How long it works: 1 to 90 days (default 14)" };
        links.Add(new Command("issue", "Issue a link to the customer's page; the URL is shown once, to send to the account's key contacts") { issueId, issueAccount, days }
            .OnUpdates(g, IncidentsDeclare, async (p, target, ct) =>
                Issued(console, await target.IssueLinkAsync(IncidentId.Parse(p.GetValue(issueId)), p.GetValue(issueAccount)!, p.GetValue(days), ct)), linkKey: true));

        var reissueId = IncidentArg();
        var reissueAccount = new Option<string>("--account") { Description = "The customer's account (acct_…)", Required = true };
        var reissueReason = new Option<string>("--reason") { Description = "Why (a contact lost theirs, or it leaked)", Required = true };
        links.Add(new Command("reissue", "Revoke the account's active links and issue a new one; the URL is shown once") { reissueId, reissueAccount, reissueReason }
            .OnUpdates(g, IncidentsDeclare, async (p, target, ct) =>
                Issued(console, await target.ReissueLinkAsync(IncidentId.Parse(p.GetValue(reissueId)), p.GetValue(reissueAccount)!, p.GetValue(reissueReason)!, ct)), linkKey: true));

        var revokeId = IncidentArg();
        var revokeLink = Arg("link", "The link's ID (lifeboat incident customer-link list shows them)");
        var revokeReason = new Option<string>("--reason") { Description = "Why it must stop working", Required = true };
        links.Add(new Command("revoke", "Revoke a link: it stops working at once") { revokeId, revokeLink, revokeReason }
            .OnUpdates(g, IncidentsDeclare, console, async (p, target, ct) =>
            {
                var revoked = await target.RevokeLinkAsync(IncidentId.Parse(p.GetValue(revokeId)), p.GetValue(revokeLink)!, p.GetValue(revokeReason)!, ct);
                return $"Customer link {E(revoked.Id)} of {E(revoked.Account)} for incident {revoked.Incident} is revoked by {E(revoked.RevokedBy)}: it no longer opens the page.";
            }, linkKey: true));

        var listId = IncidentArg();
        var listAccount = new Option<string?>("--account") { Description = "Only this account's links (acct_…)" };
        var json = IncidentCommands.Json();
        links.Add(new Command("list", "The incident's customer links, newest first (their IDs, accounts, expiry and revocation; never their tokens)") { listId, listAccount, json }
            .OnUpdates(g, IncidentsRead, async (p, target, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(listId));
                var listed = await target.LinksAsync(id, p.GetValue(listAccount), ct);
                if (!IncidentCommands.WroteJson(console, p, json, listed))
                {
                    WriteLinks(console, id, listed);
                }

                return LifeboatCli.Ok;
            }));
        return links;
    }

    /// <summary>`lifeboat template …`: the update templates, read and saved through the server or in LIFEBOAT_TEMPLATES, and checked on this machine.</summary>
    public static Command TemplateCommand(GlobalOptions g, IAnsiConsole console)
    {
        var templates = new Command("template", "Update templates (Liquid): list and show them, check a file before saving it, save one to the environment's folder");

        templates.Add(new Command("list", "The templates (language, name, a file or built-in) and the variables they may use").OnUpdates(g, IncidentsRead, async (p, target, ct) =>
        {
            var library = await target.TemplatesAsync(ct);
            var table = new Table().AddColumns("Language", "Name", "From");
            foreach (var t in library.Templates)
            {
                table.AddRow(E(t.Language), E(t.Name), E(t.Origin));
            }

            console.Write(table);
            console.MarkupLine(library.Folder is null
                ? $"Built-in templates only: set {TemplatesVariable} (Lifeboat:Communication:Templates for the server) to a folder to keep templates of your own."
                : $"Saved templates go to {E(library.Folder)}.");
            console.MarkupLine($"Variables a template may use: {E(string.Join(", ", library.Variables.Select(v => v.Path)))} (their meanings: docs/templates.md).");
            return LifeboatCli.Ok;
        }));

        var showLanguage = Arg("language", "The language: en or ja");
        var showName = Arg("name", "The template's name (public, customer, customer-restored, internal, or one of your own)");
        templates.Add(new Command("show", "One template's source") { showLanguage, showName }.OnUpdates(g, IncidentsRead, async (p, target, ct) =>
        {
            var shown = await target.TemplateAsync(p.GetValue(showLanguage)!, p.GetValue(showName)!, ct);
            console.MarkupLine($"Template {E(shown.Language)}/{E(shown.Name)} ({E(shown.Origin)}):");
            // The source as it is: Liquid's braces are not markup, and a pipe reads exactly the file.
            console.Profile.Out.Writer.WriteLine(shown.Source);
            return LifeboatCli.Ok;
        }));

        var checkFile = new Argument<FileInfo>("file") { Description = "The template file to check (.liquid)" };
        var check = new Command("check", "Check a template file on this machine without saving it: it must parse and use only the variables an update template has") { checkFile };
        check.NeedsNoPermission("reads a file on this machine and reaches no environment; saving it (lifeboat template save) needs incidents.command").SetAction(async (p, ct) =>
        {
            var file = p.GetValue(checkFile)!;
            var source = await ReadTemplateFileAsync(file, "checked", ct);
            UpdateTemplates.Check(file.FullName, source);
            console.MarkupLine($"Template {E(file.FullName)} passes the check: it parses, and every variable it reads is one an update template has. Nothing was saved.");
            return LifeboatCli.Ok;
        });
        templates.Add(check);

        var saveLanguage = Arg("language", "The language: two lower-case letters (en, ja)");
        var saveName = Arg("name", "The template's name: lower-case letters, digits and dashes (public, customer-restored)");
        var saveFile = new Argument<FileInfo>("file") { Description = "The template file (.liquid) on this machine" };
        templates.Add(new Command("save", "Save a template file to the environment's folder; one that does not parse or names an unknown variable is refused with the line and the name")
        {
            saveLanguage, saveName, saveFile,
        }.OnUpdates(g, IncidentsCommand, console, async (p, target, ct) =>
        {
            var source = await ReadTemplateFileAsync(p.GetValue(saveFile)!, "saved", ct);
            var saved = await target.SaveTemplateAsync(p.GetValue(saveLanguage)!, p.GetValue(saveName)!, source, ct);
            return $"Template {E(saved.Language)}/{E(saved.Name)} is saved ({E(saved.Origin)}): drafts that name it use it from now on.";
        }));
        return templates;
    }

    private static async Task<string> ReadTemplateFileAsync(FileInfo file, string done, CancellationToken ct) =>
        file.Exists
            ? await File.ReadAllTextAsync(file.FullName, ct)
            : throw new PlatformException(PlatformErrorKind.Invalid, $"the template file {file.FullName} does not exist: give the path of a .liquid file. Nothing was {done}.");

    /// <summary>
    /// The command runs against the communication desk on the database (opened for this command over the incident desk, acting
    /// as the CLI's principal held to <paramref name="permission"/>) or, in remote mode, against the server's API. With
    /// <paramref name="linkKey"/>, local mode reads the home's link key (creating it on first use), and refuses, before
    /// anything is done, when there is no home (a database given with --connection and no --home).
    /// </summary>
    internal static Command OnUpdates(this Command command, GlobalOptions g, string permission, Func<ParseResult, IUpdateTarget, CancellationToken, Task<int>> action,
        bool linkKey = false) =>
        command.WithSession(g, permission, async (p, session, ct) =>
        {
            var (key, noKey) = linkKey ? LinkKeyOf(g, p, command) : (null, null);
            var templates = g.Environment.Variable(TemplatesVariable) is { } folder ? UpdateTemplates.Load(folder) : UpdateTemplates.Defaults();
            await using var incidents = g.Environment.Variable(IncidentCommands.RunbooksVariable) is { } runbooks
                ? await IncidentDesk.OpenAsync(session.Platform, new IncidentDeskOptions { RunbookFolder = runbooks }, ct)
                : await IncidentDesk.OpenAsync(session.Platform, ct);
            var acting = incidents.As(session.Principal).WithSource(LocalIncidents.Source).WithRolePermissions();
            await using var desk = await CommunicationDesk.OpenAsync(session.Platform, acting, LocalOptions(g, p, templates, key), ct);
            return await action(p, new LocalUpdates(desk.As(session.Principal), acting, noKey), ct);
        }, (p, target, ct) => action(p, new RemoteUpdates(target), ct));

    internal static Command OnUpdates(this Command command, GlobalOptions g, string permission, IAnsiConsole console,
        Func<ParseResult, IUpdateTarget, CancellationToken, Task<string>> action, bool linkKey = false) =>
        command.OnUpdates(g, permission, async (p, target, ct) =>
        {
            console.MarkupLine(await action(p, target, ct));
            return LifeboatCli.Ok;
        }, linkKey);

    /// <summary>
    /// The desk's options on the database, as the server's would be: addresses under LIFEBOAT_PUBLIC_URL, and the status page
    /// rendered again on a public publish into LIFEBOAT_STATUS_FOLDER or the home's <c>status</c> folder (which the server serves),
    /// when the home is known; with only --connection, no folder is guessed and the server renders the page on its next publish or start.
    /// </summary>
    private static CommunicationOptions LocalOptions(GlobalOptions g, ParseResult p, UpdateTemplates templates, byte[]? key)
    {
        var home = g.HomeOf(p);
        var homeKnown = home.UsesEmbeddedServer || p.GetValue(g.Home) is not null || g.Environment.Variable("LIFEBOAT_HOME") is not null;
        var options = new CommunicationOptions
        {
            Templates = templates,
            LinkKey = key,
            StatusFolder = g.Environment.Variable(StatusFolderVariable) is { } folder ? Path.GetFullPath(folder) : homeKnown ? Path.Combine(home.Path, "status") : null,
        };
        return g.Environment.Variable(PublicUrlVariable) is { } url ? options.AtPublicUrl(url, PublicUrlVariable) : options;
    }

    /// <summary>
    /// The home's link key, or why there is none. The home is known when the embedded database is in use, or when it is named
    /// (--home, LIFEBOAT_HOME); with only --connection, a key made in some default folder would not be the server's, so
    /// links issued under it would not open.
    /// </summary>
    private static (byte[]? Key, string? Why) LinkKeyOf(GlobalOptions g, ParseResult p, Command command)
    {
        var home = g.HomeOf(p);
        var named = p.GetValue(g.Home) is not null || g.Environment.Variable("LIFEBOAT_HOME") is not null;
        if (!home.UsesEmbeddedServer && !named)
        {
            return (null, $"{NameOf(command)} needs the environment's link key, which the server keeps in its home (comms/link.key), and this command works on a database " +
                          "given with --connection, without a home. Run it through the server: add --server URL (or sign in with lifeboat login --server URL), " +
                          "or give the server's home with --home. Nothing was done.");
        }

        return (LinkKeyFile.LoadOrCreate(LinkKeyPath(home.Path)), null);
    }

    private static int Issued(IAnsiConsole console, IssuedLink issued)
    {
        var link = issued.Link;
        console.MarkupLine($"Customer link {E(link.Id)} for {E(link.Account)}, incident {link.Incident}, issued by {E(link.IssuedBy)}, works until {StoreCommands.Time(link.ExpiresAt)}.");
        console.MarkupLine("Send this address to the account's key contacts; it is shown this once (only the link's ID is kept):");
        // Written as it is, not as markup: a wrapped or altered address would not open the page.
        console.Profile.Out.Writer.WriteLine(issued.Url);
        return LifeboatCli.Ok;
    }

    private static string Audience(IncidentUpdate u) => u.Audience == UpdateAudience.Customer ? $"customer {E(u.Account)}" : UpdateWords.Of(u.Audience);

    private static void WriteUpdates(IAnsiConsole console, IncidentId incident, IReadOnlyList<IncidentUpdate> updates, bool publishedOnly)
    {
        if (updates.Count == 0)
        {
            console.MarkupLine(publishedOnly
                ? $"Incident {incident} has no published update."
                : $"Incident {incident} has no update yet. Draft one: lifeboat incident update draft {incident} --audience public --phase investigating --message \"…\"");
            return;
        }

        var table = new Table().AddColumns("Update", "State", "Audience", "Subject", "Drafted", "Approved", "Checked", "Published");
        foreach (var u in updates)
        {
            table.AddRow(u.Number.ToString(CultureInfo.InvariantCulture) + (u.Corrects is { } c ? $" (corrects {c})" : ""), UpdateWords.Of(u.State), Audience(u), E(u.Subject),
                $"{E(u.DraftedBy)}{(u.Origin == UpdateOrigin.Progress ? " (progress)" : "")}", E(u.ApprovedBy), E(u.CheckedBy), u.PublishedAt is { } at ? StoreCommands.Time(at) : "");
        }

        console.Write(table);
    }

    private static void WriteUpdate(IAnsiConsole console, IncidentUpdate u)
    {
        var facts = new Grid().AddColumn().AddColumn();
        facts.AddRow("Update", $"[bold]{u.Number}[/] of incident {u.Incident}");
        facts.AddRow("State", UpdateWords.Of(u.State));
        facts.AddRow("Audience", Audience(u) + (u.Stream is { } s ? $", stream {E(s)}" : ""));
        facts.AddRow("Template", $"{E(u.Language)}/{E(u.Template)}");
        if (u.Corrects is { } corrected)
        {
            facts.AddRow("Corrects", $"update {corrected}");
        }

        facts.AddRow("Drafted", $"{StoreCommands.Time(u.DraftedAt)} by {E(u.DraftedBy)}{(u.Origin == UpdateOrigin.Progress ? " from the restore's progress" : "")}");
        facts.AddRow("Approved", u.ApprovedAt is { } a ? $"{StoreCommands.Time(a)} by {E(u.ApprovedBy)}" : "not yet (the communications lead or the commander)");
        facts.AddRow("Checked", u.CheckedAt is { } c ? $"{StoreCommands.Time(c)} by {E(u.CheckedBy)}" : "not yet (anyone but the approver)");
        facts.AddRow("Published", u.PublishedAt is { } p ? $"{StoreCommands.Time(p)} by {E(u.PublishedBy)}" : "no");
        console.Write(facts);
        console.WriteLine();
        // The body as it goes out, exactly: a pipe reads the customers' words, and brackets in it ([Restoring 41%]) are not markup.
        console.Profile.Out.Writer.WriteLine(u.Body);
    }

    private static void WriteFigures(IAnsiConsole console, RecoveryFigures f)
    {
        console.MarkupLine($"Incident {f.Incident}, at {StoreCommands.Time(f.At)}: {f.SitesAffected} site(s) affected, {f.SitesRestored} restored and validated ({f.SharePercent}%).");
        console.MarkupLine(f.Eta switch
        {
            null => "Time to restore the rest: not measured yet (no running restore has finished a site).",
            { SitesLeft: 0 } => "Time to restore the rest: none; every site is back.",
            { } eta => $"Time to restore the rest: {Minutes(eta.Low)} to {Minutes(eta.High)} for {eta.SitesLeft} site(s), at {eta.SitesPerMinute.ToString("0.##", CultureInfo.InvariantCulture)} site(s) a minute.",
        });
        console.MarkupLine($"Confidence in the data-loss figure: {UpdateWords.Of(f.Confidence)} (the weakest of the sites').");
        if (f.Sites.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumns("Site", "Name", "Account", "Restore", "Data loss", "Confidence");
        foreach (var s in f.Sites)
        {
            var loss = s.Loss.None ? "none: verified" : s.Loss.LostAfter is { } after ? $"changes after {StoreCommands.Time(after)}: {E(s.Loss.Cause)}" : E(s.Loss.Cause);
            table.AddRow(s.Site.Value, E(s.Name), E(s.Account), E(s.RestoreState), loss, UpdateWords.Of(s.Loss.Confidence));
        }

        console.Write(table);
    }

    private static string Minutes(TimeSpan span) => $"{Math.Ceiling(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min";

    private static void WriteLinks(IAnsiConsole console, IncidentId incident, IReadOnlyList<CustomerLink> links)
    {
        if (links.Count == 0)
        {
            console.MarkupLine($"Incident {incident} has no customer link. Issue one: lifeboat incident customer-link issue {incident} --account acct_…");
            return;
        }

        var table = new Table().AddColumns("Link", "Account", "Issued", "Expires", "Revoked");
        foreach (var l in links)
        {
            table.AddRow(E(l.Id), E(l.Account), $"{StoreCommands.Time(l.IssuedAt)} by {E(l.IssuedBy)}", StoreCommands.Time(l.ExpiresAt),
                l.RevokedAt is { } r ? $"{StoreCommands.Time(r)} by {E(l.RevokedBy)}" : "");
        }

        console.Write(table);
    }
}

/// <summary>The words people write for audiences, phases and states ("public", "restoring"), as the API takes them; anything else is refused listing them.</summary>
internal static class UpdateWords
{
    public static UpdateAudience Audience(string? word) => Parse<UpdateAudience>(word, "audience");

    public static UpdatePhase Phase(string? word) => Parse<UpdatePhase>(word, "phase");

    public static string Of<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static T Parse<T>(string? word, string what)
        where T : struct, Enum
    {
        var given = (word ?? "").Trim().ToLowerInvariant();
        foreach (var value in Enum.GetValues<T>())
        {
            if (Of(value) == given)
            {
                return value;
            }
        }

        throw new PlatformException(PlatformErrorKind.Invalid,
            $"'{word}' is not an update's {what}: give one of {string.Join(", ", Enum.GetValues<T>().Select(Of))}. Nothing was done.");
    }
}
