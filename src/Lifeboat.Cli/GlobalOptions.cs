using System.CommandLine;
using Lifeboat.Cli.Identity;
using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Lifeboat.Support;

namespace Lifeboat.Cli;

/// <summary>Options every command takes: where the data is, and which credential acts.</summary>
public sealed class GlobalOptions
{
    internal GlobalOptions(CliEnvironment environment) => Environment = environment;

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

    /// <summary>No longer says who acts; kept, hidden, so that a caller who gives it is told how identity works now.</summary>
    public Option<string?> Actor { get; } = new("--as")
    {
        Description = "No longer used: Lifeboat acts as who you are (lifeboat whoami)",
        Recursive = true,
        Hidden = true,
    };

    public Option<FileInfo?> TokenFile { get; } = new("--token-file")
    {
        Description = "Act as the principal of the API token in this file (default: LIFEBOAT_TOKEN; else your OS user's operator, or your saved login)",
        Recursive = true,
    };

    public Option<string?> ParticipantUrls { get; } = new("--participant-urls")
    {
        Description = "Where participants may be registered and called: http(s) URL prefixes and/or 'loopback', separated by spaces or commas (default: LIFEBOAT_PARTICIPANT_URLS, else loopback only)",
        Recursive = true,
    };

    public Option<string?> Server { get; } = new("--server")
    {
        Description = "Talk to this Lifeboat server (http://host:port) instead of the database (default: the server of your saved login, if any)",
        Recursive = true,
    };

    public Option<bool> Local { get; } = new("--local")
    {
        Description = "Work on the database directly (local mode) even when a login to a server is saved",
        Recursive = true,
    };

    internal CliEnvironment Environment { get; }

    public void AddTo(Command root)
    {
        root.Add(ParticipantUrls);
        root.Add(Connection);
        root.Add(OwnerConnection);
        root.Add(Home);
        root.Add(Policy);
        root.Add(Actor);
        root.Add(TokenFile);
        root.Add(Server);
        root.Add(Local);
    }

    public LifeboatHome HomeOf(ParseResult parse) => new(parse.GetValue(Home), parse.GetValue(Connection), parse.GetValue(OwnerConnection));

    /// <summary>
    /// The old ways of saying who acts (--as, LIFEBOAT_ACTOR): refused, since whoever typed a name
    /// could act as anyone. Null when neither is given.
    /// </summary>
    public string? ObsoleteActor(ParseResult parse)
    {
        var given = parse.GetValue(Actor) is { Length: > 0 } name ? $"--as {name}"
            : Environment.Variable("LIFEBOAT_ACTOR") is { } variable ? $"LIFEBOAT_ACTOR={variable}" : null;
        return given is null ? null
            : $"{given} no longer says who acts: anyone could type any name. Lifeboat acts as who you are: on this machine's database, " +
              "the operator of your OS user (lifeboat whoami); with an API token, its principal (LIFEBOAT_TOKEN, or --token-file FILE); " +
              "after lifeboat login --server URL, your login on that server. A step that needs a second person is run by that person, " +
              "with their own credential (for example LIFEBOAT_TOKEN=<their token> lifeboat plan approve …). " +
              (given.StartsWith("--as", StringComparison.Ordinal) ? "Leave out --as." : "Unset LIFEBOAT_ACTOR.");
    }

    /// <summary>The API token the caller gives (--token-file, else LIFEBOAT_TOKEN) and where it came from; null when none.</summary>
    internal (string Secret, string Source)? TokenOf(ParseResult parse)
    {
        if (parse.GetValue(TokenFile) is { } file)
        {
            if (!file.Exists)
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"the token file {file.FullName} does not exist; give the file an API token was written to (lifeboat token create --out FILE).");
            }

            var secret = File.ReadAllText(file.FullName).Trim();
            return secret.Length == 0
                ? throw new PlatformException(PlatformErrorKind.Invalid, $"the token file {file.FullName} is empty; it must hold one API token (lbt_…).")
                : (secret, $"the token file {file.FullName}");
        }

        return Environment.Variable("LIFEBOAT_TOKEN") is { } variable ? (variable.Trim(), "LIFEBOAT_TOKEN") : null;
    }

    /// <summary>
    /// The server the command talks to, and the token it sends: --server, or the saved login, unless
    /// --local or --connection says to work on the database. Null in local mode.
    /// </summary>
    internal RemoteTarget? RemoteOf(ParseResult parse)
    {
        var server = parse.GetValue(Server);
        var local = parse.GetValue(Local) || parse.GetValue(Connection) is not null;
        if (server is not null && local)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "--server talks to a server, and --local or --connection works on the database: give one of them.");
        }

        if (local)
        {
            return null;
        }

        var saved = SavedLogin.Read(Environment);
        var token = TokenOf(parse);
        if (server is not null)
        {
            var url = RemoteTarget.Url(server);
            return token is { } t ? new RemoteTarget(url, t.Secret, t.Source)
                : saved is not null && RemoteTarget.Url(saved.Server) == url ? new RemoteTarget(url, saved.Token, "your saved login")
                : throw new AccessDeniedException(Permissions.AccountSelf,
                    $"no credential for {url}: sign in first (lifeboat login --server {url}), or give a token (LIFEBOAT_TOKEN, or --token-file FILE).");
        }

        return saved is null ? null
            : token is { } given ? new RemoteTarget(RemoteTarget.Url(saved.Server), given.Secret, given.Source)
            : new RemoteTarget(RemoteTarget.Url(saved.Server), saved.Token, "your saved login");
    }

    /// <summary>What the CLI records before it knows who acts (the first OS user's account is created by it).</summary>
    public const string ServiceActor = "lifeboat";

    public Task<LifeboatPlatform> OpenPlatformAsync(ParseResult parse, CancellationToken ct) =>
        OpenPlatformAsync(parse, new BackupOptions { Directory = HomeOf(parse).BackupDirectory }, ct);

    public async Task<LifeboatPlatform> OpenPlatformAsync(ParseResult parse, BackupOptions backups, CancellationToken ct) =>
        await LifeboatPlatform.OpenAsync(new PlatformOptions { Store = await StoreOptionsAsync(parse, ct), Backups = backups, Participants = ParticipantsOf(parse), Modules = [IncidentDesk.Module, CommunicationDesk.Module, SupportDesk.Module, RetrospectiveDesk.Module] }, ct);

    public ParticipantOptions ParticipantsOf(ParseResult parse) => new()
    {
        AllowedUrls = ParticipantOptions.Split(parse.GetValue(ParticipantUrls) ?? Environment.Variable("LIFEBOAT_PARTICIPANT_URLS")),
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

        if (Environment.Variable("LIFEBOAT_POLICY") is { } variable)
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
            // Who acts is known only once the platform can check it (CliSession); until then, Lifeboat itself.
            Actor = ServiceActor,
        };
    }
}
