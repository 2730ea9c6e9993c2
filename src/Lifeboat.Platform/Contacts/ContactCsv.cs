using System.Text;

namespace Lifeboat.Platform.Contacts;

/// <summary>
/// Contacts as CSV (RFC 4180: CRLF line ends, a field with a comma, a quote or a line break quoted,
/// its quotes doubled), the one format of the CLI's and the API's export. The export is what people
/// open in a spreadsheet when a site is gone, so a name or e-mail address that starts like a formula
/// (=, +, -, @, tab, carriage return) is written with a leading apostrophe, which spreadsheets show as
/// text instead of running it. Phone numbers are checked when they are stored (digits, spaces and a leading '+'),
/// so they are written as they are.
/// </summary>
public static class ContactCsv
{
    public const string Header = "contact,site,role,name,email,phone";

    public static string Write(IEnumerable<Contact> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        var csv = new StringBuilder(Header).Append("\r\n");
        foreach (var c in contacts)
        {
            csv.AppendJoin(',', Field(c.Id.Value), Field(c.Site.Value), Field(c.Role.ToString()), Field(AsText(c.Name)),
                Field(AsText(c.Email)), Field(c.Phone)).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string? AsText(string? value) =>
        value is { Length: > 0 } && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;

    private static string Field(string? value) =>
        value is null || value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value ?? "" : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
