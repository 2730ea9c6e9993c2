using Lifeboat.Communication.Subscriptions;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using MimeKit;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// The e-mail channel and the subscriptions it serves (<see cref="CommunicationDesk.Mail"/>): published updates fanned
/// out to their recipients, the message log, the sender, bounces, and subscribing with double opt-in and one-click
/// unsubscribe. A host runs <see cref="FanOutAsync"/> and <see cref="SendAsync"/> in a loop; the rest answers requests.
/// </summary>
public sealed class MailChannel
{
    private readonly CommunicationDesk _desk;

    internal MailChannel(CommunicationDesk desk, MailOptions options)
    {
        _desk = desk;
        Options = options;
    }

    public MailOptions Options { get; }

    /// <summary>Reads the outbox as the consumer <c>mail</c>: each published public or customer update queues its messages. Returns the events read.</summary>
    public Task<int> FanOutAsync(int max = 20, CancellationToken cancellationToken = default) =>
        new UpdateFanOut(_desk).RunAsync(max, cancellationToken);

    /// <summary>Sends one batch of due messages over one SMTP connection and records every outcome.</summary>
    public Task<MailSendResult> SendAsync(CancellationToken cancellationToken = default) =>
        new MailSender(_desk, Options).SendBatchAsync(cancellationToken);

    /// <summary>Records a delivery status notification: the messages it reports as failed become bounced. Returns how many.</summary>
    public Task<int> RecordBounceAsync(MimeMessage report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new BounceIntake(_desk.Context).RecordAsync(report, cancellationToken);
    }

    /// <summary>Records the delivery status notifications the MTA delivered to a Maildir (the bounce address's); each matched one is moved to cur/.</summary>
    public Task<int> ReadBouncesAsync(string maildir, CancellationToken cancellationToken = default) =>
        new BounceIntake(_desk.Context).ReadMaildirAsync(maildir, cancellationToken);

    /// <summary>An incident's messages with their delivery states (1 to 10,000, default 1,000).</summary>
    public Task<IReadOnlyList<MailLogEntry>> MessagesAsync(IncidentId incident, int? update = null, MessageState? state = null, int limit = 1000,
        CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 10_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"limit is {limit}; give 1 to 10000 messages.");
        }

        return new MessageLog(_desk.Context).OfIncidentAsync(incident, update, state, limit, cancellationToken);
    }

    /// <summary>The last 100 messages to an address, newest first.</summary>
    public Task<IReadOnlyList<MailLogEntry>> MessagesToAsync(string address, CancellationToken cancellationToken = default) =>
        new MessageLog(_desk.Context).ToAddressAsync(MailAddresses.Require(address).Address, cancellationToken);

    /// <summary>
    /// Asks for status mail about <paramref name="components"/> (keys <c>prd_wiki@eu-west</c>); a confirmation mail is queued
    /// unless one went to the address lately. Refuses an address that does not parse or an unknown component, changing nothing.
    /// </summary>
    public Task SubscribeAsync(string? address, IReadOnlyList<string>? components, CancellationToken cancellationToken = default) =>
        new SubscriptionRequest(_desk, Options).SubscribeAsync(address, components, cancellationToken);

    /// <summary>What a confirmation or unsubscribe link is (purpose <c>confirm</c> or <c>unsubscribe</c>), without changing anything.</summary>
    public Task<SubscriptionLink> ReadLinkAsync(string? token, string purpose, CancellationToken cancellationToken = default) =>
        new SubscriptionLinks(_desk.Context).ReadAsync(token, purpose == SubscriptionTokens.Confirm ? SubscriptionTokens.Confirm : SubscriptionTokens.Unsubscribe,
            cancellationToken);

    public Task<IReadOnlyList<string>> ConfirmAsync(string? token, CancellationToken cancellationToken = default) =>
        new SubscriptionLinks(_desk.Context).ConfirmAsync(token, cancellationToken);

    public Task<int> UnsubscribeAsync(string? token, CancellationToken cancellationToken = default) =>
        new SubscriptionLinks(_desk.Context).UnsubscribeAsync(token, cancellationToken);
}
