using Lifeboat.Platform;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Spectre.Console;

namespace Lifeboat.Cli.Tests;

/// <summary>Runs `lifeboat` in-process against a database of its own, capturing what a user would read.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-cli-tests", Guid.NewGuid().ToString("n"));

    public string ConnectionString => _database!.ConnectionString;

    /// <summary>The database as the product reaches it: the application role, and the owner that migrates it.</summary>
    public DatabaseConnections Connections => new(_database!.ConnectionString, _database.OwnerConnectionString);

    /// <summary>A database of its own, under the default policy without the breaker: tests of other things delete many sites a minute.</summary>
    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("cli");
        await using var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = _database.ConnectionString,
                OwnerConnectionString = _database.OwnerConnectionString,
                BlobDirectory = Path.Combine(Home, "blobs"),
                Actor = "test",
            },
        });
        await PlatformFixture.PutInForceAsync(platform, PlatformFixture.WithoutBreaker);
    }

    public Task<(int Exit, string Output)> RunAsync(params string[] args) => RunAsAsync("tester", args);

    /// <summary>Runs as <paramref name="actor"/> (--as), for what takes two people.</summary>
    public async Task<(int Exit, string Output)> RunAsAsync(string actor, params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 250;
        var exit = await LifeboatCli.RunAsync([.. args, "--connection", _database!.ConnectionString, "--owner-connection", _database.OwnerConnectionString, "--home", Home, "--as", actor], console);
        return (exit, writer.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        TestFiles.DeleteTree(Home);
    }
}
