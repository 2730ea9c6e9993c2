using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;

namespace Lifeboat.Server;

/// <summary>
/// Opens the platform once, before the server takes requests, and disposes it at shutdown. The
/// connection is resolved like the CLI does: Lifeboat:Connection (or LIFEBOAT_CONNECTION) for an
/// existing server, otherwise the embedded private PostgreSQL under Lifeboat:Home (or LIFEBOAT_HOME).
/// Change plans are held to the policy file Lifeboat:Policy (or LIFEBOAT_POLICY), else
/// &lt;home&gt;/policy.yaml when it exists, else the built-in defaults.
/// </summary>
public sealed partial class PlatformLifetime(IConfiguration configuration, ILogger<PlatformLifetime> logger) : IHostedService, IAsyncDisposable
{
    private LifeboatPlatform? _platform;

    public LifeboatPlatform Platform => _platform ?? throw new InvalidOperationException("the platform is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var home = new LifeboatHome(Setting("Lifeboat:Home"), Setting("Lifeboat:Connection"));
        if (home.UsesEmbeddedServer)
        {
            LogEmbeddedServer(logger, home.Path);
        }

        var policy = Policy(home);
        var connections = await home.ResolveConnectionAsync(new StartupLog(logger), cancellationToken);
        _platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = connections.Application,
                // Lifeboat:OwnerConnection (or LIFEBOAT_OWNER_CONNECTION) with a connection string of your own.
                OwnerConnectionString = Setting("Lifeboat:OwnerConnection") ?? connections.Owner,
                BlobDirectory = Setting("Lifeboat:Blobs") ?? home.BlobDirectory,
                Actor = Actors.Default,
            },
            Policy = policy,
        }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }

    private string? Setting(string key) => configuration[key] is { Length: > 0 } value ? value : null;

    /// <summary>Like the CLI's --policy: a named file must exist; without one, the home's policy.yaml if any.</summary>
    private PlanPolicy Policy(LifeboatHome home)
    {
        var path = Setting("Lifeboat:Policy") ?? (Environment.GetEnvironmentVariable("LIFEBOAT_POLICY") is { Length: > 0 } p ? p : null);
        var inHome = System.IO.Path.Combine(home.Path, "policy.yaml");
        path ??= File.Exists(inHome) ? inHome : null;
        var policy = path is null ? PlanPolicy.Default : PlanPolicy.Load(path);
        LogPolicy(logger, path is null ? "the built-in default policy" : $"the policy in {path}");
        return policy;
    }

    [LoggerMessage(LogLevel.Information, "No connection configured: using the private PostgreSQL under {Home}")]
    private static partial void LogEmbeddedServer(ILogger logger, string home);

    [LoggerMessage(LogLevel.Information, "Change plans are held to {Policy}")]
    private static partial void LogPolicy(ILogger logger, string policy);

    [LoggerMessage(LogLevel.Information, "{Progress}")]
    private static partial void LogProgress(ILogger logger, string progress);

    /// <summary>Logs each step of starting the embedded server as it happens, in order (a Progress&lt;T&gt; would log from the thread pool, unordered).</summary>
    private sealed class StartupLog(ILogger logger) : IProgress<string>
    {
        public void Report(string value) => PlatformLifetime.LogProgress(logger, value);
    }
}
