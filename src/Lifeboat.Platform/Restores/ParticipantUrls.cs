using System.Net;

namespace Lifeboat.Platform.Restores;

/// <summary>
/// The operator's allow-list of participant URLs (<see cref="ParticipantOptions.AllowedUrls"/>), checked
/// when a participant is registered and again before every call, so narrowing the list takes effect at once.
/// </summary>
internal sealed class ParticipantUrls
{
    private readonly IReadOnlyList<string> _configured;
    private readonly bool _loopback;
    private readonly IReadOnlyList<Uri> _prefixes;

    public ParticipantUrls(ParticipantOptions options)
    {
        _configured = options.AllowedUrls;
        var entries = options.AllowedUrls.Count == 0 ? [ParticipantOptions.Loopback] : options.AllowedUrls;
        var prefixes = new List<Uri>();
        foreach (var entry in entries.Select(e => e.Trim()))
        {
            if (string.Equals(entry, ParticipantOptions.Loopback, StringComparison.OrdinalIgnoreCase))
            {
                _loopback = true;
            }
            else if (Uri.TryCreate(entry, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo))
            {
                prefixes.Add(uri);
            }
            else
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"'{entry}' in the participants' allowed URLs is neither an http(s) URL (without query or credentials) nor '{ParticipantOptions.Loopback}'; fix Lifeboat:Participants:AllowedUrls (or LIFEBOAT_PARTICIPANT_URLS).");
            }
        }

        _prefixes = prefixes;
    }

    /// <summary>Null when <paramref name="url"/> is allowed; otherwise why not and how to allow it.</summary>
    public string? Refusal(string name, Uri url)
    {
        if (_loopback && IsLoopback(url) || _prefixes.Any(p => Within(url, p)))
        {
            return null;
        }

        var allowed = _configured.Count == 0 ? "loopback addresses only (nothing is configured)" : string.Join(", ", _configured);
        return $"participant {name} at {url} is not on the participants' allow-list ({allowed}). To allow it, add its URL (or a prefix of it, e.g. " +
               $"{url.GetLeftPart(UriPartial.Authority)}/) to Lifeboat:Participants:AllowedUrls for the server, or LIFEBOAT_PARTICIPANT_URLS / --participant-urls for the CLI " +
               $"(space- or comma-separated; include '{ParticipantOptions.Loopback}' to keep loopback allowed).";
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback && (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(url.Host.Trim('[', ']'), out _));

    private static bool Within(Uri url, Uri prefix)
    {
        if (!string.Equals(url.Scheme, prefix.Scheme, StringComparison.OrdinalIgnoreCase) || !string.Equals(url.IdnHost, prefix.IdnHost, StringComparison.OrdinalIgnoreCase)
            || url.Port != prefix.Port)
        {
            return false;
        }

        var path = prefix.AbsolutePath.TrimEnd('/');
        return path.Length == 0 || url.AbsolutePath == path || url.AbsolutePath.StartsWith(path + "/", StringComparison.Ordinal);
    }
}
