using Lifeboat.Communication.Templates;
using Lifeboat.Platform;

namespace Lifeboat.Communication;

/// <summary>How an environment talks to its customers: templates, where support and the status page are, where pages are written.</summary>
public sealed record CommunicationOptions
{
    public UpdateTemplates Templates { get; init; } = UpdateTemplates.Defaults();

    /// <summary>The language of drafts that name none (the product's own drafts too).</summary>
    public string DefaultLanguage { get; init; } = "en";

    /// <summary>Where customers write to support; shown in every customer-facing update.</summary>
    public string SupportEmail { get; init; } = "support@example.com";

    /// <summary>The support page for customers with no login; shown in every customer-facing update.</summary>
    public string SupportUrl { get; init; } = "http://127.0.0.1:5080/support";

    /// <summary>The public status page's address, as customers reach it.</summary>
    public string StatusUrl { get; init; } = "http://127.0.0.1:5080/status/";

    /// <summary>The folder the status page is rendered into on every publish (static files any web server can serve); null: not rendered.</summary>
    public string? StatusFolder { get; init; }

    /// <summary>The key customers' capability links are signed with (HMAC-SHA256, at least 32 bytes); null: no links can be issued.</summary>
    public byte[]? LinkKey { get; init; }

    /// <summary>Where a customer's page is reached: the link's token is appended (<c>…/customers/{token}</c>).</summary>
    public string CustomerPageUrl { get; init; } = "http://127.0.0.1:5080/customers/";

    /// <summary>Where the status page is served under a public address.</summary>
    public const string StatusPath = "/status";

    /// <summary>
    /// These options with the customer-facing addresses (support form, status page, customers' pages) under <paramref name="publicUrl"/>,
    /// how customers reach the server; refuses an address that is not absolute http(s), before anything is sent with it.
    /// </summary>
    public CommunicationOptions AtPublicUrl(string publicUrl, string source)
    {
        if (!Uri.TryCreate(publicUrl?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.Query))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{source} must be the absolute http(s) address customers reach Lifeboat at, such as https://status.example.com; '{publicUrl}' is not. Nothing was done.");
        }

        var root = url.AbsoluteUri.TrimEnd('/');
        return this with { SupportUrl = $"{root}/support", StatusUrl = $"{root}{StatusPath}/", CustomerPageUrl = $"{root}/customers/" };
    }
}
