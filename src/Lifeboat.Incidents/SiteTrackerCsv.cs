using System.Globalization;
using System.Text;

namespace Lifeboat.Incidents;

/// <summary>
/// Writes the tracker as CSV (RFC 4180: a header row, CRLF line ends, a field with a comma, quote or line break
/// quoted and its quotes doubled). A spreadsheet would run a cell starting with =, +, - or @ as a formula, so
/// such a cell gets a leading apostrophe: a note cannot turn into a formula in whoever opens the export.
/// </summary>
internal static class SiteTrackerCsv
{
    public static readonly IReadOnlyList<string> Header =
    [
        "site", "name", "restore_state", "validation", "job", "confirmation", "confirmed_by", "confirmed_at", "confirmation_note",
        "engineer", "last_note", "updated_at", "updated_by",
    ];

    public static async Task WriteAsync(SiteTracker tracker, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var text = new StringBuilder();
        Line(text, Header);
        foreach (var row in tracker.Sites)
        {
            Line(text,
            [
                row.Site.Value, row.Name, row.RestoreState, row.Validation, row.Job?.Value, Confirmation(row.Confirmation), row.ConfirmedBy, Time(row.ConfirmedAt),
                row.ConfirmationNote, row.Engineer, row.LastNote, Time(row.UpdatedAt), row.UpdatedBy,
            ]);
        }

        await output.WriteAsync(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString()), ct);
        await output.FlushAsync(ct);
    }

    internal static string Cell(string? value)
    {
        var cell = value ?? "";
        if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@')
        {
            cell = "'" + cell;
        }

        return cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;
    }

    private static void Line(StringBuilder text, IReadOnlyList<string?> cells) => text.Append(string.Join(',', cells.Select(Cell))).Append("\r\n");

    private static string Confirmation(SiteConfirmation confirmation) => confirmation switch
    {
        SiteConfirmation.Confirmed => "confirmed",
        SiteConfirmation.StillBroken => "still-broken",
        _ => "",
    };

    private static string? Time(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
