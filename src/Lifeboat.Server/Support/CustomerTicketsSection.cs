using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Lifeboat.Support.Accounts;

namespace Lifeboat.Server.Support;

/// <summary>The customer's tickets as a section of their own page (served under their link): subject, state, last message; every text escaped.</summary>
internal static class CustomerTicketsSection
{
    public static string Html(IReadOnlyList<CustomerTicket> tickets)
    {
        var html = new StringBuilder("<h2 id=\"your-tickets\">Your support tickets</h2>\n");
        if (tickets.Count == 0)
        {
            return html.Append("<p>You have no support ticket with us.</p>\n").ToString();
        }

        html.Append("<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"your-tickets\">\n<table>\n")
            .Append("<thead><tr><th scope=\"col\">Ticket</th><th scope=\"col\">State</th><th scope=\"col\">Last message</th></tr></thead>\n<tbody>\n");
        foreach (var t in tickets)
        {
            var last = t.LastMessage is { } m ? $"{H(Shorten(m))}<br><span class=\"meta\">{When(t.LastMessageAt!.Value)}</span>" : "<span class=\"meta\">none yet</span>";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><th scope=\"row\">{H(t.Subject)}<br><span class=\"meta\">{H(t.Ticket.Value)}, opened {When(t.CreatedAt)}</span></th><td>{H(t.State)}</td><td>{last}</td></tr>\n");
        }

        return html.Append("</tbody>\n</table>\n</div>\n").ToString();
    }

    private static string Shorten(string text) => text.Length <= 500 ? text : text[..500] + "…";

    private static string H(string text) => HtmlEncoder.Default.Encode(text);

    private static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
