using System.Globalization;
using Lifeboat.Platform;
using Lifeboat.Support.Internal;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Lifeboat.Support.Intake;

/// <summary>
/// Sends a request's code and link at once, over the product's mail server (the same settings as the communication module's
/// mail channel), and records what the server answered in support.mails. The secrets exist in clear only here, so the mail is
/// not queued for later: a mail the server did not take is recorded as failed, and the requester sends the form again.
/// </summary>
internal sealed class VerificationMail(SupportContext context, SupportOptions options)
{
    public const string VerifyPath = "support/verify";

    public async Task SendAsync(TicketId ticket, string address, string code, string token, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var link = new Uri(new Uri(options.Mail.PublicUrl.AbsoluteUri.TrimEnd('/') + "/"), $"{VerifyPath}?t={Uri.EscapeDataString(token)}");
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.Mail.FromName, options.Mail.From));
        message.To.Add(MailboxAddress.Parse(address));
        message.Subject = $"Your Lifeboat support code: {code}";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain")
        {
            Text = $"""
                Someone, we hope you, asked Lifeboat support for help with this address.

                Your code: {code}

                Enter it on the page that asked for it, or open this link:
                {link}

                The code and the link work once, until {expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.
                Your request's reference is {ticket}.

                If you did not ask for help, ignore this mail: nothing happens without the code.
                """,
        };

        string state;
        string answer;
        try
        {
            using var smtp = new SmtpClient();
            await smtp.ConnectAsync(options.Mail.Host, options.Mail.Port, SecureSocketOptions.StartTlsWhenAvailable, ct);
            answer = await smtp.SendAsync(message, ct);
            await smtp.DisconnectAsync(quit: true, ct);
            state = "sent";
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException or SslHandshakeException)
        {
            state = "failed";
            answer = e.Message;
        }

        await using var cmd = context.Command("""
            INSERT INTO support.mails (ticket_id, address, purpose, state, answer, at) VALUES ($1, $2, 'verification', $3, $4, $5)
            """);
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        cmd.Parameters.Add(SupportContext.Text(address));
        cmd.Parameters.Add(SupportContext.Text(state));
        cmd.Parameters.Add(SupportContext.Text(answer.Length > 2000 ? answer[..2000] : answer));
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
