using System.Text;
using Lifeboat.Platform.Contacts;

namespace Lifeboat.Cli.Commands;

/// <summary>Contacts as CSV (RFC 4180), for a copy people can open anywhere.</summary>
internal static class ContactCsv
{
    public static string Write(IEnumerable<Contact> contacts)
    {
        var csv = new StringBuilder("contact,site,role,name,email,phone\n");
        foreach (var c in contacts)
        {
            csv.AppendJoin(',', new[] { c.Id.Value, c.Site.Value, c.Role.ToString(), c.Name, c.Email ?? "", c.Phone ?? "" }.Select(Quote)).Append('\n');
        }

        return csv.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
