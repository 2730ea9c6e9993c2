using System.Text.Json;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Sample;

/// <summary>
/// The sample's documents use the platform's JSON (typed IDs as strings, enums by name), so a
/// restored record reads back exactly as the product wrote it.
/// </summary>
internal static class SampleJson
{
    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, PlatformJson.Options);

    public static T Read<T>(StoredRecord record) => record.As<T>(PlatformJson.Options);

    /// <summary>An indexed value exactly as the document stores it (an enum's JSON name, say), for queries.</summary>
    public static JsonElement Key<T>(T value) => ToElement(value);

    /// <summary>Equal as stored (records holding lists compare those by reference, the JSON by content).</summary>
    public static bool SameContent<T>(T a, T b) =>
        string.Equals(ToElement(a).GetRawText(), ToElement(b).GetRawText(), StringComparison.Ordinal);
}
