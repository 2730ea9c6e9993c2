namespace Lifeboat.Communication.Mail;

/// <summary>Where a message stands: queued (or queued again for a retry), taken by the mail server, given up on, or bounced.</summary>
public enum MessageState
{
    Queued,
    Sent,
    Failed,
    Bounced,
}

/// <summary>
/// One message to one address, as the log keeps it. <see cref="Purpose"/> is <c>update</c> (with its incident and update
/// number) or <c>subscription-confirm</c>. <see cref="SmtpResponse"/> is the server's answer to the message (its queue ID in
/// <see cref="SmtpQueueId"/>), or its refusal; <see cref="BounceSource"/> says whether the refusal came at SMTP time
/// (<c>smtp</c>) or later, in a delivery status notification (<c>dsn</c>).
/// </summary>
public sealed record MailLogEntry(
    long Id,
    string? Incident,
    int? Update,
    string Purpose,
    string Address,
    string? Account,
    bool Subscriber,
    MessageState State,
    int Attempts,
    string? LastError,
    string? SmtpQueueId,
    string? SmtpResponse,
    string? BounceSource,
    DateTimeOffset QueuedAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? BouncedAt,
    DateTimeOffset? NextAttemptAt);

/// <summary>What one pass of the sender did.</summary>
public sealed record MailSendResult(int Taken, int Sent, int Bounced, int Retrying, int Failed);

/// <summary>One address an update goes to; <see cref="Subscriber"/>: it comes (also) from a subscription, so its mail can be unsubscribed from.</summary>
public sealed record Recipient(string Address, string? Name, string? Account, bool Subscriber);
