using System.Globalization;
using System.Text;
using Bogus;

namespace Lifeboat.Sample.Seeding;

/// <summary>
/// Small files of exactly the requested length, drawn from the site's Faker: the same seed gives the
/// same bytes, so a restore can be checked byte for byte against a fresh run.
/// </summary>
internal static class AttachmentBytes
{
    private static readonly string[] Levels = ["INFO ", "INFO ", "INFO ", "WARN ", "ERROR", "DEBUG"];

    /// <summary>An application log around the moment the file was attached.</summary>
    public static byte[] Log(Faker f, int size, DateTimeOffset at)
    {
        var text = new StringBuilder(size + 200);
        var time = at - TimeSpan.FromMinutes(30);
        while (text.Length < size)
        {
            time += TimeSpan.FromMilliseconds(f.Random.Int(5, 20_000));
            text.Append(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                .Append(' ').Append(f.PickRandom(Levels))
                .Append(" req=").Append(f.Random.AlphaNumeric(8))
                .Append(' ').Append(f.Internet.UrlRootedPath())
                .Append(' ').Append(f.Hacker.Phrase()).Append('\n');
        }

        return Exactly(text, size);
    }

    /// <summary>A spreadsheet export: a header and rows of customers and amounts.</summary>
    public static byte[] Csv(Faker f, int size)
    {
        var text = new StringBuilder(size + 200).Append("id,name,email,plan,amount\n");
        for (var row = 1; text.Length < size; row++)
        {
            var first = f.Name.FirstName();
            var last = f.Name.LastName();
            text.Append(row.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(first).Append(' ').Append(last).Append(',')
                .Append(SitePlanner.Slug(first, 20)).Append('.').Append(SitePlanner.Slug(last, 20)).Append("@example.com,")
                .Append(f.PickRandom("free", "team", "business", "enterprise")).Append(',')
                .Append(f.Random.Decimal(0, 5000).ToString("0.00", CultureInfo.InvariantCulture)).Append('\n');
        }

        return Exactly(text, size);
    }

    /// <summary>Notes: paragraphs of prose.</summary>
    public static byte[] Text(Faker f, int size)
    {
        var text = new StringBuilder(size + 200);
        while (text.Length < size)
        {
            text.Append(f.Hacker.Phrase()).Append(f.Random.Bool(0.2f) ? "\n\n" : " ");
        }

        return Exactly(text, size);
    }

    /// <summary>The first <paramref name="size"/> bytes of the text, ending in a newline.</summary>
    private static byte[] Exactly(StringBuilder text, int size)
    {
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var exact = bytes.AsSpan(0, Math.Min(size, bytes.Length)).ToArray();
        if (exact.Length > 0)
        {
            exact[^1] = (byte)'\n';
        }

        return exact;
    }
}
