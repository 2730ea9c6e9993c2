using System.Net;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Webhooks;

/// <summary>
/// Which URLs a webhook may have: https, or http on the loopback interface only (a receiver on the same machine), no
/// user information, and a host on the allow-list. Checked when a webhook is registered and again before each delivery,
/// so narrowing the list stops deliveries to hosts no longer on it.
/// </summary>
internal static class WebhookUrls
{
    public static Uri Require(string? url, IReadOnlyList<string> allow)
    {
        var text = url?.Trim() ?? "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || text.Length > 2000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{Shorten(text)}' is not an http(s) URL: give the receiver's full URL, such as https://hooks.example.com/lifeboat.");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{uri.GetLeftPart(UriPartial.Authority)} is plain http on a host other than this machine: a webhook's events and signature would cross the network in clear. Use https.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the URL carries a user name or password: webhooks are authenticated by their signature; leave them out.");
        }

        return IsAllowed(uri, allow) ? uri : throw NotAllowed(uri, allow);
    }

    public static bool IsAllowed(Uri uri, IReadOnlyList<string> allow) => allow.Any(pattern => Matches(uri.IdnHost, pattern.Trim()));

    public static PlatformException NotAllowed(Uri uri, IReadOnlyList<string> allow) => new(PlatformErrorKind.Invalid, allow.Count == 0
        ? $"{uri.Host} is not on the webhook allow-list, which is empty ({WebhookOptions.AllowSetting}): an administrator lists there the hosts webhooks may go to."
        : $"{uri.Host} is not on the webhook allow-list ({WebhookOptions.AllowSetting}: {string.Join(", ", allow)}): use a URL on one of those hosts, or have an administrator add this one.");

    private static bool Matches(string host, string pattern) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
            : string.Equals(host, pattern.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
