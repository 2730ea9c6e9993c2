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
        new NpgsqlConnectionStringBuilder(first.Application).Host.ShouldBe("127.0.0.1");
        new NpgsqlConnectionStringBuilder(first.Application).Username.ShouldBe(DatabaseRoles.Application);
        new NpgsqlConnectionStringBuilder(first.Owner!).Username.ShouldBe(DatabaseRoles.Owner);
        await Execute(first.Owner!, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

        (await _server.EnsureStartedAsync("lifeboat")).ShouldBe(first, "a running server is reused as it is");
        (await _server.StopAsync()).ShouldBeTrue();
        NpgsqlConnection.ClearAllPools(); // the pooled connections died with the server
        (await _server.GetStatusAsync()).Running.ShouldBeFalse();
        (await _server.StopAsync()).ShouldBeFalse("stopping a stopped server changes nothing");

        var again = await _server.EnsureStartedAsync("lifeboat");
        await using var connection = new NpgsqlConnection(again.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT v FROM kept", connection);
        ((int)(await cmd.ExecuteScalarAsync())!).ShouldBe(42);
        File.ReadAllText(Path.Combine(_server.ServerDirectory, "password")).Length.ShouldBeGreaterThan(20);
        (File.GetUnixFileMode(Path.Combine(_server.ServerDirectory, "password")) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).ShouldBe((UnixFileMode)0);
        (File.GetUnixFileMode(Path.Combine(_server.ServerDirectory, "roles.json")) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).ShouldBe((UnixFileMode)0);
    }

    [Fact]
    public async Task TheApplicationRole_IsNoSuperuser_AndCannotCreateOrAlterTheSchema()
    {
        _server = new LocalPostgres(_home, PostgresTuning.Disposable);
        var connections = await _server.EnsureStartedAsync("lifeboat");
        await using (var store = await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = connections.Application,
            OwnerConnectionString = connections.Owner,
            BlobDirectory = Path.Combine(_home, "blobs"),
            Actor = "test",
        }))
        {
            await store.Tenants.CreateAsync(TenantId.Parse("t-roles"));
        }

        (await Should.ThrowAsync<PostgresException>(() => Execute(connections.Application, "CREATE TABLE lifeboat.mine (v int)"))).SqlState.ShouldBe("42501");
        (await Should.ThrowAsync<PostgresException>(() => Execute(connections.Application, "DROP TRIGGER records_keep_versions ON lifeboat.records"))).SqlState.ShouldBe("42501");
        (await Should.ThrowAsync<PostgresException>(() => Execute(connections.Application, "ALTER TABLE lifeboat.record_history DISABLE TRIGGER ALL"))).SqlState.ShouldBe("42501");
        (await Should.ThrowAsync<PostgresException>(() => Execute(connections.Application, "SET session_replication_role = replica"))).SqlState.ShouldBe("42501");
    }

    [Fact]
    public async Task AConnectionWithoutThePassword_IsRefused()
    {
        _server = new LocalPostgres(_home, PostgresTuning.Disposable);
        var connection = await _server.EnsureStartedAsync("lifeboat");
        var noPassword = new NpgsqlConnectionStringBuilder(connection.Application) { Password = "wrong" }.ConnectionString;

        await Should.ThrowAsync<PostgresException>(() => Execute(noPassword, "SELECT 1"));
    }

    [Fact]
    public async Task RunAsRoot_InAHomeThePostgresUserCannotEnter_SaysWhatIsWrongAndWhatToDo_AndCreatesNothing()
    {
        Assert.SkipUnless(Environment.UserName == "root", "only root hands the server to the postgres user");
        // What `mktemp -d` makes: a folder only its owner may enter.
        var locked = Directory.CreateDirectory(_home);
        File.SetUnixFileMode(locked.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _server = new LocalPostgres(Path.Combine(locked.FullName, "lifeboat"), PostgresTuning.Disposable);

        var refused = await Should.ThrowAsync<StoreConfigurationException>(() => _server.EnsureStartedAsync("lifeboat"));

        refused.Message.ShouldContain($"cannot enter {locked.FullName} (mode 700)");
        refused.Message.ShouldContain($"chmod o+x {locked.FullName}");
        refused.Message.ShouldContain("LIFEBOAT_HOME");
        Directory.Exists(Path.Combine(locked.FullName, "lifeboat")).ShouldBeFalse("nothing was created");
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
