using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Communication.Chat;

/// <summary>
/// The incident's chat webhooks (incoming webhooks taking <c>{"text": …}</c>, Slack's and Mattermost's format): the server
/// gives the ones the declaration notices go to (Lifeboat:Incidents:Notify:Webhooks). Their URLs are secrets, kept in
/// configuration only; the log names each by its host and a digest.
/// </summary>
public sealed class ChatOptions
{
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];

    public int MaxAttempts { get; init; } = 5;

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A webhook's name in the log: its host and a digest of its URL, never the secret path (as the declaration notices name it).</summary>
    public static string TargetOf(Uri webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return $"webhook:{webhook.Host}#{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(webhook.AbsoluteUri)))[..12]}";
    }
}

/// <summary>One internal update's post to one chat webhook, and its attempts.</summary>
public sealed record ChatPost(int Update, string Target, string TargetName, string State, int Attempts, int? LastStatus, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? PostedAt, IReadOnlyList<ChatAttempt> Log);

public sealed record ChatAttempt(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);
