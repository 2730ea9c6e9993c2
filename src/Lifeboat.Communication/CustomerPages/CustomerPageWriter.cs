using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Templates;

namespace Lifeboat.Communication.CustomerPages;

/// <summary>A customer's page as HTML: no script, every text escaped, readable on a phone.</summary>
public static class CustomerPageWriter
{
    private const string Style = """
        <style>
        body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 56rem; padding: 1rem; color: #1a1a1a; overflow-wrap: anywhere; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; min-width: 36rem; } th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
        .figures { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
        .figures li { border: 1px solid #ccc; border-radius: .4rem; padding: .5rem .75rem; }
        .update { white-space: pre-wrap; overflow-wrap: anywhere; margin: .25rem 0 1rem; }
        .meta { color: #555; font-size: .9rem; }
        progress { width: 100%; height: 1rem; }
        </style>
        """;

    private static string H(string text) => HtmlEncoder.Default.Encode(text);

    private static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The page; <paramref name="moreHtml"/> (escaped by whoever wrote it: another module's section, e.g. the customer's tickets) goes last in main.</summary>
    public static string Html(CustomerPage page, string supportUrl, string supportEmail, string? moreHtml = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        var text = FigureText.Of("en");
        var f = page.Figures;
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <meta name="referrer" content="no-referrer">
            <title>{H(page.CustomerName)}: your sites</title>
            {Style}
            </head>
            <body>
            <header>
            <h1>{H(page.CustomerName)}: your sites</h1>
            <p>{H(page.Title)}</p>
            </header>
            <main>
            <ul class="figures" aria-label="Your figures">
            <li>Affected: <strong>{f.SitesAffected}</strong></li>
            <li>Back and validated: <strong>{f.SitesRestored}</strong> ({f.SharePercent}%)</li>
            <li>Time to restore the rest: <strong>{H(text.Eta(f.SitesRestored == f.SitesAffected ? new RestoreEta(TimeSpan.Zero, TimeSpan.Zero, 0, 0) : f.Eta))}</strong></li>
            <li>Expected data loss: <strong>{H(text.LossSummary(f.Sites))}</strong> (confidence: {H(text.Confidence(f.Confidence))})</li>
            </ul>
            <label for="progress">Restored</label>
            <progress id="progress" max="{Math.Max(1, f.SitesAffected)}" value="{f.SitesRestored}">{f.SharePercent}%</progress>
            <h2>Your affected sites</h2>
            <div class="scroll" tabindex="0" role="region" aria-label="Your affected sites">
            <table>
            <thead><tr><th scope="col">Site</th><th scope="col">State</th><th scope="col">Data loss</th><th scope="col">Confidence</th></tr></thead>
            <tbody>

            """);
        foreach (var site in f.Sites)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><th scope=\"row\">{H(site.Name ?? site.Site.Value)}<br><span class=\"meta\">{H(site.Site.Value)}</span></th><td>{H(text.State(site.RestoreState))}</td><td>{H(text.Loss(site.Loss))}</td><td>{H(text.Confidence(site.Loss.Confidence))}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n<h2>Updates</h2>\n");
        if (page.Updates.Count == 0)
        {
            html.Append("<p>No update has been published yet.</p>\n");
        }

        foreach (var update in page.Updates)
        {
            html.Append(CultureInfo.InvariantCulture, $"<section aria-label=\"{H(update.Label)} {When(update.PublishedAt!.Value)}\">\n<p class=\"meta\"><strong>{H(update.Label)}</strong> {When(update.PublishedAt!.Value)}{(update.Account is null ? " (everyone)" : " (for you)")}</p>\n<div class=\"update\">{H(update.Body)}</div>\n</section>\n");
        }

        html.Append(moreHtml);
        html.Append(CultureInfo.InvariantCulture, $"""
            </main>
            <footer class="meta">
            <p>Read live at {When(f.At)}. This page is for {H(page.CustomerName)} only; its link works until {When(page.LinkExpiresAt)}.
            Support, no login needed: <a href="{H(supportUrl)}">{H(supportUrl)}</a> or <a href="mailto:{H(supportEmail)}">{H(supportEmail)}</a>.</p>
            </footer>
            </body>
            </html>

            """);
        return html.ToString();
    }

    /// <summary>What a customer sees for a link that cannot be used: why, and where to go instead.</summary>
    public static string Refusal(string why, string statusUrl) => $"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>This link cannot be used</title>
        {Style}
        </head>
        <body>
        <main>
        <h1>This link cannot be used</h1>
        <p>{H(why)}</p>
        <p><a href="{H(statusUrl)}">The public status page</a></p>
        </main>
        </body>
        </html>

        """;
}
