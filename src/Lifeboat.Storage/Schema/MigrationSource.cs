using System.Reflection;
using System.Text.RegularExpressions;

namespace Lifeboat.Storage.Schema;

/// <summary>
/// The numbered SQL scripts of one module ("store", "platform", …), embedded in its assembly as
/// resources named "{prefix}NNNN_description.sql".
/// </summary>
public sealed partial class MigrationSource(string module, Assembly assembly, string resourcePrefix)
{
    public string Module { get; } = module;

    public static MigrationSource Store { get; } = new("store", typeof(MigrationSource).Assembly, "Lifeboat.Storage.Schema.Store.");

    internal IReadOnlyList<Migration> Load()
    {
        var migrations = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(resourcePrefix, StringComparison.Ordinal)))
        {
            var file = name[resourcePrefix.Length..];
            var match = FileName().Match(file);
            if (!match.Success)
            {
                throw new StoreConfigurationException($"migration resource '{name}' must be named NNNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(Module, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), file, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        // Numbers may have gaps: parallel branches each take the numbers they were given, and are merged in any order.
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new StoreConfigurationException(
                    $"migrations of module '{Module}' must each have a number of their own; {migrations[i - 1].Name} and {migrations[i].Name} share {migrations[i].Version}.");
            }
        }

        return migrations;
    }

    [GeneratedRegex(@"^(\d{4})_[a-z0-9_]+\.sql$")]
    private static partial Regex FileName();
}

internal sealed record Migration(string Module, int Version, string Name, string Sql);
