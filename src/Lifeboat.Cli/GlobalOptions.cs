using System.CommandLine;
using Lifeboat.Platform;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
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

    /// <summary>No longer chooses the policy; kept, hidden, so that a caller who gives it is told how to propose the file instead.</summary>
    public Option<string?> Policy { get; } = new("--policy")
    {
        Description = "No longer used: the policy is the environment's (lifeboat policy show | propose | approve)",
        Recursive = true,
        Hidden = true,
    };

    public Option<string?> Actor { get; } = new("--as")
    {
        Description = "Who is acting, recorded with every change (default: LIFEBOAT_ACTOR, else the login name)",
        Recursive = true,
    };

    public Option<string?> ParticipantUrls { get; } = new("--participant-urls")
    {
        Description = "Where participants may be registered and called: http(s) URL prefixes and/or 'loopback', separated by spaces or commas (default: LIFEBOAT_PARTICIPANT_URLS, else loopback only)",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Add(ParticipantUrls);
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
        await LifeboatPlatform.OpenAsync(new PlatformOptions { Store = await StoreOptionsAsync(parse, ct), Backups = backups, Participants = ParticipantsOf(parse) }, ct);

    public ParticipantOptions ParticipantsOf(ParseResult parse) => new()
    {
        AllowedUrls = ParticipantOptions.Split(parse.GetValue(ParticipantUrls) ?? Environment.GetEnvironmentVariable("LIFEBOAT_PARTICIPANT_URLS")),
    };

    /// <summary>
    /// The old ways of choosing a policy: --policy or LIFEBOAT_POLICY (refused, since the caller
    /// expects that file to apply and it would not), or &lt;home&gt;/policy.yaml (a note). Null when none.
    /// </summary>
    public (string Message, bool Refused)? ObsoletePolicy(ParseResult parse)
    {
        if (parse.GetValue(Policy) is { Length: > 0 } option)
        {
            return (PolicyStore.NotChosenByFile("--policy", option), true);
        }

        if (Environment.GetEnvironmentVariable("LIFEBOAT_POLICY") is { Length: > 0 } variable)
        {
            return (PolicyStore.NotChosenByFile("LIFEBOAT_POLICY", variable), true);
        }

        var inHome = Path.Combine(HomeOf(parse).Path, "policy.yaml");
        return File.Exists(inHome) ? (PolicyStore.NotChosenByFile("the home's policy.yaml", inHome), false) : null;
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
