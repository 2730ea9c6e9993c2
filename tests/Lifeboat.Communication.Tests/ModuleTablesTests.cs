using Npgsql;

namespace Lifeboat.Communication.Tests;

public sealed class ModuleTablesTests(CommsFixture fixture) : IClassFixture<CommsFixture>
{
    /// <summary>An environment backup carries the tables its module names: a channel table left out would not come back after a restore.</summary>
    [Fact]
    public async Task EveryTableOfTheCommsSchema_IsNamedInTheModule()
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'comms' AND table_type = 'BASE TABLE'",
            connection);
        var tables = (string)(await cmd.ExecuteScalarAsync())!;
        tables.Split(',').ShouldBe(CommunicationDesk.Module.Tables.Select(t => t.Name), ignoreOrder: true);
    }
}
