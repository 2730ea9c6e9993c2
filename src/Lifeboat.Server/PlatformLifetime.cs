using Lifeboat.Platform;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;

namespace Lifeboat.Server;

/// <summary>
/// Opens the platform once, before the server takes requests, and disposes it at shutdown. The
/// connection is resolved like the CLI does: Lifeboat:Connection (or LIFEBOAT_CONNECTION) for an
/// existing server, otherwise the embedded private PostgreSQL under Lifeboat:Home (or LIFEBOAT_HOME).
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

        var connection = await home.ResolveConnectionAsync(new Progress<string>(m => LogProgress(logger, m)), cancellationToken);
        _platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = connection,
                BlobDirectory = Setting("Lifeboat:Blobs") ?? home.BlobDirectory,
                Actor = Actors.Default,
            },
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

    [LoggerMessage(LogLevel.Information, "No connection configured: using the private PostgreSQL under {Home}")]
    private static partial void LogEmbeddedServer(ILogger logger, string home);

    [LoggerMessage(LogLevel.Information, "{Progress}")]
    private static partial void LogProgress(ILogger logger, string progress);
}
