using System.Text.RegularExpressions;
using MimeKit;

namespace Lifeboat.Testing;

/// <summary>
/// The support desk's verification mails as the local postfix delivers them (scripts/setup.sh postfix: every address at
/// lifeboat.test lands in one Maildir): waits for the mail to an address and reads its code and link.
/// </summary>
public static partial class SupportMail
{
    public const string Maildir = "/var/mail/lifeboat-test/inbox";

    /// <summary>An address of this run's own, so its mail is told apart in the shared Maildir.</summary>
    public static string Address(string who) => $"{who}-{Guid.NewGuid():n}@lifeboat.test";

    /// <summary>The code and the link's token of the newest verification mail to <paramref name="address"/>, waiting up to 30 seconds for it.</summary>
    public static async Task<(string Code, string Token, MimeMessage Mail)> VerificationToAsync(string address, int count = 1)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var found = To(address);
            if (found.Count >= count)
            {
                var mail = found.OrderBy(m => m.Date).ThenBy(m => m.TextBody?.Length ?? 0).Last();
                var text = mail.TextBody ?? "";
                return (CodeLine().Match(text).Groups[1].Value, Uri.UnescapeDataString(LinkLine().Match(text).Groups[1].Value), mail);
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"waited for {count} mail(s) to {address} in {Maildir}, found {found.Count} (is postfix running? bash scripts/setup.sh postfix)");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every message in the Maildir to <paramref name="address"/>.</summary>
    public static List<MimeMessage> To(string address)
    {
        var found = new List<MimeMessage>();
        foreach (var folder in new[] { "new", "cur" })
        {
            var path = Path.Combine(Maildir, folder);
            if (!Directory.Exists(path))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(path))
            {
                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (IOException)
                {
                    continue;
                }

                if (text.Contains(address, StringComparison.OrdinalIgnoreCase))
                {
                    using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
                    found.Add(MimeMessage.Load(stream));
                }
            }
        }

        return found;
    }

    [GeneratedRegex(@"Your code: (\d{6})")]
    private static partial Regex CodeLine();

    [GeneratedRegex(@"/support/verify\?t=(\S+)")]
    private static partial Regex LinkLine();
}
