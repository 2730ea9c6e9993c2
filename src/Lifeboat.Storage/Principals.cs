using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// Who is who, for two-person rules: names that differ only in case, surrounding whitespace or
/// Unicode compatibility form ('alice', 'Alice', ' alice', 'ａｌｉｃｅ') are one person. Every
/// two-person check — erasures here, plans, policy changes and policy exceptions in the platform —
/// asks this class, and the database's CHECK constraints use the same SQL function
/// (<c>lifeboat.principal_key</c>), so the code and the constraints cannot disagree. The key is
/// computed by PostgreSQL because .NET here runs without ICU (invariant globalization), where
/// <see cref="string.Normalize()"/> leaves non-ASCII text as it is.
/// </summary>
public sealed class Principals
{
    private readonly NpgsqlDataSource _dataSource;

    internal Principals(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> name the same person.</summary>
    public async Task<bool> SameAsync(string a, string b, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }

        await using var cmd = _dataSource.CreateCommand("SELECT lifeboat.principal_key($1) = lifeboat.principal_key($2)");
        cmd.Parameters.Add(new() { Value = a });
        cmd.Parameters.Add(new() { Value = b });
        return (bool)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// <paramref name="actor"/> as a refusal names them: as given when it is spelled like
    /// <paramref name="other"/>, else with why the two are taken for one person.
    /// </summary>
    public static string Describe(string actor, string other) =>
        string.Equals(actor, other, StringComparison.Ordinal)
            ? actor
            : $"{actor} (the same person as {other}: names that differ only in case, surrounding spaces or Unicode form name one person)";
}
