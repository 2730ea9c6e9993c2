using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Communication;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat incident update … | figures | customer-link …` and `lifeboat template …` on the database, each person with their own credential.</summary>
public sealed partial class UpdateCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 180_000)]
    public async Task AnUpdate_IsDraftedApprovedByTheLeadCheckedByAnotherAndPublished_AndShowsWhoDidEach()
    {
        var (incident, _, suffix) = await IncidentOfOneCustomerAsync();
        var (lead, checker) = ($"lead-{suffix}", $"check-{suffix}");
        await cli.TokenFileAsync(lead, [Roles.Communications]);
        await cli.TokenFileAsync(checker);
        (await cli.RunAsync("incident", "assign", incident, "communications-lead", lead)).Exit.ShouldBe(0);

        var (draftExit, drafted) = await cli.RunAsync("incident", "update", "draft", incident, "--audience", "public", "--phase", "investigating",
            "--message", "Some sites lost their apps after maintenance.");
        draftExit.ShouldBe(0, drafted);
        drafted.ShouldContain($"Drafted update 1 of incident {incident} (public): [Investigating]");

        var (approveExit, approved) = await cli.RunAsAsync(lead, "incident", "update", "approve", incident, "1");
        approveExit.ShouldBe(0, approved);
        approved.ShouldContain($"approved by {lead}");
        var (checkExit, checkedOut) = await cli.RunAsAsync(checker, "incident", "update", "double-check", incident, "1");
        checkExit.ShouldBe(0, checkedOut);
        checkedOut.ShouldContain($"double-checked by {checker}");
        var (publishExit, published) = await cli.RunAsync("incident", "update", "publish", incident, "1");
        publishExit.ShouldBe(0, published);
        published.ShouldContain($"Update 1 of incident {incident} is published (public) by {CliFixture.OsUser}");
        // The home's status folder is what the server on that home serves, even when it is down: the publish renders it at once.
        var statusJson = await File.ReadAllTextAsync(Path.Combine(cli.Home, "status", "index.json"), Ct);
        statusJson.ShouldContain(incident);
        statusJson.ShouldContain("Some sites lost their apps after maintenance.");

        var (showExit, shown) = await cli.RunAsync("incident", "update", "show", incident, "1");
        showExit.ShouldBe(0, shown);
        shown.ShouldContain("published");
        shown.ShouldMatch($@"Approved\s+\S+ \S+ by {Regex.Escape(lead)}");
        shown.ShouldMatch($@"Checked\s+\S+ \S+ by {Regex.Escape(checker)}");
        shown.ShouldMatch($@"Published\s+\S+ \S+ by {CliFixture.OsUser}");
        shown.ShouldContain("[Investigating] Sites lost their apps");
        shown.ShouldContain("Some sites lost their apps after maintenance.");
        shown.ShouldContain("Sites affected: 1. Restored and validated: 0 (0%).");

        var (listExit, listed) = await cli.RunAsync("incident", "update", "list", incident, "--published", "--json");
        listExit.ShouldBe(0, listed);
        var only = JsonDocument.Parse(listed).RootElement.EnumerateArray().ShouldHaveSingleItem();
        only.GetProperty("state").GetString().ShouldBe("Published");
        only.GetProperty("checkedBy").GetString().ShouldBe(checker);

        var (figuresExit, figures) = await cli.RunAsync("incident", "figures", incident);
        figuresExit.ShouldBe(0, figures);
        figures.ShouldContain("1 site(s) affected, 0 restored and validated (0%)");
        figures.ShouldContain("Confidence in the data-loss figure: unknown");
    }

    [Fact(Timeout = 180_000)]
    public async Task BadInputAndTheWrongPeople_AreRefusedSayingWhy_AndChangeNothing()
    {
        var (incident, _, suffix) = await IncidentOfOneCustomerAsync();
        var (outsider, viewer) = ($"outsider-{suffix}", $"viewer-{suffix}");
        await cli.TokenFileAsync(outsider);
        await cli.TokenFileAsync(viewer, [Roles.Viewer]);
        (await cli.RunAsync("incident", "update", "draft", incident, "--audience", "public", "--phase", "investigating")).Exit.ShouldBe(0);
        var before = await UpdatesAsync(incident);

        var (noPhaseExit, noPhase) = await cli.RunAsync("incident", "update", "draft", incident, "--audience", "public", "--message", "apps are gone");
        noPhaseExit.ShouldBe(2, noPhase);
        noPhase.ShouldContain("the update has no phase");
        var (audienceExit, audience) = await cli.RunAsync("incident", "update", "draft", incident, "--audience", "everyone", "--phase", "identified");
        audienceExit.ShouldBe(2, audience);
        audience.ShouldContain("'everyone' is not an update's audience: give one of internal, public, customer");
        var (labelExit, label) = await cli.RunAsync("incident", "update", "draft", incident, "--audience", "public", "--phase", "restoring", "--message", "[Restoring 99%] nearly");
        labelExit.ShouldBe(2, label);
        label.ShouldContain("Lifeboat writes the phase label itself");
        var (publishExit, unapproved) = await cli.RunAsync("incident", "update", "publish", incident, "1");
        publishExit.ShouldBe(2, unapproved);
        var (approveExit, notLead) = await cli.RunAsAsync(outsider, "incident", "update", "approve", incident, "1");
        approveExit.ShouldBe(2, notLead);
        notLead.ShouldContain("the communications lead or the commander approves");
        var (viewerExit, denied) = await cli.RunAsAsync(viewer, "incident", "update", "draft", incident, "--audience", "public", "--phase", "identified");
        viewerExit.ShouldBe(4, denied);
        denied.ShouldContain("lacks the permission incidents.declare");

        (await UpdatesAsync(incident)).ShouldBe(before);
    }

    [Fact(Timeout = 120_000)]
    public async Task TemplateCheck_OfABadFile_NamesTheLineAndTheVariable_AndSaveWritesOnlyWhatPasses()
    {
        var folder = Directory.CreateTempSubdirectory("lifeboat-templates-").FullName;
        try
        {
            var bad = Path.Combine(folder, "bad.liquid");
            await File.WriteAllTextAsync(bad, "{{ phase }} {{ incident.title }}\n\nRestored: {{ sites.restord }} of {{ sites.affected }}.\n", Ct);
            var (badExit, refused) = await cli.RunAsync("template", "check", bad);
            badExit.ShouldBe(2, refused);
            refused.ShouldContain($"template {bad}, line 3: 'sites.restord' is not a variable an update template has");

            var broken = Path.Combine(folder, "broken.liquid");
            await File.WriteAllTextAsync(broken, "{{ phase }}\n{% if sites.share > 50 %}more than half", Ct);
            var (brokenExit, unparsed) = await cli.RunAsync("template", "check", broken);
            brokenExit.ShouldBe(2, unparsed);
            unparsed.ShouldContain("does not parse");

            var good = Path.Combine(folder, "good.liquid");
            await File.WriteAllTextAsync(good, "{{ phase }} {{ incident.title }}\n{{ sites.restored }} of {{ sites.affected }} back ({{ sites.share }}%).\n", Ct);
            var (goodExit, passed) = await cli.RunAsync("template", "check", good);
            goodExit.ShouldBe(0, passed);
            passed.ShouldContain("passes the check");

            // Saving: refused without a folder of the environment's own; with one, a bad file writes nothing and a good one is used.
            var (noFolderExit, noFolder) = await cli.RunAsync("template", "save", "en", "short", good);
            noFolderExit.ShouldBe(2, noFolder);
            noFolder.ShouldContain("LIFEBOAT_TEMPLATES");
            var library = Path.Combine(folder, "library");
            Directory.CreateDirectory(library);
            var machine = CliFixture.Environment(CliFixture.OsUser, new Dictionary<string, string> { ["LIFEBOAT_TEMPLATES"] = library });
            var (saveBadExit, saveBad) = await cli.RunWithAsync(machine, "template", "save", "en", "short", bad);
            saveBadExit.ShouldBe(2, saveBad);
            saveBad.ShouldContain("'sites.restord'");
            File.Exists(Path.Combine(library, "en", "short.liquid")).ShouldBeFalse();
            var (saveExit, saved) = await cli.RunWithAsync(machine, "template", "save", "en", "short", good);
            saveExit.ShouldBe(0, saved);
            (await File.ReadAllTextAsync(Path.Combine(library, "en", "short.liquid"), Ct)).ShouldBe(await File.ReadAllTextAsync(good, Ct));
            var (listExit, list) = await cli.RunWithAsync(machine, "template", "list");
            listExit.ShouldBe(0, list);
            list.ShouldMatch(@"en\s*│\s*short\s*│");
            (await cli.RunAsync("template", "show", "ja", "public")).Output.ShouldContain("Template ja/public (built-in):\n{{ incident.title }}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task ACustomerLink_IsIssuedOnceUnderTheHomesKey_OpensTheCustomersPage_AndStopsWhenRevoked()
    {
        var (incident, account, _) = await IncidentOfOneCustomerAsync();

        var (issueExit, issued) = await cli.RunAsync("incident", "customer-link", "issue", incident, "--account", account, "--days", "3");
        issueExit.ShouldBe(0, issued);
        issued.ShouldContain($"for {account}, incident {incident}, issued by {CliFixture.OsUser}");
        var token = LinkUrl().Match(issued).Groups[1].Value;
        var linkId = token.Split('.')[1];
        var keyFile = Path.Combine(cli.Home, "comms", "link.key");
        (await File.ReadAllBytesAsync(keyFile, Ct)).Length.ShouldBe(32);
        File.GetUnixFileMode(keyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // The page opens under the home's key: what the server on that home would serve.
        await using (var desk = await DeskAsync(LinkKeyFile.LoadOrCreate(keyFile)))
        {
            (await desk.Comms.CustomerPageAsync(token, Ct)).Account.ShouldBe(account);
        }

        var (listExit, listed) = await cli.RunAsync("incident", "customer-link", "list", incident, "--account", account);
        listExit.ShouldBe(0, listed);
        listed.ShouldContain(linkId);
        listed.ShouldNotContain(token);

        var (revokeExit, revoked) = await cli.RunAsync("incident", "customer-link", "revoke", incident, linkId, "--reason", "sent to the wrong address");
        revokeExit.ShouldBe(0, revoked);
        revoked.ShouldContain($"Customer link {linkId} of {account} for incident {incident} is revoked by {CliFixture.OsUser}");
        await using (var desk = await DeskAsync(LinkKeyFile.LoadOrCreate(keyFile)))
        {
            var refused = await Should.ThrowAsync<PlatformException>(() => desk.Comms.CustomerPageAsync(token, Ct));
            refused.Message.ShouldContain("was replaced or withdrawn");
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task ACustomerLink_OnTheDatabase_HangsOffThePublicUrl_AndABadPublicUrlIsRefusedBeforeAnythingIsIssued()
    {
        var (incident, account, _) = await IncidentOfOneCustomerAsync();

        var (issueExit, issued) = await cli.RunWithAsync(CliFixture.Environment(CliFixture.OsUser, new Dictionary<string, string> { ["LIFEBOAT_PUBLIC_URL"] = "https://status.example.com/" }),
            "incident", "customer-link", "issue", incident, "--account", account);
        issueExit.ShouldBe(0, issued);
        issued.ShouldMatch(@"(?m)^https://status\.example\.com/customers/v1\.[A-Za-z0-9_\-]+\.[0-9]+\.[A-Za-z0-9_\-]+$");

        var before = (await cli.RunAsync("incident", "customer-link", "list", incident, "--account", account)).Output;
        var (badExit, bad) = await cli.RunWithAsync(CliFixture.Environment(CliFixture.OsUser, new Dictionary<string, string> { ["LIFEBOAT_PUBLIC_URL"] = "status.example.com" }),
            "incident", "customer-link", "issue", incident, "--account", account);
        badExit.ShouldBe(2, bad);
        bad.ShouldContain("LIFEBOAT_PUBLIC_URL must be the absolute http(s) address customers reach Lifeboat at");
        (await cli.RunAsync("incident", "customer-link", "list", incident, "--account", account)).Output.ShouldBe(before);
    }

    [Fact(Timeout = 180_000)]
    public async Task ACustomerLink_WithoutAHome_OrUnderAKeyOfTheWrongSize_IsRefused_AndNothingIsIssued()
    {
        var (incident, account, _) = await IncidentOfOneCustomerAsync();

        // A database given with --connection and no home: the server's key is not here.
        var (noHomeExit, noHome) = await CliFixture.RunOnAsync(CliFixture.Environment(CliFixture.OsUser),
            "incident", "customer-link", "issue", incident, "--account", account, "--connection", cli.ConnectionString, "--owner-connection", cli.Connections.Owner!);
        noHomeExit.ShouldBe(2, noHome);
        Regex.Replace(noHome, @"\s+", " ").ShouldContain("Run it through the server: add --server URL");

        var home = Directory.CreateTempSubdirectory("lifeboat-home-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, "comms"));
            await File.WriteAllBytesAsync(Path.Combine(home, "comms", "link.key"), new byte[10], Ct);
            var (shortExit, shortKey) = await CliFixture.RunOnAsync(CliFixture.Environment(CliFixture.OsUser),
                "incident", "customer-link", "issue", incident, "--account", account, "--connection", cli.ConnectionString, "--owner-connection", cli.Connections.Owner!, "--home", home);
            shortExit.ShouldBe(2, shortKey);
            shortKey.ShouldContain("holds 10 bytes, not 32");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }

        await using var desk = await DeskAsync(null);
        (await desk.Comms.CustomerLinksAsync(IncidentId.Parse(incident), null, Ct)).ShouldBeEmpty();
    }

    /// <summary>A public incident about one site of a new customer account: (incident, account, suffix).</summary>
    private async Task<(string Incident, string Account, string Suffix)> IncidentOfOneCustomerAsync()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var site = await cli.Platform.Sites.CreateAsync($"Shop {suffix}", "eu-west", false, Ct);
        var account = await cli.Platform.Accounts.CreateAsync($"Customer {suffix}", SupportTier.Premium, "eu-west", null, Ct);
        await cli.Platform.Accounts.LinkAsync(account.Id, site.Id, false, Ct);
        var (exit, declared) = await cli.RunAsync("incident", "declare", "--title", "Sites lost their apps", "--type", "mass-deletion", "--severity", "1", "--public",
            "--site", site.Id.Value);
        exit.ShouldBe(0, declared);
        return (IncidentPattern().Match(declared).Value, account.Id.Value, suffix);
    }

    /// <summary>The communication desk on the fixture's database, signing and checking links with <paramref name="key"/>.</summary>
    private async Task<Desks> DeskAsync(byte[]? key)
    {
        var incidents = await IncidentDesk.OpenAsync(cli.Platform, Ct);
        return new Desks(incidents, await CommunicationDesk.OpenAsync(cli.Platform, incidents, new CommunicationOptions { LinkKey = key }, Ct));
    }

    private sealed class Desks(IncidentDesk incidents, CommunicationDesk comms) : IAsyncDisposable
    {
        public CommunicationDesk Comms => comms;

        public async ValueTask DisposeAsync()
        {
            await comms.DisposeAsync();
            await incidents.DisposeAsync();
        }
    }

    /// <summary>The incident's updates as the desk reads them: equal before and after means nothing changed.</summary>
    private async Task<string> UpdatesAsync(string incident)
    {
        await using var desk = await DeskAsync(null);
        return JsonSerializer.Serialize(await desk.Comms.UpdatesAsync(IncidentId.Parse(incident), cancellationToken: Ct));
    }

    [GeneratedRegex("inc_[0-9a-z]+")]
    private static partial Regex IncidentPattern();

    [GeneratedRegex(@"http://127\.0\.0\.1:5080/customers/(v1\.[A-Za-z0-9_\-]+\.[0-9]+\.[A-Za-z0-9_\-]+)")]
    private static partial Regex LinkUrl();
}
