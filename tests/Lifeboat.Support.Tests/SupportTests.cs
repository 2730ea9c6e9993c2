using System.Text.RegularExpressions;

namespace Lifeboat.Support.Tests;

internal static partial class SupportTests
{
    /// <summary>A site name as its address writes it: "Acme Corp 1a" → "acme-corp-1a".</summary>
    public static string Slug(string name) => NotAlphanumeric().Replace(name.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotAlphanumeric();
}
