using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;

namespace Lifeboat.Server.Support;

/// <summary>
/// The public intake's limits, with ASP.NET Core's rate limiter: per network (a /24 of IPv4, a /64 of IPv6, so one host cannot
/// dodge it by changing its last bits) as an endpoint policy, and per e-mail address, checked once the body names it. Either
/// answers 429 with Retry-After and a message saying when to try again.
/// </summary>
public sealed class IntakeLimits : IDisposable
{
    public const string NetworkPolicy = "support-intake";

    /// <summary>
    /// Room for the text fields of the largest valid request, however it is encoded: 10,954 characters of fields (description,
    /// company, site, address) take at most 9 bytes each URL-encoded (a 3-byte UTF-8 character as three %XX) and 6 as JSON
    /// escapes, about 100 KB; 256 KB leaves room enough that a description too long by far still gets its own message.
    /// </summary>
    public const long TextBytes = 256 * 1024;

    /// <summary>One file at its limit in a multipart part (its bytes and its part's headers).</summary>
    private const long FilePartBytes = Lifeboat.Support.Attachments.AttachmentLimits.MaxBytes + 4096;

    /// <summary>The form's body: its fields and three files of 5 MB, multipart.</summary>
    public const long FormBodyBytes = TextBytes + (Lifeboat.Support.Attachments.AttachmentLimits.MaxFiles * FilePartBytes);

    /// <summary>The API's body: its fields and three files of 5 MB in base64 (4 bytes for every 3).</summary>
    public const long ApiBodyBytes = TextBytes + (Lifeboat.Support.Attachments.AttachmentLimits.MaxFiles * ((FilePartBytes * 4 / 3) + 4));

    /// <summary>What a 413 of the intake says the request may hold.</summary>
    public const string BodyExplained =
        "A support request holds an address, a company (200 characters), a site (500), what is wrong (10,000 characters) and at most 3 files of 5 MB each: shorten the text, or send fewer or smaller files.";

    private readonly PartitionedRateLimiter<string> _perAddress;

    public IntakeLimits(SupportSettings settings)
    {
        var perHour = settings.PerAddressPerHour;
        _perAddress = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perHour,
            Window = TimeSpan.FromHours(1),
            QueueLimit = 0,
        }));
    }

    /// <summary>Null when the address may send another request now; otherwise how long it waits.</summary>
    public TimeSpan? WaitFor(string? address)
    {
        var key = (address ?? "").Trim().ToLowerInvariant();
        if (key.Length == 0)
        {
            return null;
        }

        using var lease = _perAddress.AttemptAcquire(key);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromHours(1);
    }

    /// <summary>The network a client is in: the /24 of an IPv4 address, the /64 of an IPv6 one.</summary>
    public static string NetworkOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        return address.AddressFamily == AddressFamily.InterNetwork
            ? $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24"
            : $"{new IPAddress([.. bytes[..8], .. new byte[8]])}/64";
    }

    public static string Seconds(TimeSpan wait) => ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The message of a 429 for an address that sent too many requests.</summary>
    public static string TooManyFor(string address, TimeSpan wait) =>
        $"Too many support requests from {address} in the last hour; try again in {Seconds(wait)} seconds. The requests you sent are kept: confirm one of them with its code.";

    public void Dispose() => _perAddress.Dispose();
}
