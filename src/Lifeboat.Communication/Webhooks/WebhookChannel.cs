using Lifeboat.Platform;

namespace Lifeboat.Communication.Webhooks;

/// <summary>
/// Webhooks (<see cref="CommunicationDesk.Webhooks"/>): registered, listed and disabled by people; fed by the comms outbox
/// (<see cref="TakeCommsEventsAsync"/>) and the platform's (<see cref="TakeRestoreEventsAsync"/>); delivered by
/// <see cref="SendAsync"/>. A host runs the last three in a loop.
/// </summary>
public sealed class WebhookChannel
{
    private readonly CommunicationDesk _desk;

    internal WebhookChannel(CommunicationDesk desk, WebhookOptions options)
    {
        _desk = desk;
        Options = options;
    }

    public WebhookOptions Options { get; }

    /// <summary>Registers a webhook; the result holds its signing secret, shown this once. Refuses a URL off the allow-list or an unknown event, changing nothing.</summary>
    public Task<CreatedWebhook> CreateAsync(string? url, IReadOnlyList<string>? events, string? description = null, CancellationToken cancellationToken = default) =>
        new WebhookRegistration(_desk.Context, Options).CreateAsync(url, events, description, cancellationToken);

    public Task<IReadOnlyList<Webhook>> ListAsync(CancellationToken cancellationToken = default) =>
        new WebhookRegistration(_desk.Context, Options).ListAsync(cancellationToken);

    public Task<Webhook> GetAsync(string? id, CancellationToken cancellationToken = default) =>
        new WebhookRegistration(_desk.Context, Options).GetAsync(id, cancellationToken);

    /// <summary>Disables a webhook (never deletes it): its pending deliveries are not sent; its log stays.</summary>
    public Task<Webhook> DisableAsync(string? id, string? reason, CancellationToken cancellationToken = default) =>
        new WebhookRegistration(_desk.Context, Options).DisableAsync(id, reason, cancellationToken);

    /// <summary>A webhook's deliveries, newest first (1 to 1,000), each with its attempts.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(string? id, int limit = 100, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 1000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"limit is {limit}; give 1 to 1000 deliveries.");
        }

        var webhook = await GetAsync(id, cancellationToken);
        return await new DeliveryLog(_desk.Context).OfAsync(webhook.Id, limit, cancellationToken);
    }

    /// <summary>Reads the comms outbox as the consumer <c>webhooks</c> and queues a delivery per interested webhook. Returns the events read.</summary>
    public Task<int> TakeCommsEventsAsync(int max = 100, CancellationToken cancellationToken = default) =>
        new CommsEventIntake(_desk).RunAsync(max, cancellationToken);

    /// <summary>Reads the platform's outbox as the consumer <c>comms-webhooks</c> and queues the per-site restore events. Returns the events read.</summary>
    public Task<int> TakeRestoreEventsAsync(int max = 100, CancellationToken cancellationToken = default) =>
        new RestoreEventIntake(_desk).RunAsync(max, cancellationToken);

    /// <summary>Sends one batch of due deliveries with <paramref name="http"/>, which must not follow redirects.</summary>
    public Task<WebhookSendResult> SendAsync(HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        return new WebhookSender(_desk.Context, Options, http).SendBatchAsync(cancellationToken);
    }
}
