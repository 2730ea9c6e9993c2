using System.CommandLine;
using Lifeboat.Platform;
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

    public Option<string?> Home { get; } = new("--home")
    {
        Description = "Lifeboat's home folder: embedded server and blobs (default: LIFEBOAT_HOME, else ~/.lifeboat, or /var/lib/lifeboat for root)",
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
        root.Add(Home);
        root.Add(Actor);
    }

    public LifeboatHome HomeOf(ParseResult parse) => new(parse.GetValue(Home), parse.GetValue(Connection));

    public string ActorOf(ParseResult parse) =>
        parse.GetValue(Actor) ?? (Environment.GetEnvironmentVariable("LIFEBOAT_ACTOR") is { Length: > 0 } a ? a : Environment.UserName);

    public async Task<TenantStore> OpenStoreAsync(ParseResult parse, CancellationToken ct)
    {
        var home = HomeOf(parse);
        var connection = await home.ResolveConnectionAsync(null, ct);
        return await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = connection,
            BlobDirectory = home.BlobDirectory,
            Actor = ActorOf(parse),
        }, ct);
    }

    /// <summary>The platform on the same database and blob folder as the store.</summary>
    public async Task<LifeboatPlatform> OpenPlatformAsync(ParseResult parse, CancellationToken ct)
    {
        var home = HomeOf(parse);
        var connection = await home.ResolveConnectionAsync(null, ct);
        return await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions { ConnectionString = connection, BlobDirectory = home.BlobDirectory, Actor = ActorOf(parse) },
        }, ct);
    }
}
