using System.Text.Json;

namespace Lifeboat.Storage.Tests;

/// <summary>Small documents and collections the tests share.</summary>
internal static class Docs
{
    public static readonly CollectionDefinition Issues = new("tracker.issues", "status", "assignee");
    public static readonly CollectionDefinition Pages = new("wiki.pages");
    public static readonly CollectionDefinition Attachments = new("tracker.attachments");

    public static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    public static JsonElement Issue(string title, string status = "open", string? assignee = null) =>
        Json(new { title, status, assignee });

    /// <summary>What a user would compare: every record's identity, version and content.</summary>
    public static List<(string Collection, string Id, long Position, string? Content)> Fingerprint(this IEnumerable<StoredRecord> records) =>
        records.Select(r => (r.Collection, r.Id, r.Position, r.Document?.GetRawText())).ToList();

    public static string Title(this StoredRecord record) => record.Document!.Value.GetProperty("title").GetString()!;
}
