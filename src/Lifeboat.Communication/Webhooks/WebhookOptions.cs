namespace Lifeboat.Communication.Webhooks;

/// <summary>Where webhooks may go, the key their secrets are sealed under, and how deliveries are retried (Lifeboat:Communication:Webhooks:…).</summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// Host patterns a webhook's URL must match: a host (<c>hooks.example.com</c>, <c>127.0.0.1</c>) or every subdomain of
    /// one (<c>*.example.com</c>). Empty: no webhook can be registered.
    /// </summary>
    public IReadOnlyList<string> Allow { get; init; } = [];

    /// <summary>The 32-byte AES key webhook secrets are sealed under (AES-GCM). The server keeps it in its home, owner-only, or takes it from configuration.</summary>
    public required byte[] SecretKey { get; init; }

    /// <summary>Tries of a delivery before it is marked failed.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The first retry's delay; each further one doubles it, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a sender holds the deliveries it took: one that dies lets them be sent again after this (at least once).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Deliveries taken per pass, sent concurrently up to <see cref="Concurrency"/>.</summary>
    public int BatchSize { get; init; } = 100;

    public int Concurrency { get; init; } = 8;

    /// <summary>The setting that holds <see cref="Allow"/>, named in refusals.</summary>
    public const string AllowSetting = "Lifeboat:Communication:Webhooks:Allow";
}
