using System.Globalization;
using System.Security.Cryptography;
using Lifeboat.Communication.Chat;
using Lifeboat.Communication.Mail;
using Lifeboat.Communication.Webhooks;
using Lifeboat.Server.Notifications;
using Lifeboat.Storage.Hosting;

namespace Lifeboat.Server.Communication;

/// <summary>
/// The channels' settings, read once from configuration (Lifeboat:Communication:…). Mail goes to
/// Lifeboat:Communication:Mail:Host, or the declaration notices' mail host when none is given; no host, no mail is sent
/// (messages stay queued, and the server says so at start). Chat posts go to the declaration notices' webhooks. The
/// webhook secret key is Lifeboat:Communication:Webhooks:SecretKey (32 bytes in base64), or a key the server makes once
/// in its home (webhook-secret.key, owner-only).
/// </summary>
public sealed class ChannelSettings
{
    public const string Section = "Lifeboat:Communication";

    public required MailOptions Mail { get; init; }

    /// <summary>False when no mail host is configured: messages are queued and logged, not sent.</summary>
    public bool MailEnabled { get; init; }

    /// <summary>A Maildir the MTA delivers the bounce address's mail to; the server reads its delivery status notifications.</summary>
    public string? BounceMaildir { get; init; }

    public required WebhookOptions Webhooks { get; init; }

    public required ChatOptions Chat { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public static ChannelSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var mail = section.GetSection("Mail");
        var notify = NotifySettings.Read(configuration);
        var host = Text(mail["Host"]) ?? notify.MailHost;
        var publicUrl = Text(section["PublicUrl"]) ?? Text(configuration["Lifeboat:ConsoleUrl"]) ?? "http://127.0.0.1:5080/";
        if (!Uri.TryCreate(publicUrl, UriKind.Absolute, out var publicUri))
        {
            throw new InvalidOperationException($"{Section}:PublicUrl is '{publicUrl}', which is not an absolute URL; give the address people reach Lifeboat's public pages at.");
        }

        var from = Text(mail["From"]) ?? notify.MailFrom;
        MailAddresses.Require(from, $"{Section}:Mail:From");
        var bounce = Text(mail["BounceAddress"]);
        if (bounce is not null)
        {
            MailAddresses.Require(bounce, $"{Section}:Mail:BounceAddress");
        }

        var hooks = section.GetSection("Webhooks");
        return new ChannelSettings
        {
            MailEnabled = host is not null,
            Mail = new MailOptions
            {
                Host = host ?? "127.0.0.1",
                Port = mail.GetValue("Port", notify.MailPort),
                From = from,
                FromName = Text(mail["FromName"]) ?? "Lifeboat",
                BounceAddress = bounce,
                BatchSize = mail.GetValue("BatchSize", 500),
                MaxAttempts = mail.GetValue("MaxAttempts", 5),
                RetryAfter = TimeSpan.FromSeconds(mail.GetValue("RetryAfterSeconds", 30.0)),
                PublicUrl = publicUri,
            },
            BounceMaildir = Text(mail["BounceMaildir"]),
            Webhooks = new WebhookOptions
            {
                Allow = List(hooks, "Allow"),
                SecretKey = SecretKey(configuration, hooks),
                MaxAttempts = hooks.GetValue("MaxAttempts", 8),
                RetryAfter = TimeSpan.FromSeconds(hooks.GetValue("RetryAfterSeconds", 10.0)),
                MaxRetryDelay = TimeSpan.FromSeconds(hooks.GetValue("MaxRetryDelaySeconds", 3600.0)),
                Timeout = TimeSpan.FromSeconds(hooks.GetValue("TimeoutSeconds", 10.0)),
            },
            Chat = new ChatOptions
            {
                Webhooks = notify.Webhooks,
                MaxAttempts = section.GetSection("Chat").GetValue("MaxAttempts", notify.MaxAttempts),
                RetryAfter = TimeSpan.FromSeconds(section.GetSection("Chat").GetValue("RetryAfterSeconds", notify.RetryAfter.TotalSeconds)),
            },
            Interval = TimeSpan.FromSeconds(section.GetValue("IntervalSeconds", 1.0)),
        };
    }

    /// <summary>A list setting given as a list, or as one string separated by commas or spaces.</summary>
    private static List<string> List(IConfigurationSection section, string key)
    {
        var listed = section.GetSection(key).GetChildren().Select(c => c.Value).OfType<string>().ToList();
        var joined = listed.Count > 0 ? string.Join(",", listed) : section[key] ?? "";
        return [.. joined.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    private static byte[] SecretKey(IConfiguration configuration, IConfigurationSection hooks)
    {
        if (Text(hooks["SecretKey"]) is { } given)
        {
            try
            {
                var key = Convert.FromBase64String(given);
                return key.Length == 32 ? key : throw new FormatException();
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException($"{Section}:Webhooks:SecretKey must be 32 bytes in base64 (openssl rand -base64 32).", e);
            }
        }

        // A key of the server's own, made once in its home and readable by its owner only.
        var home = new LifeboatHome(Text(configuration["Lifeboat:Home"]), Text(configuration["Lifeboat:Connection"]));
        Directory.CreateDirectory(home.Path);
        var file = Path.Combine(home.Path, "webhook-secret.key");
        if (!File.Exists(file))
        {
            var key = RandomNumberGenerator.GetBytes(32);
            var temp = file + "." + Guid.NewGuid().ToString("n", CultureInfo.InvariantCulture);
            File.WriteAllText(temp, Convert.ToBase64String(key));
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                File.Move(temp, file, overwrite: false);
            }
            catch (IOException)
            {
                File.Delete(temp); // another process made it first: use theirs
            }
        }

        return Convert.FromBase64String(File.ReadAllText(file).Trim());
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
