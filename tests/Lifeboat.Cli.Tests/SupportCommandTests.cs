using Lifeboat.Communication.Mail;
using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Support;
using Lifeboat.Support.Intake;

namespace Lifeboat.Cli.Tests;

public sealed class SupportCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static SupportOptions Options => new()
    {
        Mail = new MailOptions { Host = "127.0.0.1", Port = 25, From = "support@lifeboat.test", FromName = "Lifeboat support", PublicUrl = new Uri("http://127.0.0.1:5080/") },
    };

    [Fact]
    public async Task SupportListsShowsAndLinksTickets_AndShowsTheAccountWhole_OnTheDatabase()
    {
        var platform = cli.Platform.WithActor("alice");
        var account = await platform.Accounts.CreateAsync($"Acme {Guid.NewGuid():n}", SupportTier.Enterprise, "eu-west",
            [new AccountContactDraft(ContactRole.Admin, "Dana Admin", SupportMail.Address("cli-admin"))]);
        var site = await platform.Sites.CreateAsync($"acme-{Guid.NewGuid():n}"[..16], "eu-west");
        await platform.Accounts.LinkAsync(account.Id, site.Id);
        await using var incidents = await IncidentDesk.OpenAsync(platform);
        var incident = await incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [site.Id] });
        await using var desk = await SupportDesk.OpenAsync(platform, Options);
        await desk.OpenIncidentTicketsAsync(incident.Id);
        await desk.RunClocksAsync();
        var stranger = SupportMail.Address("cli-stranger");
        var request = (await desk.SubmitAsync(new SupportRequest(stranger, "Acme", null, "They phoned: their wiki is gone"))).Request;
        await desk.VerifyCodeAsync(request, (await SupportMail.VerificationToAsync(stranger)).Code);
        string[] support = [Roles.Support];

        var (listExit, listed) = await cli.RunAsWithRolesAsync("sam", support, "support", "tickets", "--account", account.Id.Value);
        listExit.ShouldBe(0, listed);
        var task = (await desk.TicketsAsync(account: account.Id)).Single();
        listed.ShouldContain(task.Id.Value);
        listed.ShouldContain("urgent");
        (await cli.RunAsWithRolesAsync("sam", support, "support", "tickets", "--queue", "triage")).Output.ShouldContain(request.Value);

        var (linkExit, linked) = await cli.RunAsWithRolesAsync("sam", support, "support", "link", request.Value, account.Id.Value, "--reason", "the caller is their admin");
        linkExit.ShouldBe(0, linked);
        linked.ShouldContain($"Ticket {request} is on account {account.Id} now, in the general queue.");
        var (showExit, shown) = await cli.RunAsWithRolesAsync("sam", support, "support", "show", request.Value);
        showExit.ShouldBe(0, shown);
        shown.ShouldContain("linked to");
        shown.ShouldContain("the caller is their admin");

        var (accountExit, whole) = await cli.RunAsWithRolesAsync("sam", support, "support", "account", account.Id.Value);
        accountExit.ShouldBe(0, whole);
        whole.ShouldContain(account.Name);
        whole.ShouldContain(site.Id.Value);
        whole.ShouldContain("Tickets: 2 (1 tasks: the incident tickets of its sites); escalations by channel: form 1");
        whole.ShouldContain("Dana Admin");
        var (jsonExit, json) = await cli.RunAsWithRolesAsync("sam", support, "support", "account", account.Id.Value, "--json");
        jsonExit.ShouldBe(0, json);
        json.ShouldContain($"\"incident\": \"{incident.Id}\"");
    }

    [Fact]
    public async Task AnUnknownTeamExits2NamingTheTeams_AndLinkingWithoutSupportWriteExits4()
    {
        var (ownerExit, owner) = await cli.RunAsWithRolesAsync("sam2", [Roles.Support], "support", "tickets", "--owner", "mars");
        ownerExit.ShouldBe(2, owner);
        owner.ShouldContain("'mars' is not a support team; use one of: apac, emea, amer.");

        var (linkExit, link) = await cli.RunAsWithRolesAsync("vic", [Roles.Viewer], "support", "link", "tkt_01jq0000000000000000000000", "acct_01jq0000000000000000000000");
        linkExit.ShouldBe(4, link);
        link.ShouldContain("support.write");
    }
}
