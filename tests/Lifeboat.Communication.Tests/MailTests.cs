using System.Diagnostics;
using System.Text.RegularExpressions;
using Lifeboat.Communication.Mail;
using Lifeboat.Communication.Updates;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using MailKit.Net.Smtp;
using MimeKit;
using static Lifeboat.Communication.Tests.ChannelTesting;

namespace Lifeboat.Communication.Tests;

public sealed partial class MailTests(CommsFixture fixture) : IClassFixture<CommsFixture>, IDisposable
{
    private readonly string _run = $"m{Guid.NewGuid():n}"[..13];

    private MailOptions Options => new() { From = "status@lifeboat.test", BounceAddress = "bounces@lifeboat.test", PublicUrl = new("https://status.example.com/") };

    private string Mine(string who) => $"{who}-{_run}@lifeboat.test";

    [Fact(Timeout = 60_000)]
    public async Task PublishedPublicUpdate_MailsEachContactAndConfirmedSubscriberOnce_ThroughTheLocalMailServer()
    {
        var mail = fixture.Desk.Mail(Options);
        // Subscribers of the tracker in ap-southeast: this test's alone (the others' sites are in us-east).
        var first = await SiteInRegionAsync(fixture, "ap-southeast", Mine("ana"), Mine("ben"), null);
        // The same person on two sites, written in another case: one message.
        var second = await SiteInRegionAsync(fixture, "ap-southeast", Mine("ANA").ToUpperInvariant());
        var subscriber = Mine("sub");
        await SubscribeAndConfirmAsync(mail, subscriber, "prd_tracker@ap-southeast");
        await mail.SubscribeAsync(Mine("pending"), ["prd_tracker@ap-southeast"]);           // never confirmed: no update mail
        await SubscribeAndConfirmAsync(mail, Mine("wiki"), "prd_wiki@eu-west");             // a component the incident does not touch: no update mail
        var incident = await fixture.DeclareAsync(sites: [first, second]);

        var update = await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Restoring 41%] Sites coming back", "41% of sites are back. <b>Not bold</b> & safe.");
        await mail.FanOutAsync();
        await RedeliverAsync(fixture, update);
        await mail.FanOutAsync();
        await mail.SendAsync();

        var log = await mail.MessagesAsync(incident.Id);
        log.Select(m => m.Address.ToLowerInvariant()).ShouldBe([Mine("ana"), Mine("ben"), subscriber], ignoreOrder: true);
        log.ShouldAllBe(m => m.State == MessageState.Sent && m.Update == update.Number && m.Attempts == 1 && m.SmtpResponse!.StartsWith("2.0.0 Ok: queued as"));
        log.ShouldAllBe(m => !string.IsNullOrEmpty(m.SmtpQueueId));

        var toAna = (await MailToAsync(Mine("ana"))).Single(m => m.Message.Subject == update.Subject).Message;
        toAna.TextBody.ShouldBe(update.Body);
        toAna.HtmlBody!.ShouldContain("&lt;b&gt;Not bold&lt;/b&gt; &amp; safe.");
        toAna.Headers.Contains("List-Unsubscribe").ShouldBeFalse("a key contact is told of incidents whether or not they subscribed");
        toAna.MessageId!.ShouldMatch("^[0-9a-f]{32}@lifeboat.test$");
        toAna.Headers["Return-Path"]!.ShouldMatch(@"^<bounces\+[0-9a-f]{32}@lifeboat.test>$");

        var toSubscriber = (await MailToAsync(subscriber)).Single(m => m.Message.Subject == update.Subject).Message;
        toSubscriber.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        var unsubscribe = toSubscriber.Headers["List-Unsubscribe"].ShouldNotBeNull();
        unsubscribe.ShouldMatch(@"^<https://status.example.com/comms/subscriptions/unsubscribe\?token=[A-Za-z0-9_-]{43}>$");
        toSubscriber.TextBody!.ShouldContain(unsubscribe.Trim('<', '>'));
        MailMatching(Mine("pending")).Where(m => m.Message.Subject == update.Subject).ShouldBeEmpty();
        MailMatching(Mine("wiki")).Where(m => m.Message.Subject == update.Subject).ShouldBeEmpty();
    }

    [Fact(Timeout = 60_000)]
    public async Task CustomerUpdate_GoesOnlyToItsAccountsKeyContacts()
    {
        var mail = fixture.Desk.Mail(Options);
        var theirs = await SiteWithContactsAsync(fixture, Mine("theirs"));
        var others = await SiteWithContactsAsync(fixture, Mine("others"));
        var accounts = fixture.Platform.Platform.Accounts;
        var customer = await accounts.CreateAsync($"Theirs {_run}", SupportTier.Standard, "us-east",
            [new AccountContactDraft(ContactRole.Billing, "Their billing", Mine("billing"))], TestContext.Current.CancellationToken);
        await accounts.LinkAsync(customer.Id, theirs, cancellationToken: TestContext.Current.CancellationToken);
        var elsewhere = await accounts.CreateAsync($"Elsewhere {_run}", SupportTier.Standard, "us-east", null, TestContext.Current.CancellationToken);
        var incident = await fixture.DeclareAsync(sites: [theirs, others]);

        var forThem = await PublishAsync(fixture, incident.Id, UpdateAudience.Customer, "[Restoring 50%] Your sites", "Your site is back.", account: customer.Id.Value);
        var noSites = await PublishAsync(fixture, incident.Id, UpdateAudience.Customer, "[Restoring 50%] Nobody", "None of their sites is affected.", account: elsewhere.Id.Value);
        var unknown = await PublishAsync(fixture, incident.Id, UpdateAudience.Customer, "[Restoring 50%] Nobody", "No such account.", account: "acc_customer2");
        var inside = await PublishAsync(fixture, incident.Id, UpdateAudience.Internal, "[Restoring 50%] Responders only", "Internal.");
        await mail.FanOutAsync();

        var log = await mail.MessagesAsync(incident.Id);
        log.Select(m => (m.Update, m.Address, m.Account)).ShouldBe([(forThem.Number, Mine("billing"), customer.Id.Value), (forThem.Number, Mine("theirs"), customer.Id.Value)], ignoreOrder: true);
        log.ShouldNotContain(m => m.Update == noSites.Number || m.Update == unknown.Number || m.Update == inside.Number);
    }

    [Fact(Timeout = 90_000)]
    public async Task KeyContactsMail_CarriesTheirAccountsOwnPage_OneLinkPerAccountAndIncident_AndARevokedLinkIsReplaced()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var desk = await CommunicationDesk.OpenAsync(fixture.Platform.Platform, fixture.Incidents,
            new CommunicationOptions { LinkKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), CustomerPageUrl = "https://status.example.com/customers/" }, ct);
        var mail = desk.Mail(Options);
        var site = await SiteWithContactsAsync(fixture, Mine("site-admin"));
        var account = await fixture.Platform.Platform.Accounts.CreateAsync($"Linked {_run}", SupportTier.Premium, "us-east",
            [new AccountContactDraft(ContactRole.Billing, "Their billing", Mine("acct-billing"))], ct);
        await fixture.Platform.Platform.Accounts.LinkAsync(account.Id, site, cancellationToken: ct);
        var loose = await SiteWithContactsAsync(fixture, Mine("no-account"));
        var incident = await fixture.DeclareAsync(sites: [site, loose]);

        async Task<(string? Admin, string? Billing, string? Loose)> PublishAndReadAsync(string subject)
        {
            await PublishAsync(fixture, incident.Id, UpdateAudience.Public, subject, "We are on it.", phase: UpdatePhase.Identified, label: "[Identified]");
            await mail.FanOutAsync();
            await mail.SendAsync();
            foreach (var who in new[] { "site-admin", "acct-billing", "no-account" })
            {
                var waited = Stopwatch.StartNew();
                while (!MailMatching(Mine(who)).Any(m => m.Message.Subject == subject) && waited.Elapsed < Patience)
                {
                    await Task.Delay(100, ct);
                }
            }

            string? TokenIn(string who) =>
                CustomerPageLink().Match(MailMatching(Mine(who)).Single(m => m.Message.Subject == subject).Message.TextBody!) is { Success: true } m ? m.Groups[1].Value : null;
            return (TokenIn("site-admin"), TokenIn("acct-billing"), TokenIn("no-account"));
        }

        var first = await PublishAndReadAsync($"[Identified] First {_run}");
        var token = first.Admin.ShouldNotBeNull("a key contact of an affected account gets their own page with the update");
        first.Billing.ShouldBe(token, "the account's contacts share the account's one page");
        first.Loose.ShouldBeNull("a site no account owns has no customer page");
        // The log names the customer each message reached, so "every affected customer was told" can be read from it.
        var log = await mail.MessagesAsync(incident.Id);
        log.Where(m => m.Address != Mine("no-account")).ShouldAllBe(m => m.Account == account.Id.Value);
        log.Single(m => m.Address == Mine("no-account") && m.Update == log.Min(l => l.Update)).Account.ShouldBeNull();
        (await desk.CustomerPageAsync(token, ct)).Account.ShouldBe(account.Id.Value);
        var html = MailMatching(Mine("site-admin")).Single(m => m.Message.Subject == $"[Identified] First {_run}").Message.HtmlBody!;
        html.ShouldContain($"href=\"https://status.example.com/customers/{token}\"");

        var second = await PublishAndReadAsync($"[Identified] Second {_run}");
        second.Admin.ShouldBe(token, "a later update mails the same page while it has a week left, not a new link each time");
        (await desk.CustomerLinksAsync(incident.Id, account.Id.Value, ct)).Count.ShouldBe(1);

        var issued = (await desk.CustomerLinksAsync(incident.Id, account.Id.Value, ct)).Single();
        await desk.RevokeCustomerLinkAsync(incident.Id, issued.Id, "forwarded to the wrong list", ct);
        var third = await PublishAndReadAsync($"[Identified] Third {_run}");
        third.Admin.ShouldNotBeNull().ShouldNotBe(token);
        (await desk.CustomerPageAsync(third.Admin!, ct)).Account.ShouldBe(account.Id.Value);
        (await Should.ThrowAsync<Lifeboat.Platform.PlatformException>(() => desk.CustomerPageAsync(token, ct))).Message.ShouldContain("was replaced or withdrawn");
    }

    [GeneratedRegex(@"https://status\.example\.com/customers/(\S+)")]
    private static partial Regex CustomerPageLink();

    [Fact(Timeout = 60_000)]
    public async Task RecipientRefusedAtSmtpTime_IsBouncedAtOnceWithTheServersAnswer_AndTheRestOfTheBatchIsStillSent()
    {
        await DrainAsync();
        var mail = fixture.Desk.Mail(Options);
        // postfix here takes mail for lifeboat.test only and refuses any other domain (550 5.1.1) while it is asked, at RCPT time.
        var unknown = $"nobody-{_run}@elsewhere.invalid";
        var site = await SiteWithContactsAsync(fixture, Mine("a-before"), unknown, Mine("z-after"));
        var incident = await fixture.DeclareAsync(sites: [site]);
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Identified] Cause found", "We know what happened.", phase: UpdatePhase.Identified, label: "[Identified]");
        await mail.FanOutAsync();

        var sent = await mail.SendAsync();

        sent.ShouldBe(new MailSendResult(Taken: 3, Sent: 2, Bounced: 1, Retrying: 0, Failed: 0));
        var log = await mail.MessagesAsync(incident.Id);
        var bounced = log.Single(m => m.Address == unknown);
        bounced.State.ShouldBe(MessageState.Bounced);
        bounced.BounceSource.ShouldBe("smtp");
        bounced.BouncedAt.ShouldNotBeNull();
        bounced.LastError!.ShouldContain("550");
        bounced.LastError!.ShouldContain("this mail server delivers to lifeboat.test and the example domains only");
        log.Where(m => m.Address != unknown).ShouldAllBe(m => m.State == MessageState.Sent);
        (await MailToAsync(Mine("z-after"))).ShouldNotBeEmpty();
    }

    [Fact(Timeout = 60_000)]
    public async Task DeliveryStatusNotification_ToTheVerpAddress_MarksTheMessageBouncedWithTheRemoteAnswer()
    {
        var mail = fixture.Desk.Mail(Options);
        var site = await SiteWithContactsAsync(fixture, Mine("later-bounces"), Mine("stays"));
        var incident = await fixture.DeclareAsync(sites: [site]);
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Monitoring] Watching", "All back; we watch.", phase: UpdatePhase.Monitoring, label: "[Monitoring]");
        await mail.FanOutAsync();
        await mail.SendAsync();
        var original = (await MailToAsync(Mine("later-bounces"))).Single().Message;

        // The remote side gives up later and reports it to the envelope sender, as an MTA does (RFC 3464); the report
        // travels through postfix into the Maildir the bounce address delivers to.
        var verp = original.Headers["Return-Path"]!.Trim('<', '>');
        await SendAsync(DeliveryStatusNotification(verp, Mine("later-bounces"), original.MessageId!, "5.2.2", "smtp; 552 5.2.2 mailbox full"));
        var marked = 0;
        var waited = Stopwatch.StartNew();
        while (marked == 0 && waited.Elapsed < Patience)
        {
            marked = await mail.ReadBouncesAsync(Maildir);
            await Task.Delay(100);
        }

        marked.ShouldBe(1);
        var log = await mail.MessagesAsync(incident.Id);
        var bounced = log.Single(m => m.Address == Mine("later-bounces"));
        bounced.State.ShouldBe(MessageState.Bounced);
        bounced.BounceSource.ShouldBe("dsn");
        bounced.LastError.ShouldBe("bounced; status 5.2.2; smtp; 552 5.2.2 mailbox full; reported by dns; mx.remote.example");
        bounced.SmtpQueueId.ShouldNotBeNull("the server took it first; the bounce came after");
        log.Single(m => m.Address == Mine("stays")).State.ShouldBe(MessageState.Sent);
        (await mail.ReadBouncesAsync(Maildir)).ShouldBe(0, "a report is read once");
    }

    [Fact(Timeout = 60_000)]
    public async Task DeliveryStatusNotification_WithoutVerp_IsMatchedByTheMessageIdItQuotes()
    {
        var options = new MailOptions { From = "status@lifeboat.test" };
        var mail = fixture.Desk.Mail(options);
        var site = await SiteWithContactsAsync(fixture, Mine("quoted"));
        var incident = await fixture.DeclareAsync(sites: [site]);
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Recovered] Done", "Everything is back.", phase: UpdatePhase.Recovered, label: "[Recovered]");
        await mail.FanOutAsync();
        await mail.SendAsync();
        var received = await MailToAsync(Mine("quoted"));
        received.Count.ShouldBe(1, string.Join("\n---\n", received.Select(r => r.File + "\n" + string.Join("\n", r.Message.Headers.Select(h => h.ToString())))));
        var original = received[0].Message;
        original.Headers["Return-Path"].ShouldBe("<status@lifeboat.test>");

        using var report = DeliveryStatusNotification("status@lifeboat.test", Mine("quoted"), original.MessageId!, "5.1.1", "smtp; 550 5.1.1 no such user");
        (await mail.RecordBounceAsync(report)).ShouldBe(1);
        var logged = await mail.MessagesAsync(incident.Id);
        logged.Count.ShouldBe(1, string.Join("; ", logged.Select(m => $"{m.Update} {m.Address} {m.State}")));
        logged[0].State.ShouldBe(MessageState.Bounced);

        // A report of another message (or an ordinary mail) changes nothing.
        using var stranger = DeliveryStatusNotification("status@lifeboat.test", Mine("quoted"), $"{Guid.NewGuid():n}@lifeboat.test", "5.1.1", "smtp; 550");
        (await mail.RecordBounceAsync(stranger)).ShouldBe(0);
        using var ordinary = new MimeMessage { Subject = "hello", Body = new TextPart("plain") { Text = "Message-ID: <" + original.MessageId + ">" } };
        (await mail.RecordBounceAsync(ordinary)).ShouldBe(0);
    }

    [Fact(Timeout = 60_000)]
    public async Task MailServerUnreachable_KeepsTheMessageQueuedWithTheReason_TriesAgainWithBackoff_ThenGivesUp()
    {
        await DrainAsync();
        var options = new MailOptions { From = "status@lifeboat.test", Port = 1, RetryAfter = TimeSpan.FromMinutes(1), MaxAttempts = 2 };
        var mail = fixture.Desk.Mail(options);
        var site = await SiteWithContactsAsync(fixture, Mine("unreachable"));
        var incident = await fixture.DeclareAsync(sites: [site]);
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Investigating] Looking", "We look into it.", phase: UpdatePhase.Investigating, label: "[Investigating]");
        await mail.FanOutAsync();

        (await mail.SendAsync()).Retrying.ShouldBe(1);
        var queued = (await mail.MessagesAsync(incident.Id)).Single();
        queued.State.ShouldBe(MessageState.Queued);
        queued.Attempts.ShouldBe(1);
        queued.LastError!.ShouldContain("127.0.0.1:1");
        var wait = queued.NextAttemptAt!.Value - fixture.Clock.GetUtcNow();
        wait.ShouldBeInRange(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(61), "the first retry waits half to all of RetryAfter");
        (await mail.SendAsync()).Taken.ShouldBe(0, "not due yet");

        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        (await mail.SendAsync()).Failed.ShouldBe(1);
        var failed = (await mail.MessagesAsync(incident.Id)).Single();
        failed.State.ShouldBe(MessageState.Failed);
        failed.LastError!.ShouldContain("gave up after 2 tries");
    }

    [Fact(Timeout = 120_000)]
    public async Task FanOutOfManyAddresses_IsSentInBatchesOverOneConnectionEach_FastEnoughForTwoThousandInAMinute()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_MAIL_TEST_ADDRESSES"), out var n) ? n : 400;
        await DrainAsync();
        var mail = fixture.Desk.Mail(new MailOptions { From = "status@lifeboat.test", BounceAddress = "bounces@lifeboat.test", BatchSize = 250 });
        var tag = $"bulk-{_run}";
        var contacts = Enumerable.Range(0, count).Select(i => $"{tag}-{i:D4}@lifeboat.test").ToArray();
        var sites = new List<Lifeboat.Platform.SiteId>();
        foreach (var chunk in contacts.Chunk(50))
        {
            sites.Add(await SiteWithContactsAsync(fixture, chunk));
        }

        var incident = await fixture.DeclareAsync(sites: sites);
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Restoring 10%] Many", "Reaching everyone.");

        var clock = Stopwatch.StartNew();
        await mail.FanOutAsync();
        var queuedIn = clock.Elapsed;
        var batches = 0;
        while ((await mail.SendAsync()).Taken > 0)
        {
            batches++;
        }

        var sentIn = clock.Elapsed;
        var log = await mail.MessagesAsync(incident.Id, limit: 10_000);
        log.Count.ShouldBe(count);
        log.ShouldAllBe(m => m.State == MessageState.Sent);
        batches.ShouldBe((count + 249) / 250);
        var perSecond = count / sentIn.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage($"{count} addresses: queued in {queuedIn.TotalSeconds:0.0} s, accepted by postfix in {sentIn.TotalSeconds:0.0} s ({perSecond:0} messages/s, {batches} connections)");
        perSecond.ShouldBeGreaterThan(2000 / 60.0, "2,000 addresses must reach the local MTA within a minute");
        await MailToAsync(tag, count, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task AddressThatDoesNotParse_IsRefusedNamingIt_AndChangesNothing()
    {
        var mail = fixture.Desk.Mail(Options);
        var refused = await RefusedAsync(fixture, () => mail.SubscribeAsync("alice at example dot com", ["prd_tracker@eu-west"]));
        refused.ShouldBe("the e-mail address 'alice at example dot com' is not an e-mail address that parses: give one mailbox such as name@example.com.");
        (await RefusedAsync(fixture, () => mail.SubscribeAsync("a@b@c", ["prd_tracker@eu-west"]))).ShouldContain("'a@b@c'");
        (await RefusedAsync(fixture, () => mail.SubscribeAsync(Mine("fine"), ["prd_nothing@eu-west"]))).ShouldContain("'prd_nothing@eu-west' is not a component");
        (await RefusedAsync(fixture, () => mail.SubscribeAsync(Mine("fine"), []))).ShouldContain("name 1 to 50 components");
    }

    /// <summary>Sends what earlier tests of the class left queued, so a test that counts a batch counts its own.</summary>
    private async Task DrainAsync()
    {
        var mail = fixture.Desk.Mail(Options);
        while ((await mail.SendAsync()).Taken > 0)
        {
        }
    }

    private async Task SubscribeAndConfirmAsync(MailChannel mail, string address, string component)
    {
        await mail.SubscribeAsync(address, [component]);
        await mail.SendAsync();
        var confirmation = (await MailToAsync(address)).Single(m => m.Message.Subject!.StartsWith("Confirm", StringComparison.Ordinal)).Message;
        var token = ConfirmLink().Match(confirmation.TextBody!).Groups[1].Value;
        (await mail.ConfirmAsync(token)).ShouldBe([component]);
    }

    /// <summary>A delivery status notification as an MTA writes one (RFC 3464): a human part, the machine-readable status, the original's headers.</summary>
    internal static MimeMessage DeliveryStatusNotification(string to, string failedRecipient, string originalMessageId, string status, string diagnostic)
    {
        var report = new MimeMessage();
        report.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@remote.example"));
        report.To.Add(MailboxAddress.Parse(to));
        report.Subject = "Undelivered Mail Returned to Sender";
        var deliveryStatus = new MessageDeliveryStatus();
        var perMessage = new HeaderList { { "Reporting-MTA", "dns; remote.example" } };
        var perRecipient = new HeaderList
        {
            { "Final-Recipient", $"rfc822; {failedRecipient}" },
            { "Action", "failed" },
            { "Status", status },
            { "Remote-MTA", "dns; mx.remote.example" },
            { "Diagnostic-Code", diagnostic },
        };
        deliveryStatus.StatusGroups.Add(perMessage);
        deliveryStatus.StatusGroups.Add(perRecipient);
        var headers = new TextPart("rfc822-headers") { Text = $"Message-ID: <{originalMessageId}>\r\nSubject: the original\r\n" };
        report.Body = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = $"I'm sorry to have to inform you that your message could not be delivered to {failedRecipient}." },
            deliveryStatus,
            headers,
        };
        return report;
    }

    private static async Task SendAsync(MimeMessage message)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", 25, MailKit.Security.SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    [GeneratedRegex(@"/comms/subscriptions/confirm\?token=([A-Za-z0-9_-]+)")]
    private static partial Regex ConfirmLink();

    public void Dispose() => RemoveMail(_run);
}
