using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Sample.Tests;

/// <summary>
/// A site's content as sorted lines (one per record, contacts included), to compare two sites. Without
/// IDs, every ID is replaced by what it names (a user's email, an issue's title and time), and the
/// platform's own timestamps are left out, so two runs of one seed compare equal.
/// </summary>
internal static partial class SiteContent
{
    private static readonly string[] PlatformTimes = ["createdAt", "changedAt", "installedAt"];

    public static async Task<IReadOnlyList<string>> OfAsync(LifeboatPlatform platform, SiteId site, bool keepIds = false)
    {
        var entry = await platform.Sites.GetAsync(site);
        var records = await platform.Store.Records.SnapshotAsync(site.Tenant);
        var contacts = await platform.Contacts.OfSiteAsync(site);
        var names = keepIds ? [] : NamesOf(records);
        var lines = records.Select(r => $"{r.Collection} {(keepIds ? r.Id : "")} {Normalize(r.Collection, r.Document!.Value.GetRawText(), names, keepIds)} {r.Blob?.Sha256}")
            .Concat(contacts.Select(c => $"contact {Normalize("contacts", System.Text.Json.JsonSerializer.Serialize(c, Platform.Internal.PlatformJson.Options), names, keepIds)}"))
            .Append($"site {entry.Name} {entry.Region} {entry.Internal}");
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    private static Dictionary<string, string> NamesOf(IReadOnlyList<StoredRecord> records)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            var doc = r.Document!.Value;
            names[r.Id] = r.Collection switch
            {
                "identity.users" => $"user:{doc.GetProperty("email").GetString()}",
                "identity.groups" => $"group:{doc.GetProperty("name").GetString()}",
                "tracker.issues" => $"issue:{doc.GetProperty("title").GetString()}@{doc.GetProperty("createdAt").GetString()}",
                "wiki.pages" => $"page:{doc.GetProperty("title").GetString()}@{doc.GetProperty("createdAt").GetString()}",
                _ => r.Id,
            };
        }

        return names;
    }

    private static string Normalize(string collection, string json, Dictionary<string, string> names, bool keepIds)
    {
        if (keepIds)
        {
            return json;
        }

        var node = JsonNode.Parse(json)!.AsObject();
        if (collection.StartsWith("site.", StringComparison.Ordinal))
        {
            foreach (var time in PlatformTimes)
            {
                node.Remove(time);
            }
        }

        return TypedIdShape().Replace(node.ToJsonString(), m => names.TryGetValue(m.Value, out var name) && name != m.Value ? name : $"{m.Groups[1].Value}_*");
    }

    [GeneratedRegex("\\b([a-z]+)_[0-9a-z]{26}\\b")]
    private static partial Regex TypedIdShape();
}
