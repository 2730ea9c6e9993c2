using System.Text.RegularExpressions;

namespace Lifeboat.Support.Matching;

/// <summary>
/// How "the site you use" becomes the keys a site is looked up by. A site has a name (its address is made from it), so the
/// keys are the name's: lower case, runs of anything but letters and digits one hyphen (support.site_key in SQL does the same).
/// A URL or a host name gives two keys: its host's first label after www. ("https://www.Acme-Corp.example.net/x" → "acme-corp"),
/// and the host as a whole ("acme-corp-example-net"), for a site named after a domain. Anything else is taken as a name.
/// </summary>
internal static partial class SiteKeys
{
    public static IReadOnlyList<string> Of(string? given)
    {
        var text = given?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var keys = new List<string>();
        if (HostOf(text) is { } host)
        {
            var bare = host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
            Add(keys, bare.Split('.')[0]);
            Add(keys, bare);
        }
        else
        {
            Add(keys, text);
        }

        return keys;
    }

    /// <summary>The key of a name, as support.site_key computes it.</summary>
    public static string Key(string text) => NotAlphanumeric().Replace(text.ToLowerInvariant(), "-").Trim('-');

    private static void Add(List<string> keys, string text)
    {
        var key = Key(text);
        if (key.Length > 0 && !keys.Contains(key))
        {
            keys.Add(key);
        }
    }

    /// <summary>The host, lower case, when the text is a URL or looks like a host name (letters, digits, hyphens and at least one dot, no spaces).</summary>
    private static string? HostOf(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host.ToLowerInvariant() : null;
        }

        var first = text.Split('/', 2)[0];
        return HostName().IsMatch(first) ? first.ToLowerInvariant() : null;
    }

    // Only ASCII letters and digits count, as in PostgreSQL's '[^a-z0-9]+' after lower().
    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotAlphanumeric();

    [GeneratedRegex("^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+\\.?$")]
    private static partial Regex HostName();
}
