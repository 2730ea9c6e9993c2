using Lifeboat.Storage.Hosting;
using Npgsql;

namespace Lifeboat.Storage.Tests;

public sealed class LocalPostgresTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine("/tmp/lifeboat-tests", "embedded-" + Guid.NewGuid().ToString("n")[..8]);
    private LocalPostgres? _server;

    [Fact]
    public async Task EnsureStarted_CreatesAPrivateServerOnLoopback_ReusesIt_AndKeepsDataAcrossAStop()
    {
        _server = new LocalPostgres(_home, PostgresTuning.Disposable);
        (await _server.GetStatusAsync()).Initialized.ShouldBeFalse();

        var first = await _server.EnsureStartedAsync("lifeboat");
        var status = await _server.GetStatusAsync();
        status.Running.ShouldBeTrue();
        new NpgsqlConnectionStringBuilder(first).Host.ShouldBe("127.0.0.1");
        await Execute(first, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

        (await _server.EnsureStartedAsync("lifeboat")).ShouldBe(first, "a running server is reused as it is");
        (await _server.StopAsync()).ShouldBeTrue();
        NpgsqlConnection.ClearAllPools(); // the pooled connections died with the server
        (await _server.GetStatusAsync()).Running.ShouldBeFalse();
        (await _server.StopAsync()).ShouldBeFalse("stopping a stopped server changes nothing");

        var again = await _server.EnsureStartedAsync("lifeboat");
        await using var connection = new NpgsqlConnection(again);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT v FROM kept", connection);
        ((int)(await cmd.ExecuteScalarAsync())!).ShouldBe(42);
        File.ReadAllText(Path.Combine(_server.ServerDirectory, "password")).Length.ShouldBeGreaterThan(20);
        (File.GetUnixFileMode(Path.Combine(_server.ServerDirectory, "password")) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).ShouldBe((UnixFileMode)0);
    }

    [Fact]
    public async Task AConnectionWithoutThePassword_IsRefused()
    {
        _server = new LocalPostgres(_home, PostgresTuning.Disposable);
        var connection = await _server.EnsureStartedAsync("lifeboat");
        var noPassword = new NpgsqlConnectionStringBuilder(connection) { Password = "wrong" }.ConnectionString;

        await Should.ThrowAsync<PostgresException>(() => Execute(noPassword, "SELECT 1"));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _server.StopAsync();
        }

        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
