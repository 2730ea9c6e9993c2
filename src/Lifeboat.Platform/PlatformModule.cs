using Lifeboat.Storage.Backups;
using Lifeboat.Storage.Schema;

namespace Lifeboat.Platform;

/// <summary>
/// A part of Lifeboat built over the platform that keeps tables of its own (incident command). The
/// platform cannot know it (the dependency runs the other way), so the host that composes Lifeboat names
/// it in <see cref="PlatformOptions.Modules"/>: the platform then migrates the module's schema when it
/// opens, and every environment backup carries its tables and a restore puts them back. A backup of a
/// database that holds a module's schema the host did not name is refused, so no backup leaves a module out
/// without saying so.
/// </summary>
/// <param name="Migrations">The module's migrations (its module name is the one recorded in <c>lifeboat.schema_migrations</c>).</param>
/// <param name="Tables">Every table of the module's schema, parents before the tables that refer to them.</param>
public sealed record PlatformModule(MigrationSource Migrations, IReadOnlyList<TableSpec> Tables)
{
    public string Name => Migrations.Module;
}
