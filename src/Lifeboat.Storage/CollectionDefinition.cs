using System.Globalization;
using System.Text.Json;

namespace Lifeboat.Storage;

/// <summary>
/// A named collection of JSON documents and the (at most three) top-level fields it can be queried by.
/// The order of the fields is part of the collection's identity in the database.
/// </summary>
public sealed class CollectionDefinition
{
    public const int MaxIndexedFields = 3;

    public CollectionDefinition(string name, params string[] indexedFields)
    {
        Name = Identifiers.CollectionName(name);
        ArgumentNullException.ThrowIfNull(indexedFields);
        if (indexedFields.Length > MaxIndexedFields)
        {
            throw new StoreConfigurationException(
                $"collection '{name}' declares {indexedFields.Length} indexed fields; a collection indexes at most {MaxIndexedFields}.");
        }

        if (indexedFields.Distinct(StringComparer.Ordinal).Count() != indexedFields.Length || indexedFields.Any(string.IsNullOrWhiteSpace))
        {
            throw new StoreConfigurationException($"collection '{name}' declares an empty or repeated indexed field.");
        }

        IndexedFields = indexedFields;
    }

    public string Name { get; }

    public IReadOnlyList<string> IndexedFields { get; }

    public override string ToString() => Name;

    internal int SlotOf(string field)
    {
        for (var i = 0; i < IndexedFields.Count; i++)
        {
            if (string.Equals(IndexedFields[i], field, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new StoreConfigurationException(IndexedFields.Count == 0
            ? $"collection '{Name}' indexes no field, so it cannot be queried by '{field}'."
            : $"collection '{Name}' does not index '{field}'; it can be queried by: {string.Join(", ", IndexedFields)}.");
    }

    /// <summary>The index keys of a document, one per declared field (null when the field is absent or null).</summary>
    internal string?[] KeysOf(JsonElement document)
    {
        var keys = new string?[MaxIndexedFields];
        for (var i = 0; i < IndexedFields.Count; i++)
        {
            if (document.TryGetProperty(IndexedFields[i], out var value))
            {
                keys[i] = KeyOf(value, IndexedFields[i]);
            }
        }

        return keys;
    }

    internal string? KeyOf(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => throw new StoreConfigurationException(
            $"field '{field}' of collection '{Name}' is indexed, so it must hold a string, number or boolean, not {value.ValueKind.ToString().ToLowerInvariant()}."),
    };

    /// <summary>Formats a query value the way <see cref="KeysOf"/> stores it.</summary>
    internal static string FormatKey(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
