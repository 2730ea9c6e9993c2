using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Spectre.Console;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// Runs `lifeboat` in-process against a database of its own, capturing what a user would read. The
/// command runs as the OS user <see cref="OsUser"/>, the environment's admin; what takes a second
/// person runs with that person's own API token (<see cref="RunAsAsync"/>), as it must.
/// </summary>
public sealed class CliFixture : IAsyncLifetime
{
    /// <summary>The OS user the tests' commands run as: an admin of the test environment.</summary>
    public const string OsUser = "tester";

    /// <summary>What the people of the tests may do unless a test says otherwise: ask, approve and restore.</summary>
    public static readonly string[] PersonRoles = [Roles.Operator, Roles.Approver, Roles.Restorer];

    private TestDatabase? _database;
    private LifeboatPlatform? _platform;

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-cli-tests", Guid.NewGuid().ToString("n"));

    public string ConnectionString => _database!.ConnectionString;

    /// <summary>The database as the product reaches it: the application role, and the owner that migrates it.</summary>
    public DatabaseConnections Connections => new(_database!.ConnectionString, _database.OwnerConnectionString);

    /// <summary>The platform, as the test itself (set-up that is not what a test is about).</summary>
    public LifeboatPlatform Platform => _platform!;

    /// <summary>A database of its own, under the default policy without the breaker: tests of other things delete many sites a minute.</summary>
    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("cli");
        _platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = _database.ConnectionString,
                OwnerConnectionString = _database.OwnerConnectionString,
                BlobDirectory = Path.Combine(Home, "blobs"),
                Actor = "test",
            },
        });
        await PlatformFixture.PutInForceAsync(_platform, PlatformFixture.WithoutBreaker);
        await _platform.Operators.CreateAsync(OsUser, "The tests' OS user", [Roles.Admin], OperatorOrigin.OsUser, OsUser);
        Directory.CreateDirectory(Path.Combine(Home, "tokens"));
    }

    /// <summary>Runs as the OS user <see cref="OsUser"/> (local mode, no token).</summary>
    public Task<(int Exit, string Output)> RunAsync(params string[] args) => RunWithAsync(Environment(OsUser), args);

    /// <summary>
    /// Runs with a new API token of the operator <paramref name="login"/> (created with the roles
    /// <see cref="PersonRoles"/>, when there is no such operator yet): a second person with their own credential.
    /// </summary>
    public Task<(int Exit, string Output)> RunAsAsync(string login, params string[] args) => RunAsWithRolesAsync(login, null, args);

    /// <summary>As <see cref="RunAsAsync"/>, creating a missing operator with <paramref name="roles"/>.</summary>
    public async Task<(int Exit, string Output)> RunAsWithRolesAsync(string login, IReadOnlyList<string>? roles, params string[] args)
    {
        var file = await TokenFileAsync(login, roles);
        return await RunWithAsync(Environment(OsUser), [.. args, "--token-file", file]);
    }

    /// <summary>A file holding a new personal token of <paramref name="login"/>, creating the operator when missing.</summary>
    public async Task<string> TokenFileAsync(string login, IReadOnlyList<string>? roles = null)
    {
        var account = await Platform.Operators.FindAsync(login) ?? await Platform.Operators.CreateAsync(login, login, roles ?? PersonRoles);
        var created = await Platform.Tokens.CreatePersonalAsync(account.Id, "cli test");
        var file = Path.Combine(Home, "tokens", $"{created.Token.Id}.token");
        await File.WriteAllTextAsync(file, created.Secret);
        return file;
    }

    /// <summary>The machine as the command sees it: an OS user, no environment variables but <paramref name="variables"/>, stderr captured.</summary>
    internal static CliEnvironment Environment(string osUser, IReadOnlyDictionary<string, string>? variables = null) =>
        new(osUser, name => variables?.GetValueOrDefault(name), new StringWriter());

    /// <summary>Runs on this fixture's database and home; the output is what the command printed, then what it said on stderr.</summary>
    internal Task<(int Exit, string Output)> RunWithAsync(CliEnvironment environment, params string[] args) =>
        RunOnAsync(environment, [.. args, "--connection", _database!.ConnectionString, "--owner-connection", _database.OwnerConnectionString, "--home", Home]);

    /// <summary>Runs exactly <paramref name="args"/>, nothing added.</summary>
    internal static async Task<(int Exit, string Output)> RunOnAsync(CliEnvironment environment, params string[] args)
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
        var exit = await LifeboatCli.RunAsync(args, console, environment);
        return (exit, writer.ToString() + environment.Error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        TestFiles.DeleteTree(Home);
    }
}
