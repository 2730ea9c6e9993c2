using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lifeboat.Communication.Webhooks;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Contacts;
using MimeKit;
using Npgsql;

namespace Lifeboat.Server.Tests;

/// <summary>A server whose channels send to the local postfix, allow webhooks to 127.0.0.1 and post internal updates to a stand-in for Slack.</summary>
public sealed class ChannelServerFixture : ServerFixture
{
    public const string Maildir = "/var/mail/lifeboat-test/inbox";

    public FakeSlackWebhook Slack { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Lifeboat:Communication:Mail:Host"] = "127.0.0.1",
        ["Lifeboat:Communication:Mail:From"] = "status@lifeboat.test",
        ["Lifeboat:Communication:PublicUrl"] = "https://status.example.com/",
        ["Lifeboat:Communication:IntervalSeconds"] = "0.2",
        ["Lifeboat:Communication:Webhooks:Allow"] = "127.0.0.1, *.hooks.example.com",
        ["Lifeboat:Communication:Webhooks:RetryAfterSeconds"] = "0.05",
        ["Lifeboat:Incidents:Notify:Webhooks"] = Slack.Url.AbsoluteUri,
        ["Lifeboat:Incidents:Notify:IntervalSeconds"] = "0.5",
        ["Lifeboat:RateLimits:SubscribePerMinute"] = "6",
    };

    /// <summary>A published update as the updates workflow leaves it: the row, approved and double-checked, and its outbox event.</summary>
    public async Task<int> PublishAsync(string incident, string audience, string subject, string body)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand("""
            WITH u AS (
                INSERT INTO comms.updates (incident_id, update_number, audience, phase, label, language, template, message, subject, body, figures,
                    state, origin, drafted_at, drafted_by, approved_at, approved_by, checked_at, checked_by, published_at, published_by)
                SELECT $1, coalesce(max(update_number), 0) + 1, $2, 'identified', '[Identified]', 'en', 'default', '', $3, '[Identified] ' || $4, '{}',
                    'published', 'person', now(), 'alice', now(), 'alice', now(), 'bob', now(), 'bob'
                FROM comms.updates WHERE incident_id = $1
                RETURNING update_number)
            INSERT INTO comms.events (event_type, incident_id, payload, at) SELECT 'update.published', $1, jsonb_build_object('number', update_number), now() FROM u
            RETURNING (payload->>'number')::int
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = incident });
        cmd.Parameters.Add(new() { Value = audience });
        cmd.Parameters.Add(new() { Value = subject });
        cmd.Parameters.Add(new() { Value = body });
        var number = (int)(await cmd.ExecuteScalarAsync())!;
        await tx.CommitAsync();
        return number;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Slack.Dispose();
    }
}

public sealed partial class ChannelApiTests(ChannelServerFixture fixture) : IClassFixture<ChannelServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string[] TrackerEuWest = ["prd_tracker@eu-west"];
    private static readonly string[] RestoreEvents = ["restore.*"];
    private static readonly string[] CiEvents = ["restore.*", "update.published"];
    private static readonly string[] UpdateEvents = ["update.*"];
    private readonly string _run = $"c{Guid.NewGuid():n}"[..13];

    private string Mine(string who) => $"{who}-{_run}@lifeboat.test";

    [Fact(Timeout = 120_000)]
    public async Task PublishedUpdate_IsMailedByTheServer_AndTheIncidentsMessageLogShowsEachDeliveryState_BouncesIncluded()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = SiteId.Parse((await fixture.NewSiteAsync("us-east")).Str("id"));
        await fixture.Platform.Contacts.AddAsync(site, ContactRole.Admin, "Ana", Mine("ana"), null, ct);
        var refused = $"nobody-{_run}@elsewhere.invalid";
        await fixture.Platform.Contacts.AddAsync(site, ContactRole.Technical, "Nobody", refused, null, ct);
        using var viewer = await fixture.ClientForAsync(Roles.Viewer);
        var incident = (await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = "sites deleted", type = "mass-deletion", severity = 2, sites = new[] { site.Value } }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        var number = await fixture.PublishAsync(incident, "public", "[Identified] The cleanup script", "A script deleted sites; we restore them.");

        var log = await Eventually.Async(async () =>
        {
            var messages = (await viewer.GetJsonAsync($"/api/incidents/{incident}/messages")).AsArray();
            return messages.Count == 2 && messages.All(m => m.Str("state") != "Queued") ? messages : null;
        }, "both messages to be sent or refused", ct, Patience);
        var sent = log.Single(m => m.Str("address") == Mine("ana"));
        (sent.Str("state"), (int)sent!["update"]!, sent.Str("purpose")).ShouldBe(("Sent", number, "update"));
        sent.Str("smtpQueueId").ShouldNotBeNullOrEmpty();
        var bounced = log.Single(m => m.Str("address") == refused);
        (bounced.Str("state"), bounced.Str("bounceSource")).ShouldBe(("Bounced", "smtp"));
        bounced.Str("lastError").ShouldContain("550 5.1.1");
        (await viewer.GetJsonAsync($"/api/incidents/{incident}/messages?state=bounced")).AsArray().Select(m => m.Str("address")).ShouldBe([refused]);

        var bad = await viewer.GetAsync($"/api/incidents/{incident}/messages?state=lost", ct);
        (await bad.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe("state 'lost' is not a delivery state; use queued, sent, failed or bounced.");
        await (await viewer.GetAsync("/api/incidents/inc_00000000000000000000000000/messages", ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact(Timeout = 120_000)]
    public async Task Subscribing_ConfirmingAndOneClickUnsubscribing_WorkWithoutLogin_AndTheAnswerNeverTellsWhoWasSubscribed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = fixture.AnonymousClient();
        var address = Mine("subscriber");
        var first = await anonymous.PostAsJsonAsync("/api/comms/subscriptions", new { email = address, components = TrackerEuWest }, ct);
        var firstBody = await first.ShouldBeJsonAsync(HttpStatusCode.Accepted);
        var confirmation = await MailAsync(address, m => m.Subject!.StartsWith("Confirm", StringComparison.Ordinal));
        var token = Regex.Match(confirmation.TextBody!, @"confirm\?token=([A-Za-z0-9_-]+)").Groups[1].Value;

        var page = await anonymous.GetAsync($"/comms/subscriptions/confirm?token={token}", ct);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await page.Content.ReadAsStringAsync(ct);
        html.ShouldContain("<form method=\"post\"><button type=\"submit\">Confirm</button></form>");
        html.ShouldContain("prd_tracker@eu-west");
        var confirmed = await anonymous.PostAsync($"/comms/subscriptions/confirm?token={token}", null, ct);
        confirmed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await confirmed.Content.ReadAsStringAsync(ct)).ShouldContain("Subscription confirmed");
        var again = await anonymous.PostAsync($"/comms/subscriptions/confirm?token={token}", null, ct);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadAsStringAsync(ct)).ShouldContain("this confirmation link was used already");

        // Subscribed already, or never heard of: the same answer.
        var repeat = await (await anonymous.PostAsJsonAsync("/api/comms/subscriptions", new { email = address, components = TrackerEuWest }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Accepted);
        var stranger = await (await anonymous.PostAsJsonAsync("/api/comms/subscriptions", new { email = Mine("stranger"), components = TrackerEuWest }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Accepted);
        repeat.ToJsonString().ShouldBe(firstBody.ToJsonString());
        stranger.ToJsonString().ShouldBe(firstBody.ToJsonString());

        // An update to the component's site carries RFC 8058's headers; a mail client's one-click POST unsubscribes, no login.
        var site = SiteId.Parse((await fixture.NewSiteAsync("eu-west")).Str("id"));
        await fixture.Platform.Provisioning.GrantLicenceAsync(site, ProductId.Parse(ServerFixture.Tracker), 5, ct);
        var incident = (await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = "tracker down", type = "mass-deletion", severity = 2, sites = new[] { site.Value } }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await fixture.PublishAsync(incident, "public", "[Identified] Tracker in eu-west", "We found it.");
        var update = await MailAsync(address, m => m.Subject == "[Identified] Tracker in eu-west");
        update.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        var unsubscribe = new Uri(update.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        unsubscribe.GetLeftPart(UriPartial.Path).ShouldBe("https://status.example.com/comms/subscriptions/unsubscribe");
        (await (await anonymous.GetAsync(unsubscribe.PathAndQuery, ct)).Content.ReadAsStringAsync(ct)).ShouldContain("<button type=\"submit\">Unsubscribe</button>");
        using var oneClick = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
        (await anonymous.PostAsync(unsubscribe.PathAndQuery, oneClick, ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await anonymous.GetAsync(unsubscribe.PathAndQuery, ct)).Content.ReadAsStringAsync(ct)).ShouldContain("gets no status updates by e-mail");

        var badAddress = await anonymous.PostAsJsonAsync("/api/comms/subscriptions", new { email = "not an address", components = TrackerEuWest }, ct);
        (await badAddress.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("'not an address' is not an e-mail address that parses");

        // Subscribing sends mail, so it is held to SubscribePerMinute per client address: 429 with Retry-After.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var answer = await anonymous.PostAsJsonAsync("/api/comms/subscriptions", new { email = Mine($"flood{i}"), components = TrackerEuWest }, ct);
            limited = answer.StatusCode == HttpStatusCode.TooManyRequests ? answer : null;
        }

        limited.ShouldNotBeNull();
        limited.Headers.RetryAfter.ShouldNotBeNull();
    }

    [Fact(Timeout = 120_000)]
    public async Task Webhooks_AreRegisteredWithASecretShownOnce_RefusedOffTheAllowList_AndDisabledNotDeleted()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = fixture.Client;
        var refused = await admin.PostAsJsonAsync("/api/comms/webhooks", new { url = "https://evil.example/hook", events = RestoreEvents }, ct);
        (await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail
            .ShouldBe("evil.example is not on the webhook allow-list (Lifeboat:Communication:Webhooks:Allow: 127.0.0.1, *.hooks.example.com): use a URL on one of those hosts, or have an administrator add this one.");

        var created = await (await admin.PostAsJsonAsync("/api/comms/webhooks", new { url = "https://ci.hooks.example.com/lifeboat", events = CiEvents, description = "CI" }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = created["webhook"].Str("id");
        created.Str("secret").ShouldStartWith("whsec_");
        var listed = (await admin.GetJsonAsync("/api/comms/webhooks")).AsArray().Single(w => w.Str("id") == id);
        listed!.ToJsonString().ShouldNotContain("whsec_");
        listed["events"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["restore.*", "update.published"]);

        var disabled = await (await admin.DeleteAsync($"/api/comms/webhooks/{id}?reason=moved", ct)).ShouldBeJsonAsync();
        disabled.Str("disabledReason").ShouldBe("moved");
        (await admin.GetJsonAsync($"/api/comms/webhooks/{id}")).Str("disabledBy").ShouldBe(ServerFixture.AdminLogin);
        (await admin.GetJsonAsync($"/api/comms/webhooks/{id}/deliveries")).AsArray().ShouldBeEmpty();
        await (await admin.GetAsync("/api/comms/webhooks/whk_nosuchwebhook00000/deliveries", ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        using var operatorClient = await fixture.ClientForAsync(Roles.Operator);
        var denied = await operatorClient.GetAsync("/api/comms/webhooks", ct);
        (await denied.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldContain(Permissions.ParticipantsManage);
    }

    [Fact(Timeout = 120_000)]
    public async Task ServerDeliversSignedEventsToARegisteredWebhook_AndPostsInternalUpdatesToTheChatWebhook()
    {
        var ct = TestContext.Current.CancellationToken;
        using var receiver = new HttpListener();
        var port = FreePort();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var created = await (await fixture.Client.PostAsJsonAsync("/api/comms/webhooks", new { url = $"http://127.0.0.1:{port}/hook", events = UpdateEvents }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var secret = created.Str("secret");
        var incident = (await (await fixture.Client.PostAsJsonAsync("/api/incidents", new { title = "chat and hooks", type = "mass-deletion", severity = 3 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");
        await fixture.PublishAsync(incident, "internal", $"[Identified] For responders {_run}", "The script is stopped.");

        // The server's other work (other tests' incidents, the product's own drafts) may be delivered too: answer those and wait for this one.
        while (true)
        {
            var context = await receiver.GetContextAsync().WaitAsync(Patience, ct);
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync(ct);
            WebhookSignature.Verify(context.Request.Headers[WebhookSignature.Header], body, secret, TimeProvider.System.GetUtcNow()).ShouldBeTrue();
            context.Request.Headers[WebhookSignature.DeliveryHeader].ShouldStartWith("dlv_");
            var ours = JsonNode.Parse(body)!["incident"]?.GetValue<string>() == incident && context.Request.Headers[WebhookSignature.EventHeader] == "update.published";
            context.Response.StatusCode = 204;
            context.Response.Close();
            if (ours)
            {
                break;
            }
        }

        var posted = await Eventually.Async(() => Task.FromResult(fixture.Slack.Accepted.FirstOrDefault(b => b.Contains(_run, StringComparison.Ordinal))),
            "the internal update on the chat webhook", ct, Patience);
        JsonNode.Parse(posted)!["text"]!.GetValue<string>().ShouldBe($"*[Identified] For responders {_run}*\n[Identified] The script is stopped.");
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static Task<MimeMessage> MailAsync(string address, Func<MimeMessage, bool> which) => Eventually.Async(() =>
    {
        var folder = Path.Combine(ChannelServerFixture.Maildir, "new");
        foreach (var file in Directory.Exists(folder) ? Directory.EnumerateFiles(folder) : [])
        {
            var text = File.ReadAllText(file);
            if (text.Contains(address, StringComparison.OrdinalIgnoreCase))
            {
                using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
                var message = MimeMessage.Load(stream);
                if (message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase)) && which(message))
                {
                    return Task.FromResult<MimeMessage?>(message);
                }
            }
        }

        return Task.FromResult<MimeMessage?>(null);
    }, $"a message to {address} (is postfix running? bash scripts/setup.sh postfix)", TestContext.Current.CancellationToken, Patience);

    public void Dispose()
    {
        var folder = Path.Combine(ChannelServerFixture.Maildir, "new");
        foreach (var file in Directory.Exists(folder) ? Directory.EnumerateFiles(folder) : [])
        {
            if (File.ReadAllText(file).Contains(_run, StringComparison.Ordinal))
            {
                File.Delete(file);
            }
        }
    }
}
