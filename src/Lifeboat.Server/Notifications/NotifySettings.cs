using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// Whom the server tells when an incident is declared, read from configuration (Lifeboat:Incidents:Notify:…).
/// No mail host and no webhook: nobody is told, and the server says so once at start.
/// </summary>
public sealed class NotifySettings
{
    public const string Section = "Lifeboat:Incidents:Notify";

    public string? MailHost { get; init; }

    public int MailPort { get; init; } = 25;

    public string MailFrom { get; init; } = "lifeboat@localhost";

    /// <summary>The responders' addresses.</summary>
    public IReadOnlyList<string> MailTo { get; init; } = [];

    /// <summary>Incoming-webhook URLs in the JSON format Slack and Mattermost accept (<c>{"text": …}</c>). They are secrets: never logged or stored.</summary>
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];

    /// <summary>The console's address as people reach it, for a link to the incident room; none, no link.</summary>
    public Uri? ConsoleUrl { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Tries per target before the notifier gives up and says so on the timeline.</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    public bool Any => (MailHost is not null && MailTo.Count > 0) || Webhooks.Count > 0;

    public static NotifySettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var mailTo = List(section["MailTo"]);
        var bad = mailTo.FirstOrDefault(a => !System.Net.Mail.MailAddress.TryCreate(a, out _));
        if (bad is not null)
        {
            throw new InvalidOperationException($"{Section}:MailTo lists '{bad}', which is not an e-mail address; give addresses separated by commas.");
        }

        var webhooks = List(section["Webhooks"]).Select(w =>
            Uri.TryCreate(w, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                ? uri
                : throw new InvalidOperationException($"{Section}:Webhooks lists an entry that is not an http(s) URL; give the incoming-webhook URLs separated by commas.")).ToList();
        var console = configuration["Lifeboat:ConsoleUrl"];
        return new NotifySettings
        {
            MailHost = string.IsNullOrWhiteSpace(section["MailHost"]) ? null : section["MailHost"]!.Trim(),
            MailPort = section.GetValue("MailPort", 25),
            MailFrom = section["MailFrom"] ?? "lifeboat@localhost",
            MailTo = mailTo,
            Webhooks = webhooks,
            ConsoleUrl = console is null ? null : new Uri(console.TrimEnd('/') + "/", UriKind.Absolute),
            Interval = TimeSpan.FromSeconds(section.GetValue("IntervalSeconds", 2.0)),
            MaxAttempts = section.GetValue("MaxAttempts", 5),
            RetryAfter = TimeSpan.FromSeconds(section.GetValue("RetryAfterSeconds", 10.0)),
        };
    }

    /// <summary>A webhook's name in the book and on the timeline: its host and a digest, never the secret path.</summary>
    public static string TargetOf(Uri webhook) =>
        $"webhook:{webhook.Host}#{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(webhook.AbsoluteUri)))[..12]}";

    private static List<string> List(string? value) =>
        [.. (value ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
