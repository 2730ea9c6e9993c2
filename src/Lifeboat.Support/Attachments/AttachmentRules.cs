using System.Globalization;
using System.Text;
using Lifeboat.Platform;

namespace Lifeboat.Support.Attachments;

/// <summary>A file someone sends with a request or a mail: its name as given, and its bytes.</summary>
public sealed record SupportFile(string? Name, ReadOnlyMemory<byte> Content);

/// <summary>How many files a ticket's request takes, how large, and of which types (told by their first bytes, never their name).</summary>
public static class AttachmentLimits
{
    public const int MaxFiles = 3;
    public const int MaxBytes = 5 * 1024 * 1024;
    public const int MaxNameLength = 255;

    /// <summary>The types taken, in the words a refusal uses.</summary>
    public const string TypesTaken = "PNG, JPEG and PDF files, and plain text in UTF-8";
}

/// <summary>A file that passed the checks: its settled name, the type its content shows, and its bytes.</summary>
internal sealed record CheckedFile(string Name, string ContentType, byte[] Content);

/// <summary>
/// The one place a file is held to the limits. Its type is read from its content: PNG, JPEG and PDF by their signatures, plain
/// text as valid UTF-8 without NUL bytes. A name ending in .png says nothing: an executable called photo.png is refused.
/// </summary>
internal static class AttachmentRules
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Pdf = "%PDF-"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The files of a request, every one checked; the first that fails is refused naming it, the types taken, and that nothing was stored.</summary>
    public static IReadOnlyList<CheckedFile> CheckAll(IReadOnlyList<SupportFile>? files)
    {
        if (files is null || files.Count == 0)
        {
            return [];
        }

        if (files.Count > AttachmentLimits.MaxFiles)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{files.Count} files were attached; a request takes at most {AttachmentLimits.MaxFiles}. Send the most useful ones; support can ask for more. Nothing was stored.");
        }

        return [.. files.Select(f => Check(f) is { } why
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"{why} Nothing was stored.")
            : new CheckedFile(NameOf(f.Name), TypeOf(f.Content.Span)!, f.Content.ToArray()))];
    }

    /// <summary>Why the file is refused (naming it), or null when it passes.</summary>
    public static string? Check(SupportFile file)
    {
        var name = NameOf(file.Name);
        if (file.Content.Length == 0)
        {
            return $"the file '{name}' is empty: attach it again, or leave it out.";
        }

        if (file.Content.Length > AttachmentLimits.MaxBytes)
        {
            return $"the file '{name}' is {Megabytes(file.Content.Length)}; a file may be at most {Megabytes(AttachmentLimits.MaxBytes)}. Shrink it (a screenshot of the part that matters), or leave it out.";
        }

        return TypeOf(file.Content.Span) is null
            ? $"the file '{name}' is not one of the types taken: {AttachmentLimits.TypesTaken}. Its content is what counts, not its name; save it as one of these, or leave it out."
            : null;
    }

    /// <summary>The type the content shows, or null.</summary>
    public static string? TypeOf(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith(Png))
        {
            return "image/png";
        }

        if (content.StartsWith(Jpeg))
        {
            return "image/jpeg";
        }

        if (content.StartsWith(Pdf))
        {
            return "application/pdf";
        }

        if (content.IndexOf((byte)0) >= 0)
        {
            return null;
        }

        try
        {
            StrictUtf8.GetCharCount(content);
            return "text/plain";
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The name to keep: the last part of a path, without control characters, at most 255 characters; "attachment" when nothing is left.</summary>
    public static string NameOf(string? given)
    {
        var last = (given ?? "").Replace('\\', '/').Split('/')[^1];
        var clean = new string([.. last.Where(c => !char.IsControl(c) && c is not ('"' or '\u2028' or '\u2029'))]).Trim();
        if (clean.Length > AttachmentLimits.MaxNameLength)
        {
            clean = clean[..AttachmentLimits.MaxNameLength];
        }

        return clean.Length == 0 ? "attachment" : clean;
    }

    public static string Megabytes(long bytes) => bytes % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.0#} MB ({bytes:N0} bytes)");
}
