using MimeKit;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// How the mail channel reaches its mail server and what its messages say about themselves. The host reads them
/// from configuration (Lifeboat:Communication:Mail:…); tests set them directly.
/// </summary>
public sealed class MailOptions
{
    /// <summary>The SMTP server messages are handed to; STARTTLS is used when it offers it.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 25;

    public string From { get; init; } = "lifeboat@localhost";

    public string FromName { get; init; } = "Lifeboat";

    /// <summary>
    /// The envelope sender bounces go to, as a VERP base: <c>bounces@example.com</c> sends each message from
    /// <c>bounces+&lt;its token&gt;@example.com</c>, so a delivery status notification names the message it is about.
    /// None: messages are sent from <see cref="From"/>, and a bounce is matched by the Message-ID it quotes.
    /// </summary>
    public string? BounceAddress { get; init; }

    /// <summary>Messages taken and sent over one SMTP connection at a time.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Tries of a message the server did not take (4xx, connection lost) before it is marked failed.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first retry's delay; each further one doubles it (with jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a sender holds the messages it took: a sender that dies lets them be taken again after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where people reach Lifeboat's public pages: the base of confirmation and unsubscribe links.</summary>
    public Uri PublicUrl { get; init; } = new("http://127.0.0.1:5080/");

    /// <summary>A second subscription request within this long of a confirmation mail sends none.</summary>
    public TimeSpan ConfirmationEvery { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a confirmation link works.</summary>
    public TimeSpan ConfirmationLifetime { get; init; } = TimeSpan.FromHours(48);

    internal MailboxAddress Sender => new(FromName, MailAddresses.Require(From, "the sender address (Lifeboat:Communication:Mail:From)").Address);

    /// <summary>The domain of Message-IDs: the sender's.</summary>
    internal string MessageIdDomain => MailAddresses.Require(From, "the sender address (Lifeboat:Communication:Mail:From)").Domain;

    internal MailboxAddress EnvelopeSenderFor(string token)
    {
        if (BounceAddress is null)
        {
            return new MailboxAddress("", MailAddresses.Require(From, "the sender address").Address);
        }

        var bounce = MailAddresses.Require(BounceAddress, "the bounce address (Lifeboat:Communication:Mail:BounceAddress)");
        return new MailboxAddress("", $"{bounce.LocalPart}+{token}@{bounce.Domain}");
    }

    internal Uri Link(string path, string token) => new(new Uri(PublicUrl.AbsoluteUri.TrimEnd('/') + "/"), $"{path}?token={Uri.EscapeDataString(token)}");
}
