using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Lifeboat.Storage.Backups;

/// <summary>
/// Newline-delimited JSON: one row per line, as PostgreSQL's row_to_json writes it, so the format
/// names every column, survives added columns, and can be read with standard tools (zcat | jq).
/// </summary>
internal static class Ndjson
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static StreamWriter Writer(Stream stream) => new(stream, Utf8, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };

    public static async IAsyncEnumerable<string> ReadLinesAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    /// <summary>The value of a top-level string property (row_to_json puts tenant_id first, so this stops early).</summary>
    public static string? StringProperty(string line, string name)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("a backup line is not a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            reader.Skip();
        }

        return null;
    }
}
