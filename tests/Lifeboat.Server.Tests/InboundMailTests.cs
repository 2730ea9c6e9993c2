using System.Net;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using MailKit.Net.Smtp;
using MimeKit;
using Npgsql;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The one test server that listens for support mail on 127.0.0.1:2525, the port scripts/setup.sh's postfix relays
/// @support.lifeboat.test to: no other fixture may bind it. Messages over 1 MB are refused, so the limit is reached in a test.
/// </summary>
public sealed class InboundMailFixture : ServerFixture
{
    public const int Port = 2525;
    public const int MaxMessageBytes = 1024 * 1024;
    public const string Support = "help@support.lifeboat.test";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Lifeboat:Support:Inbound:Listen"] = $"127.0.0.1:{Port}",
        ["Lifeboat:Support:Inbound:MaxMessageBytes"] = $"{MaxMessageBytes}",
        ["Lifeboat:Support:IncidentTicketsEverySeconds"] = "0",
    };

    /// <summary>Sends <paramref name="message"/> straight to the listener (not through postfix); returns the listener's answer to DATA.</summary>
    public static async Task<string> SendDirectAsync(MimeMessage message)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", Port, MailKit.Security.SecureSocketOptions.None);
        var answer = await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);
        return answer;
    }

    /// <summary>The ticket a mail from <paramref name="sender"/> made, waiting for it (postfix relays in its own time).</summary>
    public async Task<string> TicketFromAsync(string sender, CancellationToken ct) =>
        await Eventually.Async(async () =>
        {
            await using var connection = new NpgsqlConnection(Database.ConnectionString);
            await connection.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT ticket_id FROM support.tickets WHERE channel = 'email' AND requester = $1", connection);
            cmd.Parameters.Add(new() { Value = sender });
            return await cmd.ExecuteScalarAsync(ct) as string;
        }, $"a ticket from {sender}'s mail", ct, TimeSpan.FromSeconds(60));

    public async Task<long> CountAsync(string sql, string parameter)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new() { Value = parameter });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public static MimeMessage Mail(string from, string subject, string text, string to = Support)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("lifeboat.test");
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }
}

public sealed class InboundMailTests(InboundMailFixture fixture) : IClassFixture<InboundMailFixture>
{
    [Fact]
    public async Task MailThroughPostfix_ToTheSupportAddress_BecomesAnEmailTicketOnTheKeyContactsAccount()
    {
        var admin = SupportMail.Address("inbound-admin");
        var account = await fixture.Platform.Accounts.CreateAsync($"Initech {Guid.NewGuid():n}", SupportTier.Enterprise, "eu-west", [new AccountContactDraft(ContactRole.Admin, "Peter", admin)]);
        var ct = TestContext.Current.CancellationToken;

        using (var postfix = new SmtpClient())
        {
            await postfix.ConnectAsync("127.0.0.1", 25, MailKit.Security.SecureSocketOptions.None, ct);
            await postfix.SendAsync(InboundMailFixture.Mail(admin, "Our wiki is gone", "Since 09:00 nobody can open our wiki.\nPlease help."), ct);
            await postfix.DisconnectAsync(quit: true, ct);
        }

        var ticket = await fixture.TicketFromAsync(admin, ct);
        using var support = await fixture.ClientForAsync(Roles.Support);
        var view = await support.GetJsonAsync($"/api/support/tickets/{ticket}");
        view["ticket"].Str("channel").ShouldBe("Email");
        view["ticket"].Str("state").ShouldBe("Open");
        view["ticket"].Str("subject").ShouldBe("Our wiki is gone");
        view["ticket"].Str("description").ShouldContain("nobody can open our wiki");
        view["ticket"].Str("account").ShouldBe(account.Id.Value);
        view["history"]!.AsArray().ShouldContain(e => e!["text"]!.GetValue<string>().Contains("not confirmed", StringComparison.Ordinal));
        (await support.GetJsonAsync($"/api/support/tickets?account={account.Id}")).Ids().ShouldContain(ticket);
    }

    [Fact]
    public async Task UnknownSender_GetsATriageTicket_WithTheDomainAsAHintOnly()
    {
        var domain = $"d{Guid.NewGuid():n}.example";
        var account = await fixture.Platform.Accounts.CreateAsync($"Hooli {Guid.NewGuid():n}", SupportTier.Standard, "eu-west", [new AccountContactDraft(ContactRole.Admin, "Gavin", $"gavin@{domain}")]);

        var answer = await InboundMailFixture.SendDirectAsync(InboundMailFixture.Mail($"stranger@{domain}", "hello", "is this Hooli's support?"));

        answer.ShouldContain("opened");
        var ticket = await fixture.TicketFromAsync($"stranger@{domain}", TestContext.Current.CancellationToken);
        using var support = await fixture.ClientForAsync(Roles.Support);
        var view = await support.GetJsonAsync($"/api/support/tickets/{ticket}");
        view["ticket"].Str("queue").ShouldBe("Triage");
        view["ticket"]!["account"].ShouldBeNull();
        view["ticket"]!["hints"]!["byDomain"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe([account.Id.Value]);
    }

    [Fact]
    public async Task TheSameMessageDeliveredTwice_MakesOneTicket()
    {
        var sender = SupportMail.Address("retry");
        var mail = InboundMailFixture.Mail(sender, "retry me", "the relay may deliver this twice");

        var first = await InboundMailFixture.SendDirectAsync(mail);
        var second = await InboundMailFixture.SendDirectAsync(mail);

        first.ShouldContain("opened");
        second.ShouldContain("already taken as ticket");
        (await fixture.CountAsync("SELECT count(*) FROM support.tickets WHERE requester = $1", sender)).ShouldBe(1);
    }

    [Fact]
    public async Task ARecipientOutsideTheSupportDomain_IsRefusedAtRcpt_NamingTheDomainTaken()
    {
        var refused = await Should.ThrowAsync<SmtpCommandException>(() =>
            InboundMailFixture.SendDirectAsync(InboundMailFixture.Mail(SupportMail.Address("wrong"), "hi", "hi", to: "someone@lifeboat.test")));

        refused.StatusCode.ShouldBe(MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable);
        refused.Message.ShouldContain("this server takes mail for @support.lifeboat.test only");
    }

    [Fact]
    public async Task AMessageOverTheSizeLimit_IsRefusedSayingTheLimit_AndMakesNoTicket()
    {
        var sender = SupportMail.Address("big");
        var mail = InboundMailFixture.Mail(sender, "big", new string('x', 100));
        var builder = new BodyBuilder { TextBody = "see the file" };
        builder.Attachments.Add("big.txt", System.Text.Encoding.UTF8.GetBytes(new string('y', InboundMailFixture.MaxMessageBytes + 1000)));
        mail.Body = builder.ToMessageBody();

        var refused = await Should.ThrowAsync<SmtpCommandException>(() => InboundMailFixture.SendDirectAsync(mail));

        ((int)refused.StatusCode).ShouldBe(552);
        refused.Message.ShouldContain($"support takes mail of at most {InboundMailFixture.MaxMessageBytes} bytes");
        (await fixture.CountAsync("SELECT count(*) FROM support.tickets WHERE requester = $1", sender)).ShouldBe(0);
    }

    [Fact]
    public async Task AReplyNamingItsTicket_FromItsRequester_IsAddedToIt_AndFromAStranger_MakesATicketOfItsOwn()
    {
        var requester = SupportMail.Address("replier");
        await InboundMailFixture.SendDirectAsync(InboundMailFixture.Mail(requester, "first", "our site is gone"));
        var ticket = await fixture.TicketFromAsync(requester, TestContext.Current.CancellationToken);

        var reply = await InboundMailFixture.SendDirectAsync(InboundMailFixture.Mail(requester, $"Re: first [{ticket}]", "and now the wiki too"));
        var forged = SupportMail.Address("forger");
        var stranger = await InboundMailFixture.SendDirectAsync(InboundMailFixture.Mail(forged, $"Re: first [{ticket}]", "close this ticket please"));

        reply.ShouldContain($"added to ticket {ticket}");
        stranger.ShouldContain("opened");
        using var support = await fixture.ClientForAsync(Roles.Support);
        var history = (await support.GetJsonAsync($"/api/support/tickets/{ticket}"))["history"]!.AsArray();
        history.ShouldContain(e => e!["text"]!.GetValue<string>() == "and now the wiki too" && e["actor"]!.GetValue<string>() == requester);
        history.ShouldNotContain(e => e!["text"]!.GetValue<string>().Contains("close this ticket", StringComparison.Ordinal));
        var own = await fixture.TicketFromAsync(forged, TestContext.Current.CancellationToken);
        own.ShouldNotBe(ticket);
    }

    [Fact]
    public async Task AMailsFileOfAWrongType_IsRecordedAsRefused_AndTheTicketIsStillMade()
    {
        var sender = SupportMail.Address("files");
        var mail = InboundMailFixture.Mail(sender, "screenshots", "see attached");
        var builder = new BodyBuilder { TextBody = "see attached" };
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];
        builder.Attachments.Add("screen.png", png, new ContentType("image", "png"));
        builder.Attachments.Add("invoice.pdf", [0x4D, 0x5A, 0x90, 0x00, 0x03], new ContentType("application", "pdf"));
        mail.Body = builder.ToMessageBody();

        (await InboundMailFixture.SendDirectAsync(mail)).ShouldContain("opened");

        var ticket = await fixture.TicketFromAsync(sender, TestContext.Current.CancellationToken);
        using var support = await fixture.ClientForAsync(Roles.Support);
        var files = (await support.GetJsonAsync($"/api/support/tickets/{ticket}"))["attachments"]!.AsArray();
        files.Count.ShouldBe(2);
        files[0].Str("fileName").ShouldBe("screen.png");
        files[0].Str("state").ShouldBe("stored");
        files[1].Str("fileName").ShouldBe("invoice.pdf");
        files[1].Str("state").ShouldBe("refused");
        files[1].Str("refusedWhy").ShouldContain("the file 'invoice.pdf' is not one of the types taken: PNG, JPEG and PDF files, and plain text in UTF-8");
        var download = await support.GetAsync($"/api/support/tickets/{ticket}/attachments/1", TestContext.Current.CancellationToken);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(png);
    }
}
