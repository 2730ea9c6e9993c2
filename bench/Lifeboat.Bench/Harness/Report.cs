using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Bench.Harness;

/// <summary>Writes a benchmark's result file and prints its summary table.</summary>
internal static class Report
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Result files are read by people: "15.18-0+deb12u1", not "15.18-0\u002Bdeb12u1".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The file holds what was run and where first, then the benchmark's own figures at the top level.</summary>
    public static async Task<string> WriteAsync(string directory, string name, BenchEnvelope envelope, object figures, CancellationToken ct)
    {
        var document = (JsonObject)JsonSerializer.SerializeToNode(envelope, Json)!;
        foreach (var (key, value) in (JsonObject)JsonSerializer.SerializeToNode(figures, figures.GetType(), Json)!)
        {
            document[key] = value?.DeepClone();
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}.json");
        await File.WriteAllTextAsync(path, document.ToJsonString(Json) + "\n", ct);
        return path;
    }

    public static void Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder().AppendLine().AppendLine(title);
        for (var r = 0; r < all.Count; r++)
        {
            text.AppendLine(string.Join("  ", all[r].Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))));
            if (r == 0)
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        Console.Write(text.ToString());
    }

    public static string Num(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>What every result file starts with.</summary>
internal sealed record BenchEnvelope(
    string Benchmark,
    string Command,
    DateTimeOffset StartedAt,
    double DurationS,
    string Durability,
    MachineInfo Machine,
    Goal Goal);

internal sealed record Goal(string Text, bool Met);
