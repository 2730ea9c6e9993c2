using Npgsql;

namespace Lifeboat.Support.Tests;

public sealed class ModuleTablesTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    /// <summary>An environment backup carries the tables its module names: a support table left out would not come back after a restore.</summary>
    [Fact]
    public async Task EveryTableOfTheSupportSchema_IsNamedInTheModule()
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'support' AND table_type = 'BASE TABLE'",
            connection);
        var tables = (string)(await cmd.ExecuteScalarAsync())!;
        tables.Split(',').ShouldBe(SupportDesk.Module.Tables.Select(t => t.Name), ignoreOrder: true);
    }
}
