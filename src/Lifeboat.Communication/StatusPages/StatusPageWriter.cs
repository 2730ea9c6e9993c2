using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml;
using Lifeboat.Communication.Internal;

namespace Lifeboat.Communication.StatusPages;

/// <summary>
/// Writes the status page as static files: <c>index.html</c> (no script: it reads the same with JavaScript off),
/// <c>index.json</c> and <c>feed.atom</c>. Each file is written beside its old self and moved over it, so a reader never sees
/// half a page, and the folder keeps serving the last published state whatever happens to the database or to Lifeboat:
/// any web server can serve it.
/// </summary>
public static class StatusPageWriter
{
    public const string Html = "index.html";
    public const string Json = "index.json";
    public const string Atom = "feed.atom";

    public static void Write(string folder, StatusSnapshot snapshot, string title = "Service status")
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Directory.CreateDirectory(folder);
        Replace(Path.Combine(folder, Json), JsonOf(snapshot));
        Replace(Path.Combine(folder, Atom), AtomOf(snapshot, title));
        Replace(Path.Combine(folder, Html), HtmlOf(snapshot, title));
    }

    private static void Replace(string path, string content)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():n}.tmp";
        File.WriteAllText(temporary, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, path, overwrite: true);
    }

    private static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Word(ComponentState state) => state switch
    {
        ComponentState.Operational => "Operational",
        ComponentState.Degraded => "Degraded",
        _ => "Outage",
    };

    private static readonly JsonSerializerOptions Indented = new(CommsJson.Options) { WriteIndented = true };

    private const string Style = """
            <style>
            body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 56rem; padding: 1rem; color: #1a1a1a; overflow-wrap: anywhere; }
            h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; } h3 { font-size: 1.1rem; margin-bottom: .25rem; }
            .banner { padding: .75rem 1rem; border-radius: .4rem; font-weight: 600; }
            .operational { background: #e3f4e8; color: #0b5323; } .degraded { background: #fff4d6; color: #6b4a00; } .outage { background: #fde2e1; color: #8a1410; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; }
            td.state { font-weight: 600; white-space: nowrap; }
            article { border-left: 4px solid #ccc; padding-left: .75rem; margin: 1rem 0; }
            article.open { border-color: #b3261e; }
            .update { white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0 1rem; }
            .meta { color: #555; font-size: .9rem; }
            a { color: #0b57d0; }
            </style>
        """;

    private static string Banner(ComponentState worst) => worst switch
    {
        ComponentState.Operational => "All systems operational",
        ComponentState.Degraded => "Some systems degraded",
        _ => "Some systems are down",
    };

    private static string H(string text) => HtmlEncoder.Default.Encode(text);

    internal static string HtmlOf(StatusSnapshot snapshot, string title)
    {
        var html = new StringBuilder();
        var worst = snapshot.Components.Count == 0 ? ComponentState.Operational : snapshot.Components.Max(c => c.State);
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{H(title)}</title>
            <link rel="alternate" type="application/atom+xml" title="{H(title)}: updates" href="{Atom}">
            {Style}
            </head>
            <body>
            <header>
            <h1>{H(title)}</h1>
            <p class="banner {Word(worst).ToLowerInvariant()}" role="status">{Banner(worst)}</p>
            </header>
            <main>
            <h2>Components</h2>
            <div class="scroll" tabindex="0" role="region" aria-label="Components">
            <table>
            <thead><tr><th scope="col">Product</th><th scope="col">Region</th><th scope="col">Status</th></tr></thead>
            <tbody>

            """);
        foreach (var c in snapshot.Components)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{H(c.Component.ProductName)}</th><td>{H(c.Component.Region)}</td><td class=\"state {Word(c.State).ToLowerInvariant()}\">{Word(c.State)}</td></tr>\n");
        }

        if (snapshot.Components.Count == 0)
        {
            // A new environment has no licensed products yet: say so rather than show a table with a header and nothing under it.
            html.Append("<tr><td colspan=\"3\">No product is listed yet.</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
        Incidents(html, "Current incidents", snapshot.Incidents.Where(i => !i.Recovered).ToList(), "No incident is open.");
        Incidents(html, "Past incidents (14 days)", snapshot.Incidents.Where(i => i.Recovered).ToList(), "None.");
        html.Append(CultureInfo.InvariantCulture, $"""
            </main>
            <footer class="meta">
            <p>Updated {When(snapshot.GeneratedAt)}. Also as <a href="{Json}">JSON</a> and an <a href="{Atom}">Atom feed</a>.</p>
            </footer>
            </body>
            </html>

            """);
        return html.ToString();
    }

    private static void Incidents(StringBuilder html, string heading, IReadOnlyList<PublicIncident> incidents, string none)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>{H(heading)}</h2>\n");
        if (incidents.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{H(none)}</p>\n");
            return;
        }

        foreach (var incident in incidents)
        {
            html.Append(CultureInfo.InvariantCulture, $"<article class=\"{(incident.Recovered ? "past" : "open")}\" id=\"{H(incident.Id.Value)}\">\n<h3>{H(incident.Title)}</h3>\n");
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{(incident.Regions.Count == 0 ? "" : "Regions: " + H(string.Join(", ", incident.Regions)) + ". ")}Last updated {When(incident.LastUpdatedAt)}.</p>\n");
            foreach (var update in incident.Updates)
            {
                html.Append(CultureInfo.InvariantCulture, $"<section aria-label=\"{H(update.Label)} {When(update.PublishedAt!.Value)}\">\n");
                html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\"><strong>{H(update.Label)}</strong> {When(update.PublishedAt!.Value)}{(update.Corrects is { } c ? $", correcting update {c}" : "")}</p>\n");
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"update\">{H(update.Body)}</div>\n</section>\n");
            }

            html.Append("</article>\n");
        }
    }

    internal static string JsonOf(StatusSnapshot snapshot) => JsonSerializer.Serialize(new
    {
        generatedAt = snapshot.GeneratedAt,
        status = snapshot.Components.Count == 0 ? ComponentState.Operational : snapshot.Components.Max(c => c.State),
        components = snapshot.Components.Select(c => new { key = c.Component.Key, name = c.Component.Name, product = c.Component.Product.Value, region = c.Component.Region, state = c.State, incidents = c.Incidents.Select(i => i.Value) }),
        incidents = snapshot.Incidents.Select(i => new
        {
            id = i.Id.Value,
            title = i.Title,
            phase = i.Phase,
            recovered = i.Recovered,
            regions = i.Regions,
            updates = i.Updates.Select(u => new { number = u.Number, label = u.Label, subject = u.Subject, body = u.Body, language = u.Language, publishedAt = u.PublishedAt, corrects = u.Corrects }),
        }),
    }, Indented);

    internal static string AtomOf(StatusSnapshot snapshot, string title)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false }))
        {
            const string ns = "http://www.w3.org/2005/Atom";
            xml.WriteStartElement("feed", ns);
            xml.WriteElementString("title", ns, title);
            xml.WriteElementString("id", ns, "urn:lifeboat:status");
            xml.WriteElementString("updated", ns, XmlConvert.ToString(snapshot.GeneratedAt));
            xml.WriteStartElement("link", ns);
            xml.WriteAttributeString("rel", "alternate");
            xml.WriteAttributeString("href", Html);
            xml.WriteEndElement();
            foreach (var (incident, update) in snapshot.Incidents.SelectMany(i => i.Updates.Select(u => (i, u))).OrderByDescending(x => x.u.PublishedAt))
            {
                xml.WriteStartElement("entry", ns);
                xml.WriteElementString("title", ns, update.Subject);
                xml.WriteElementString("id", ns, $"urn:lifeboat:{incident.Id.Value}:update:{update.Number}");
                xml.WriteElementString("updated", ns, XmlConvert.ToString(update.PublishedAt!.Value));
                xml.WriteStartElement("author", ns);
                xml.WriteElementString("name", ns, title);
                xml.WriteEndElement();
                xml.WriteStartElement("link", ns);
                xml.WriteAttributeString("rel", "alternate");
                xml.WriteAttributeString("href", $"{Html}#{incident.Id.Value}");
                xml.WriteEndElement();
                xml.WriteStartElement("content", ns);
                xml.WriteAttributeString("type", "text");
                xml.WriteString(update.Body);
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }
}
