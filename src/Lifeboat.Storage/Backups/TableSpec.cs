using System.Text.RegularExpressions;

namespace Lifeboat.Storage.Backups;

/// <summary>
/// A table outside tenant data that an environment backup carries. Without an <see cref="AppendKey"/>
/// every backup carries the whole table (it is small, and its rows change); with one, the table is
/// append-only and each backup carries only the rows whose key the previous backup did not reach,
/// bounded by <see cref="Sequence"/> (the sequence the key is drawn from). A table with a
/// <see cref="TenantColumn"/> holds rows that belong to one tenant: a restore of one tenant takes
/// only that tenant's rows, and a restore of everything leaves out rows of tenants the backup lacks.
/// </summary>
public sealed partial record TableSpec(string Name, string? AppendKey = null, string? Sequence = null, string? TenantColumn = null)
{
    public string Name { get; } = Check(Name);

    public string? AppendKey { get; } = AppendKey is null ? null : CheckColumn(AppendKey);

    public string? Sequence { get; } = Sequence is null ? null : Check(Sequence);

    public string? TenantColumn { get; } = TenantColumn is null ? null : CheckColumn(TenantColumn);

    public bool IsAppendOnly => AppendKey is not null;

    private static string Check(string name) =>
        QualifiedName().IsMatch(name) ? name : throw new StoreConfigurationException($"'{name}' is not a schema-qualified lowercase table or sequence name.");

    private static string CheckColumn(string name) =>
        ColumnName().IsMatch(name) ? name : throw new StoreConfigurationException($"'{name}' is not a lowercase column name.");

    // Names are spliced into SQL, so only plain lowercase identifiers are accepted.
    [GeneratedRegex("^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex ColumnName();
}
