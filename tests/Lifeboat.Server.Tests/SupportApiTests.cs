using System.Net;
using System.Net.Http.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lifeboat.Server.Tests;

/// <summary>A server whose support mail goes to the local postfix, with intake limits low enough to reach in a test.</summary>
public sealed class SupportServerFixture : ServerFixture
{
    public const int PerAddress = 3;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Lifeboat:Communication:Mail:Host"] = "127.0.0.1",
        ["Lifeboat:Communication:Mail:From"] = "support@lifeboat.test",
        ["Lifeboat:Support:PerAddressPerHour"] = $"{PerAddress}",
        ["Lifeboat:Support:PerNetworkPerMinute"] = "25",
        ["Lifeboat:Support:IncidentTicketsEverySeconds"] = "1",
        ["Lifeboat:Support:ClocksEverySeconds"] = "1",
    };

    public IncidentDesk Incidents => Services.GetRequiredService<IncidentDeskLifetime>().Desk;
}

public sealed class SupportApiTests(SupportServerFixture fixture) : IClassFixture<SupportServerFixture>
{
    [Fact]
    public async Task KeyContact_RequestsAndVerifiesOverTheApi_AndSupportFindsTheTicketOnTheAccountWithTheIncident()
    {
        var admin = SupportMail.Address("api-admin");
        var platform = fixture.Platform;
        var account = await platform.Accounts.CreateAsync($"Acme {Guid.NewGuid():n}", SupportTier.Premium, "eu-west", [new AccountContactDraft(ContactRole.Admin, "Dana", admin)]);
        var site = await platform.Sites.CreateAsync($"Acme Wiki {Guid.NewGuid():n}"[..20], "eu-west");
        await platform.Accounts.LinkAsync(account.Id, site.Id);
        await platform.Sites.DeleteAsync(site.Id, "the cleanup script");
        var incident = await fixture.Incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev2, Sites = [site.Id] });
        using var anonymous = fixture.AnonymousClient();

        var accepted = await (await anonymous.PostAsJsonAsync("/api/support/requests", new { email = admin, site = site.Name, description = "our wiki is gone" }))
            .ShouldBeJsonAsync(HttpStatusCode.Accepted);
        accepted.Str("message").ShouldBe($"We sent a code to {admin}. Enter it here, or open the link in the mail, within 30 minutes to confirm your request.");
        var request = accepted.Str("request");
        var (code, _, _) = await SupportMail.VerificationToAsync(admin);
        var wrong = await (await anonymous.PostAsJsonAsync($"/api/support/requests/{request}/verify", new { code = code == "000000" ? "111111" : "000000" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        wrong.Detail.ShouldContain("4 tries left");
        (await (await anonymous.PostAsJsonAsync($"/api/support/requests/{request}/verify", new { code })).ShouldBeJsonAsync()).Str("request").ShouldBe(request);
        (await (await anonymous.PostAsJsonAsync($"/api/support/requests/{request}/verify", new { code })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("was used already");

        using var support = await fixture.ClientForAsync(Roles.Support);
        var ticket = await support.GetJsonAsync($"/api/support/tickets/{request}");
        ticket["ticket"].Str("account").ShouldBe(account.Id.Value);
        ticket["ticket"].Str("incident").ShouldBe(incident.Id.Value);
        var into = ticket["ticket"].Str("mergedInto");
        var merged = await support.GetJsonAsync($"/api/support/tickets/{into}");
        merged["ticket"].Str("channel").ShouldBe("Incident");
        merged["history"]!.AsArray().ShouldContain(e => e!["text"]!.GetValue<string>().Contains("our wiki is gone", StringComparison.Ordinal));
        (await support.GetJsonAsync($"/api/support/tickets?account={account.Id}")).Ids().ShouldContain(into);
        var answered = await (await support.PostAsJsonAsync($"/api/support/tickets/{into}/messages", new { text = "Restoring now." })).ShouldBeJsonAsync();
        answered["history"]!.AsArray()[^1]!.Str("text").ShouldBe("Restoring now.");
    }

    [Fact]
    public async Task MalformedAddress_Is400NamingTheField_AndStoresNothing()
    {
        using var anonymous = fixture.AnonymousClient();
        var before = await TicketCountAsync();

        var problem = await (await anonymous.PostAsJsonAsync("/api/support/requests", new { email = "dana at acme", description = "help" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.Detail.ShouldContain("'dana at acme' is not an e-mail address");
        (await TicketCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Flooding_OneAddress_Is429WithRetryAfter_AndAClearMessage()
    {
        using var anonymous = fixture.AnonymousClient();
        var address = SupportMail.Address("flood");
        for (var i = 0; i < SupportServerFixture.PerAddress; i++)
        {
            await (await anonymous.PostAsJsonAsync("/api/support/requests", new { email = address, description = $"help {i}" })).ShouldBeJsonAsync(HttpStatusCode.Accepted);
        }

        var flooded = await anonymous.PostAsJsonAsync("/api/support/requests", new { email = address.ToUpperInvariant(), description = "help again" });

        var problem = await flooded.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        problem.Detail.ShouldContain($"Too many support requests from {address.ToUpperInvariant()} in the last hour; try again in");
        int.Parse(flooded.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Honeypot_GetsTheSameAnswer_AndNoTicket()
    {
        using var anonymous = fixture.AnonymousClient();
        var address = SupportMail.Address("robot");
        var before = await TicketCountAsync();

        var answer = await (await anonymous.PostAsJsonAsync("/api/support/requests", new { email = address, description = "cheap pills", website = "http://spam.example" }))
            .ShouldBeJsonAsync(HttpStatusCode.Accepted);

        answer.Str("message").ShouldBe($"We sent a code to {address}. Enter it here, or open the link in the mail, within 30 minutes to confirm your request.");
        (await TicketCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task IncidentWithSites_GetsOneTicketPerSite_FromTheServersPass()
    {
        var platform = fixture.Platform;
        var sites = new[] { (await platform.Sites.CreateAsync($"S {Guid.NewGuid():n}", "eu-west")).Id, (await platform.Sites.CreateAsync($"S {Guid.NewGuid():n}", "eu-west")).Id };
        var incident = await fixture.Incidents.DeclareAsync(new IncidentDeclaration { Title = "two sites down", Type = "outage", Severity = IncidentSeverity.Sev3, Sites = sites });
        using var support = await fixture.ClientForAsync(Roles.Support);

        var tickets = await Eventually.Async(async () =>
        {
            var listed = (await support.GetJsonAsync("/api/support/tickets?queue=incident&limit=500")).AsArray()
                .Where(t => t!["incident"]?.GetValue<string>() == incident.Id.Value).ToList();
            return listed.Count == 2 ? listed : null;
        }, "one ticket per site of the incident", TestContext.Current.CancellationToken);

        tickets.Select(t => t!["sites"]!.AsArray().Single()!.GetValue<string>()).ShouldBe(sites.Select(s => s.Value), ignoreOrder: true);
    }

    private async Task<long> TicketCountAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM support.tickets", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// The network's limit on a server of its own: the flood uses up the window for every client on 127.0.0.1, which would turn the
/// other intake tests' requests into 429s whenever they ran after it.
/// </summary>
public sealed class SupportNetworkLimitFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Lifeboat:Support:PerNetworkPerMinute"] = "25",
    };
}

public sealed class SupportNetworkLimitTests(SupportNetworkLimitFixture fixture) : IClassFixture<SupportNetworkLimitFixture>
{
    [Fact]
    public async Task Flooding_FromOneNetwork_Is429FromTheRateLimiter()
    {
        using var anonymous = fixture.AnonymousClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 40 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last = await anonymous.PostAsJsonAsync("/api/support/requests/tkt_0000000000000000000000000a/verify", new { code = "123456" });
        }

        var problem = await last!.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        problem.Detail.ShouldContain("try again in");
        last!.Headers.RetryAfter.ShouldNotBeNull();
    }
}
