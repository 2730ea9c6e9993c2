namespace Lifeboat.Storage;

/// <summary>
/// The key of one tenant's data. The store gives it no meaning: the platform uses site IDs.
/// </summary>
public readonly record struct TenantId
{
    private TenantId(string value) => Value = value;

    public string Value { get; }

    public static TenantId Parse(string value) =>
        TryParse(value, out var id)
            ? id
            : throw new InvalidIdentifierException(
                $"'{value}' is not a valid tenant ID: use 1 to 64 characters, lowercase letters, digits, '_' or '-', starting with a letter or digit.");

    public static bool TryParse(string? value, out TenantId id)
    {
        id = default;
        if (!Identifiers.IsToken(value, 64))
        {
            return false;
        }

        id = new TenantId(value!);
        return true;
    }

    public override string ToString() => Value ?? "";
}

/// <summary>Shared rules for the store's identifiers, so every boundary refuses the same inputs.</summary>
internal static class Identifiers
{
    public static bool IsToken(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength || !IsLowerAlnum(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsLowerAlnum(c) && c != '_' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Record IDs are chosen by applications: any printable text up to 200 characters.</summary>
    public static string RecordId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 200 || id.Any(char.IsControl) || id.Trim().Length != id.Length)
        {
            throw new InvalidIdentifierException(
                $"'{id}' is not a valid record ID: use 1 to 200 printable characters with no leading or trailing spaces.");
        }

        return id;
    }

    public static string CollectionName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 63 || name[0] is < 'a' or > 'z' ||
            name.Any(c => !IsLowerAlnum(c) && c != '_' && c != '.' && c != '-'))
        {
            throw new InvalidIdentifierException(
                $"'{name}' is not a valid collection name: use 1 to 63 characters, lowercase letters, digits, '_', '.' or '-', starting with a letter.");
        }

        return name;
    }

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
