using System.CommandLine;
using Lifeboat.Platform;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;

namespace Lifeboat.Cli;

/// <summary>Options every command takes: where the data is, and who is acting.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Connection { get; } = new("--connection")
    {
        Description = "PostgreSQL connection string (default: LIFEBOAT_CONNECTION, else the private server Lifeboat starts itself)",
        Recursive = true,
    };

    public Option<string?> OwnerConnection { get; } = new("--owner-connection")
    {
        Description = "With --connection: the owner role's connection string, which migrates the schema and imports backups (default: LIFEBOAT_OWNER_CONNECTION, else --connection itself)",
        Recursive = true,
    };

    public Option<string?> Home { get; } = new("--home")
    {
        Description = "Lifeboat's home folder: embedded server and blobs (default: LIFEBOAT_HOME, else ~/.lifeboat, or /var/lib/lifeboat for root)",
        Recursive = true,
    };

    public Option<string?> Policy { get; } = new("--policy")
    {
        Description = "Change-plan policy file (default: LIFEBOAT_POLICY, else <home>/policy.yaml when it exists, else the built-in safe defaults)",
        Recursive = true,
    };

    public Option<string?> Actor { get; } = new("--as")
    {
        Description = "Who is acting, recorded with every change (default: LIFEBOAT_ACTOR, else the login name)",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Add(Connection);
        root.Add(OwnerConnection);
        root.Add(Home);
        root.Add(Policy);
        root.Add(Actor);
    }

    public LifeboatHome HomeOf(ParseResult parse) => new(parse.GetValue(Home), parse.GetValue(Connection), parse.GetValue(OwnerConnection));

    public string ActorOf(ParseResult parse) =>
        parse.GetValue(Actor) ?? (Environment.GetEnvironmentVariable("LIFEBOAT_ACTOR") is { Length: > 0 } a ? a : Environment.UserName);

    public async Task<TenantStore> OpenStoreAsync(ParseResult parse, CancellationToken ct) =>
        await TenantStore.OpenAsync(await StoreOptionsAsync(parse, ct), ct);

    public Task<LifeboatPlatform> OpenPlatformAsync(ParseResult parse, CancellationToken ct) =>
        OpenPlatformAsync(parse, new BackupOptions { Directory = HomeOf(parse).BackupDirectory }, ct);

    public async Task<LifeboatPlatform> OpenPlatformAsync(ParseResult parse, BackupOptions backups, CancellationToken ct) =>
        await LifeboatPlatform.OpenAsync(new PlatformOptions { Store = await StoreOptionsAsync(parse, ct), Policy = PolicyOf(parse), Backups = backups }, ct);

    public PlanPolicy PolicyOf(ParseResult parse)
    {
        var path = parse.GetValue(Policy) ?? Environment.GetEnvironmentVariable("LIFEBOAT_POLICY");
        if (path is { Length: > 0 })
        {
            return PlanPolicy.Load(path);
        }

        var inHome = Path.Combine(HomeOf(parse).Path, "policy.yaml");
        return File.Exists(inHome) ? PlanPolicy.Load(inHome) : PlanPolicy.Default;
    }

    private async Task<StoreOptions> StoreOptionsAsync(ParseResult parse, CancellationToken ct)
    {
        var home = HomeOf(parse);
        var connections = await home.ResolveConnectionAsync(null, ct);
        return new StoreOptions
        {
            ConnectionString = connections.Application,
            OwnerConnectionString = connections.Owner,
            BlobDirectory = home.BlobDirectory,
            Actor = ActorOf(parse),
        };
    }
}
