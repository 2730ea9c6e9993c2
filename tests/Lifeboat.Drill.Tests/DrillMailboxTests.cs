using Lifeboat.Communication.Mail;
using Lifeboat.Drill.Incident;
using MailKit.Net.Smtp;
using MimeKit;

namespace Lifeboat.Drill.Tests;

public sealed class DrillMailboxTests
{
    [Fact]
    public async Task WithoutTheLocalMailServersMaildir_TheDrillStartsDebiansSmtpSink_AndReadsBackWhatItTook()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = Path.Combine(Path.GetTempPath(), "lifeboat-drill-mailbox-tests", Guid.NewGuid().ToString("n"));
        try
        {
            await using var mailbox = (await DrillMailbox.OpenAsync(work, Path.Combine(work, "no-such-maildir"), ct)).ShouldNotBeNull();
            mailbox.Server.ShouldStartWith("smtp-sink from Debian's postfix package", Case.Sensitive, "the drill says which server it started");
            mailbox.Port.ShouldNotBe(25);
            var since = TimeProvider.System.GetUtcNow();

            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Lifeboat", "status@vendor.example.com"));
            message.To.Add(new MailboxAddress("Admin", "admin@acme-1.example.com"));
            message.Subject = "[Investigating] 3 sites deleted";
            message.Headers.Add(MessageText.IncidentHeader, "inc_test");
            message.Headers.Add(MessageText.UpdateHeader, "1");
            message.Body = new TextPart("plain") { Text = "We are on it." };
            using (var smtp = new SmtpClient())
            {
                await smtp.ConnectAsync(mailbox.Host, mailbox.Port, MailKit.Security.SecureSocketOptions.None, ct);
                await smtp.SendAsync(message, ct);
                await smtp.DisconnectAsync(true, ct);
            }

            IReadOnlyList<DeliveredMessage> found = [];
            for (var i = 0; i < 50 && found.Count == 0; i++)
            {
                await Task.Delay(100, ct);
                found = mailbox.DeliveredSince(since, m => m.Incident == "inc_test");
            }

            var delivered = found.ShouldHaveSingleItem();
            (delivered.To, delivered.Subject, delivered.Update).ShouldBe(("admin@acme-1.example.com", "[Investigating] 3 sites deleted", (int?)1));
        }
        finally
        {
            TestFiles.DeleteTree(work);
        }
    }
}
