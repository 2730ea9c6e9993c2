namespace Lifeboat.Communication.Webhooks;

/// <summary>A webhook subscription, without its secret (shown once, at registration).</summary>
public sealed record Webhook(string Id, Uri Url, IReadOnlyList<string> Events, string? Description, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? DisabledAt, string? DisabledBy, string? DisabledReason)
{
    public bool Enabled => DisabledAt is null;
}

/// <summary>A webhook just registered, with its signing secret: the only time the secret is shown.</summary>
public sealed record CreatedWebhook(Webhook Webhook, string Secret);

public enum DeliveryState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event to one webhook: its idempotency key (<see cref="DeliveryId"/>, the <c>Lifeboat-Delivery</c> header), where it stands, and every attempt.</summary>
public sealed record WebhookDelivery(string DeliveryId, string EventKey, string EventType, DeliveryState State, int Attempts, int? LastStatus, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, IReadOnlyList<WebhookAttempt> Log);

/// <summary>One try: the receiver's status code (null when it did not answer), the error, how long it took.</summary>
public sealed record WebhookAttempt(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);

/// <summary>What one pass of the webhook sender did.</summary>
public sealed record WebhookSendResult(int Taken, int Delivered, int Retrying, int Failed);
