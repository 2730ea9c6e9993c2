using Lifeboat.Platform;
using MimeKit;

namespace Lifeboat.Communication.Mail;

/// <summary>E-mail addresses as the mail channel takes them: one mailbox that parses, with a local part and a domain.</summary>
public static class MailAddresses
{
    /// <summary>
    /// The mailbox <paramref name="address"/> names; refuses one that does not parse, naming it and <paramref name="what"/>,
    /// so a bad address is caught where it is given rather than when the mail server refuses it.
    /// </summary>
    public static MailboxAddress Require(string? address, string what = "the e-mail address")
    {
        var trimmed = address?.Trim() ?? "";
        if (trimmed.Length is 0 or > 320 || !MailboxAddress.TryParse(ParserOptions.Default, trimmed, out var parsed)
            || string.IsNullOrEmpty(parsed.LocalPart) || string.IsNullOrEmpty(parsed.Domain) || parsed.Address.Contains(' ', StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{what} '{Shorten(trimmed)}' is not an e-mail address that parses: give one mailbox such as name@example.com.");
        }

        return parsed;
    }

    /// <summary>Whether <paramref name="address"/> parses as one mailbox (contacts' addresses are checked where they are kept; a bad one is skipped, not sent).</summary>
    public static bool TryRequire(string? address, out MailboxAddress mailbox)
    {
        try
        {
            mailbox = Require(address);
            return true;
        }
        catch (PlatformException)
        {
            mailbox = null!;
            return false;
        }
    }

    /// <summary>The key addresses are told apart by: case does not make two people.</summary>
    public static string KeyOf(string address) => address.Trim().ToLowerInvariant();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
