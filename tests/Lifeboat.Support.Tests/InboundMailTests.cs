using Lifeboat.Platform;
using Lifeboat.Support.Inbound;
using Lifeboat.Support.Tickets;
using MimeKit;

namespace Lifeboat.Support.Tests;

public sealed class InboundMailTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private static byte[] Raw(string from, string subject, string text, string? messageId = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("help@support.lifeboat.test"));
        message.Subject = subject;
        message.MessageId = messageId ?? MimeKit.Utils.MimeUtils.GenerateMessageId("lifeboat.test");
        message.Body = new TextPart("plain") { Text = text };
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task Mail_FromAKeyContact_IsATicketOnTheAccount_WithItsIncident_ButNotMergedIntoTheSitesTicket()
    {
        var admin = SupportMail.Address("mail-admin");
        var (account, site) = await fixture.CustomerAsync(admin, $"Mail {Guid.NewGuid():n}"[..20]);
        var incident = await fixture.DeclareAsync([site], Lifeboat.Incidents.IncidentSeverity.Sev2);

        var receipt = await fixture.Desk.ReceiveMailAsync(Raw(admin, "Our site is gone", "nobody can sign in"), TestContext.Current.CancellationToken);

        receipt.Outcome.ShouldBe(InboundOutcome.Created);
        var ticket = (await fixture.Desk.GetTicketAsync(receipt.Ticket, TestContext.Current.CancellationToken)).Ticket;
        ticket.ShouldSatisfyAllConditions(
            t => t.Channel.ShouldBe(TicketChannel.Email),
            t => t.Account.ShouldBe(account.Id),
            t => t.Incident.ShouldBe(incident.Id),
            t => t.Queue.ShouldBe(TicketQueue.Incident),
            t => t.MergedInto.ShouldBeNull("a From that anyone can forge does not write into the site's incident ticket"),
            t => t.State.ShouldBe(TicketState.Open));
    }

    [Fact]
    public async Task Mail_WithoutAFromAddress_IsRefused_AndStoresNothing()
    {
        var raw = System.Text.Encoding.ASCII.GetBytes("To: help@support.lifeboat.test\r\nSubject: hi\r\nMessage-ID: <x-" + Guid.NewGuid().ToString("n") + "@lifeboat.test>\r\n\r\nhello\r\n");

        var refused = await fixture.RefusedAsync(() => fixture.Desk.ReceiveMailAsync(raw, TestContext.Current.CancellationToken));

        refused.Kind.ShouldBe(PlatformErrorKind.Invalid);
        refused.Message.ShouldContain("the mail has no From address");
    }

    [Fact]
    public async Task Mail_LongerThanADescription_IsCutAndSaysSo()
    {
        var sender = SupportMail.Address("long-mail");

        var receipt = await fixture.Desk.ReceiveMailAsync(Raw(sender, "long", new string('あ', 12_000)), TestContext.Current.CancellationToken);

        var ticket = (await fixture.Desk.GetTicketAsync(receipt.Ticket, TestContext.Current.CancellationToken)).Ticket;
        ticket.Description.Length.ShouldBe(10_000);
        ticket.Description.ShouldEndWith("[cut here: the mail was longer than the 10,000 characters a ticket keeps]");
    }
}
