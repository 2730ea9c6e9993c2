using System.Text.RegularExpressions;
using Lifeboat.Communication.Internal;
using MimeKit;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// Bounces that come back after the mail server took a message: a delivery status notification (RFC 3464,
/// multipart/report; report-type=delivery-status) is matched to the message it is about by the VERP envelope sender it
/// was delivered to (<c>bounces+&lt;token&gt;@…</c>) or by the Message-ID it quotes, and each recipient it reports as
/// failed marks that message bounced with the status and the remote server's words. Anything else (an ordinary mail,
/// a delay or success report, a message not of this log) is left alone.
/// </summary>
internal sealed partial class BounceIntake(CommsContext context)
{
    public async Task<int> RecordAsync(MimeMessage report, CancellationToken ct)
    {
        if (report.Body is not MultipartReport { ReportType: var type } multipart || !string.Equals(type, "delivery-status", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        var status = multipart.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null)
        {
            return 0;
        }

        var tokens = TokensOf(report, multipart);
        if (tokens.Count == 0)
        {
            return 0;
        }

        var failures = status.StatusGroups.Skip(1)
            .Where(g => string.Equals(g["Action"]?.Trim(), "failed", StringComparison.OrdinalIgnoreCase))
            .Select(g => (Recipient: AddressOf(g["Final-Recipient"] ?? g["Original-Recipient"]), Why: Describe(g)))
            .ToList();
        if (failures.Count == 0)
        {
            return 0;
        }

        var marked = 0;
        foreach (var (recipient, why) in failures)
        {
            await using var cmd = context.Command("""
                UPDATE comms.messages SET state = 'bounced', bounced_at = $3, bounce_source = 'dsn', last_error = $4, claimed_until = NULL
                WHERE mail_token = ANY($1) AND ($2::text IS NULL OR address_key = lower($2)) AND state IN ('sent', 'queued')
                """);
            cmd.Parameters.Add(new() { Value = tokens.ToArray() });
            cmd.Parameters.Add(CommsContext.Text(recipient));
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = why.Length <= 2000 ? why : why[..1999] + "…" });
            marked += await cmd.ExecuteNonQueryAsync(ct);
        }

        return marked;
    }

    /// <summary>
    /// Reads the delivery status notifications in a Maildir's <c>new/</c> folder (where the MTA delivers mail to the bounce
    /// address), records them, and moves each one it matched to <c>cur/</c>, so it is read once. Other files stay.
    /// </summary>
    public async Task<int> ReadMaildirAsync(string maildir, CancellationToken ct)
    {
        var incoming = Path.Combine(maildir, "new");
        if (!Directory.Exists(incoming))
        {
            return 0;
        }

        var done = Path.Combine(maildir, "cur");
        Directory.CreateDirectory(done);
        var marked = 0;
        foreach (var file in Directory.EnumerateFiles(incoming))
        {
            MimeMessage report;
            try
            {
                await using var stream = File.OpenRead(file);
                report = await MimeMessage.LoadAsync(stream, ct);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                continue;
            }

            var count = await RecordAsync(report, ct);
            report.Dispose();
            if (count > 0)
            {
                marked += count;
                File.Move(file, Path.Combine(done, Path.GetFileName(file) + ":2,S"), overwrite: true);
            }
        }

        return marked;
    }

    /// <summary>The messages' tokens a report names: in the address it was delivered to (VERP), or in the Message-ID it quotes.</summary>
    private static HashSet<string> TokensOf(MimeMessage report, MultipartReport multipart)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var header in new[] { "Delivered-To", "X-Original-To", "To", "Envelope-To" })
        {
            foreach (var value in report.Headers.Where(h => h.Field.Equals(header, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value))
            {
                foreach (Match m in Verp().Matches(value))
                {
                    tokens.Add(m.Groups[1].Value.ToLowerInvariant());
                }
            }
        }

        foreach (var part in multipart.Skip(2))
        {
            var headers = part switch
            {
                MessagePart { Message: { } original } => original.MessageId is { } id ? $"Message-ID: <{id}>" : "",
                TextPart text => text.Text,
                MimePart other => ReadAll(other),
                _ => "",
            };
            foreach (Match m in QuotedMessageId().Matches(headers))
            {
                tokens.Add(m.Groups[1].Value.ToLowerInvariant());
            }
        }

        return tokens;
    }

    private static string ReadAll(MimePart part)
    {
        if (part.Content is null)
        {
            return "";
        }

        using var stream = new MemoryStream();
        part.Content.DecodeTo(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>"rfc822; someone@example.com" → someone@example.com.</summary>
    private static string? AddressOf(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return null;
        }

        var value = field.Contains(';', StringComparison.Ordinal) ? field[(field.IndexOf(';', StringComparison.Ordinal) + 1)..] : field;
        return value.Trim().Trim('<', '>');
    }

    private static string Describe(HeaderList group)
    {
        var parts = new List<string> { "bounced" };
        if (group["Status"] is { } status)
        {
            parts.Add($"status {status.Trim()}");
        }

        if (group["Diagnostic-Code"] is { } diagnostic)
        {
            parts.Add(Regex.Replace(diagnostic, @"\s+", " ").Trim());
        }

        if (group["Remote-MTA"] is { } mta)
        {
            parts.Add($"reported by {mta.Trim()}");
        }

        return string.Join("; ", parts);
    }

    [GeneratedRegex(@"\+([0-9a-fA-F]{32})@", RegexOptions.CultureInvariant)]
    private static partial Regex Verp();

    [GeneratedRegex(@"Message-ID:\s*<([0-9a-fA-F]{32})@", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex QuotedMessageId();
}
