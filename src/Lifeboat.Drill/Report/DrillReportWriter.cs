using System.Text.Json;

namespace Lifeboat.Drill.Report;

/// <summary>
/// Writes a report as drill-report.json (for scripts) and drill-report.html (one self-contained page with charts), and the
/// incident's retrospective as retrospective.md when the drill drafted one.
/// </summary>
public static class DrillReportWriter
{
    /// <summary>Where `lifeboat drill` writes when not told: in the current folder, which the repository's .gitignore ignores.</summary>
    public const string DefaultFolder = "drill-report";

    public const string JsonFile = "drill-report.json";
    public const string HtmlFile = "drill-report.html";
    public const string RetrospectiveFile = "retrospective.md";

    public static async Task<(string Json, string Html)> WriteAsync(DrillReport report, string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, JsonFile);
        var html = Path.Combine(directory, HtmlFile);
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, DrillReport.Json), cancellationToken);
        await File.WriteAllTextAsync(html, Html(report), cancellationToken);
        if (report.RetrospectiveMarkdown is { } markdown)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, RetrospectiveFile), markdown, cancellationToken);
        }

        return (json, html);
    }

    /// <summary>The page, with its data and the chart library inline: nothing is fetched when it is viewed.</summary>
    public static string Html(DrillReport report)
    {
        // The default encoder writes '<', '>' and '&' as \u escapes, so no text of the report can end the
        // script element the data sits in.
        var data = JsonSerializer.Serialize(report, DrillReport.JsonForHtml);
        return Resource("Lifeboat.Drill.report.html")
            .Replace("{{CHARTJS}}", Resource("Lifeboat.Drill.chart.umd.min.js"), StringComparison.Ordinal)
            .Replace("{{DATA}}", data, StringComparison.Ordinal);
    }

    private static string Resource(string name)
    {
        using var stream = typeof(DrillReportWriter).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the drill report's resource {name} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
