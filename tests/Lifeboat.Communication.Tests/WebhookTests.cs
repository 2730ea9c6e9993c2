using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lifeboat.Communication.Updates;
using Lifeboat.Communication.Webhooks;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using static Lifeboat.Communication.Tests.ChannelTesting;

namespace Lifeboat.Communication.Tests;

public sealed class WebhookTests(CommsFixture fixture) : IClassFixture<CommsFixture>
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private static WebhookOptions Options => new()
    {
        Allow = ["127.0.0.1", "*.hooks.example.com"],
        SecretKey = Key,
        RetryAfter = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    private static HttpClient Client() => new(new SocketsHttpHandler { AllowAutoRedirect = false });

    [Fact(Timeout = 120_000)]
    public async Task UpdateAndPerSiteRestoreEvents_ReachTheReceiverSigned_AtLeastOnce_WithTheSameDeliveryKeyOnEveryRetry()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst = 3;
        var webhooks = fixture.Desk.Webhooks(Options);
        var everything = await webhooks.CreateAsync(new Uri(receiver.Url, "all").AbsoluteUri, ["update.*", "restore.*"], "the status integration");
        var progressOnly = await webhooks.CreateAsync(new Uri(receiver.Url, "progress").AbsoluteUri, ["restore.progress"]);
        receiver.Secrets["/all"] = everything.Secret;
        receiver.Secrets["/progress"] = progressOnly.Secret;
        everything.Secret.ShouldStartWith("whsec_");
        (await webhooks.ListAsync()).ShouldContain(w => w.Id == everything.Webhook.Id && w.Enabled);

        var (incident, job, sites) = await DeleteAndRestoreThreeSitesAsync();
        var update = await PublishAsync(fixture, incident, UpdateAudience.Public, "[Restoring 100%] All back", "Every site is back.", label: "[Restoring 100%]");
        var want = sites.SelectMany(s => new[] { $"restore.started/{job}/{s}", $"restore.completed/{job}/{s}", $"restore.verified/{job}/{s}" })
            .Concat([$"restore.progress/{job}/30", $"restore.progress/{job}/60", $"restore.progress/{job}/100"]).ToList();

        await DeliverUntilAsync(webhooks, receiver, r => r.Path == "/all" && r.Answer == 200, want.Count + 1);

        var all = receiver.Requests.Where(r => r.Path == "/all").ToList();
        all.ShouldAllBe(r => r.Verified, "every request is signed with the webhook's secret, fresh");
        var accepted = all.Where(r => r.Answer == 200).Select(r => JsonNode.Parse(r.Body)!).ToList();
        accepted.Select(b => (string)b["id"]!).Where(k => !k.StartsWith("comms/", StringComparison.Ordinal)).ShouldBe(want, ignoreOrder: true);
        var published = accepted.Single(b => (string)b["type"]! == "update.published");
        ((int)published["data"]!["update"]!["number"]!).ShouldBe(update.Number);
        ((string)published["data"]!["update"]!["body"]!).ShouldBe(update.Body);
        ((string)published["incident"]!).ShouldBe(incident.Value);
        var verified = accepted.First(b => (string)b["type"]! == "restore.verified");
        ((string)verified["data"]!["job"]!).ShouldBe(job.Value);
        ((bool)verified["data"]!["validated"]!).ShouldBeTrue();
        accepted.Where(b => (string)b["type"]! == "restore.progress").Select(b => (int)b["data"]!["percent"]!).Order().ShouldBe([30, 60, 100]);
        all.ShouldAllBe(r => r.Event == JsonNode.Parse(r.Body)!["type"]!.GetValue<string>());

        // The refused tries came again with the same key and the same body, until taken.
        var refused = all.Where(r => r.Answer == 503).ToList();
        refused.ShouldNotBeEmpty();
        foreach (var first in refused)
        {
            all.ShouldContain(r => r.Delivery == first.Delivery && r.Answer == 200 && r.Body == first.Body);
        }

        all.Where(r => r.Answer == 200).Select(r => r.Delivery).ShouldBeUnique();
        receiver.Requests.Where(r => r.Path == "/progress" && r.Answer == 200).Select(r => r.Event).ShouldAllBe(e => e == "restore.progress");

        var log = await webhooks.DeliveriesAsync(everything.Webhook.Id);
        log.Count.ShouldBe(want.Count + 1);
        log.ShouldAllBe(d => d.State == DeliveryState.Delivered && d.DeliveredAt != null && d.Log.Count == d.Attempts);
        var retried = log.Where(d => d.Attempts > 1).ToList();
        retried.ShouldNotBeEmpty();
        retried.ShouldAllBe(d => d.Log[0].StatusCode == 503 && d.Log[0].Error == "the receiver answered 503 Service Unavailable" && d.Log[d.Log.Count - 1].StatusCode == 200);
        log.ShouldAllBe(d => d.Log.All(a => a.DurationMs >= 0));
    }

    [Fact(Timeout = 60_000)]
    public async Task SenderThatDiesAfterSendingBeforeRecording_SendsAgainOnceTheLeaseIsOver_WithTheSameDeliveryKey()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var webhooks = fixture.Desk.Webhooks(Options);
        var created = await webhooks.CreateAsync(new Uri(receiver.Url, "crash").AbsoluteUri, ["update.published"]);
        receiver.Secrets["/crash"] = created.Secret;
        var incident = await fixture.DeclareAsync();
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Identified] Found", "We found it.", phase: UpdatePhase.Identified, label: "[Identified]");
        await webhooks.TakeCommsEventsAsync();

        // The request reaches the receiver; then the sender dies before it records anything.
        using (var dying = new HttpClient(new DiesAfterSending(new SocketsHttpHandler { AllowAutoRedirect = false })))
        {
            await Should.ThrowAsync<InvalidOperationException>(() => webhooks.SendAsync(dying));
        }

        receiver.Requests.Count(r => r.Path == "/crash").ShouldBe(1);
        using var client = Client();
        await webhooks.SendAsync(client);
        receiver.Requests.Count(r => r.Path == "/crash").ShouldBe(1, "held by the sender that died, until its lease is over");
        fixture.Clock.Advance(Options.Lease + TimeSpan.FromSeconds(5));
        await webhooks.SendAsync(client);

        var got = receiver.Requests.Where(r => r.Path == "/crash").ToList();
        got.Count.ShouldBe(2);
        got.Select(r => r.Delivery).Distinct().Count().ShouldBe(1, "the receiver can drop the second: same Lifeboat-Delivery");
        got.ShouldAllBe(r => r.Verified);
        var delivery = (await webhooks.DeliveriesAsync(created.Webhook.Id)).ShouldHaveSingleItem();
        (delivery.State, delivery.Attempts, delivery.DeliveryId).ShouldBe((DeliveryState.Delivered, 2, got[0].Delivery));
        delivery.Log.Select(a => a.Attempt).ShouldBe([2], "the first attempt was never recorded: the sender died");
    }

    [Fact]
    public async Task UrlOffTheAllowList_OrPlainHttpAcrossTheNetwork_OrAnUnknownEvent_IsRefusedNamingWhy_AndChangesNothing()
    {
        var webhooks = fixture.Desk.Webhooks(Options);
        (await RefusedAsync(fixture, () => webhooks.CreateAsync("https://evil.example/hook", ["update.*"])))
            .ShouldBe("evil.example is not on the webhook allow-list (Lifeboat:Communication:Webhooks:Allow: 127.0.0.1, *.hooks.example.com): use a URL on one of those hosts, or have an administrator add this one.");
        (await RefusedAsync(fixture, () => webhooks.CreateAsync("https://hooks.example.com/x", ["update.*"]))).ShouldContain("not on the webhook allow-list");
        (await RefusedAsync(fixture, () => webhooks.CreateAsync("http://a.hooks.example.com/x", ["update.*"]))).ShouldContain("plain http on a host other than this machine");
        (await RefusedAsync(fixture, () => webhooks.CreateAsync("ftp://127.0.0.1/x", ["update.*"]))).ShouldContain("is not an http(s) URL");
        (await RefusedAsync(fixture, () => webhooks.CreateAsync("https://a.hooks.example.com/x", ["site.deleted"])))
            .ShouldStartWith("'site.deleted' matches no event: the events are update.drafted,");
        var none = fixture.Desk.Webhooks(new WebhookOptions { SecretKey = Key });
        (await RefusedAsync(fixture, () => none.CreateAsync("https://a.hooks.example.com/x", ["*"]))).ShouldContain("which is empty (Lifeboat:Communication:Webhooks:Allow)");

        var fine = await webhooks.CreateAsync("https://a.hooks.example.com/x", ["*"]);
        fine.Webhook.Url.Host.ShouldBe("a.hooks.example.com");
    }

    [Fact(Timeout = 60_000)]
    public async Task DisabledWebhook_IsKeptWithItsReason_AndItsPendingDeliveriesAreNotSent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var webhooks = fixture.Desk.Webhooks(Options);
        var created = await webhooks.CreateAsync(new Uri(receiver.Url, "off").AbsoluteUri, ["update.*"]);
        var incident = await fixture.DeclareAsync();
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Identified] Off", "Not to be sent.", phase: UpdatePhase.Identified, label: "[Identified]");
        await webhooks.TakeCommsEventsAsync();

        var disabled = await fixture.As("carol").Webhooks(Options).DisableAsync(created.Webhook.Id, "the receiver is retired");
        (disabled.Enabled, disabled.DisabledBy, disabled.DisabledReason).ShouldBe((false, "carol", "the receiver is retired"));
        using var client = Client();
        await webhooks.SendAsync(client);

        receiver.Requests.Where(r => r.Path == "/off").ShouldBeEmpty();
        var log = await webhooks.DeliveriesAsync(created.Webhook.Id);
        log.ShouldNotBeEmpty();
        log.ShouldAllBe(d => d.State == DeliveryState.Failed && d.LastError == "the webhook was disabled before this event was delivered");
        (await webhooks.ListAsync()).ShouldContain(w => w.Id == created.Webhook.Id && !w.Enabled);
        (await RefusedAsync(fixture, () => webhooks.DisableAsync("whk_nosuchwebhook00000", "x"))).ShouldStartWith("there is no webhook 'whk_nosuchwebhook00000'");
    }

    [Fact]
    public void Signature_VerifiesTheBodyWithinTheReplayWindow_AndNothingElse()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        const string body = """{"id":"comms/1","type":"update.published"}""";
        var header = WebhookSignature.Sign("whsec_test", now, body);
        header.ShouldStartWith("t=1700000000,v1=");

        WebhookSignature.Verify(header, body, "whsec_test", now.AddMinutes(4)).ShouldBeTrue();
        WebhookSignature.Verify(header, body, "whsec_test", now.AddMinutes(6)).ShouldBeFalse("older than the 5-minute replay window");
        WebhookSignature.Verify(header, body, "whsec_test", now.AddMinutes(6), TimeSpan.FromMinutes(10)).ShouldBeTrue();
        WebhookSignature.Verify(header, body + " ", "whsec_test", now).ShouldBeFalse("the body changed");
        WebhookSignature.Verify(header, body, "whsec_other", now).ShouldBeFalse("another secret");
        WebhookSignature.Verify(header.Replace("t=1700000000", "t=1700000100", StringComparison.Ordinal), body, "whsec_test", now).ShouldBeFalse("the time is signed too");
        WebhookSignature.Verify(null, body, "whsec_test", now).ShouldBeFalse();
        WebhookSignature.Verify("v1=zz", body, "whsec_test", now).ShouldBeFalse();
    }

    private async Task<(Lifeboat.Incidents.IncidentId Incident, RestoreJobId Job, IReadOnlyList<string> Sites)> DeleteAndRestoreThreeSitesAsync()
    {
        var platform = fixture.Platform.Platform;
        var sites = new List<SiteId>();
        for (var i = 0; i < 3; i++)
        {
            var site = (await platform.Sites.CreateAsync($"Customer {i} {Guid.NewGuid():n}", "eu-west")).Id;
            await platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            sites.Add(site);
        }

        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>()));
        if (plan.Decision.NeedsSecondApprover)
        {
            await platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        (await platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
        var incident = await fixture.DeclareAsync(sites: sites);
        var job = await platform.Restores.StartAsync(new RestoreJobRequest($"{incident.Id}: put the sites back") { Plan = plan.Id });
        await using (var worker = platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        return (incident.Id, job.Id, [.. sites.Select(s => s.Value)]);
    }

    private static async Task DeliverUntilAsync(WebhookChannel webhooks, WebhookReceiver receiver, Func<WebhookReceiver.Received, bool> counted, int count)
    {
        using var client = Client();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < Patience)
        {
            await webhooks.TakeCommsEventsAsync();
            await webhooks.TakeRestoreEventsAsync();
            await webhooks.SendAsync(client);
            if (receiver.Requests.Count(counted) >= count)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the receiver took {receiver.Requests.Count(counted)} of {count} events within {Patience.TotalSeconds} s");
    }

    /// <summary>Hands the request on, then throws as if the process died before the answer was recorded.</summary>
    private sealed class DiesAfterSending(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var answer = await base.SendAsync(request, cancellationToken);
            throw new InvalidOperationException($"the sender died after the receiver answered {(int)answer.StatusCode}");
        }
    }
}
