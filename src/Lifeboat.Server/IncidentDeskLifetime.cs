using Lifeboat.Incidents;

namespace Lifeboat.Server;

/// <summary>
/// Opens the incident desk once, right after the platform (it is registered after
/// <see cref="PlatformLifetime"/>, and hosted services start in that order), and disposes it at
/// shutdown. Requests take the desk acting as their principal, with the source "api".
/// </summary>
public sealed class IncidentDeskLifetime(PlatformLifetime platform) : IHostedService, IAsyncDisposable
{
    /// <summary>What the desk records as the source of every timeline event written over HTTP.</summary>
    public const string Source = "api";

    private IncidentDesk? _desk;

    public IncidentDesk Desk => _desk ?? throw new InvalidOperationException("the incident desk is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _desk = await IncidentDesk.OpenAsync(platform.Platform, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The desk acting as the request's principal (every endpoint of the area needs one), recording the source "api".</summary>
    public IncidentDesk For(HttpContext? http) =>
        (Actors.PrincipalOf(http) is { } principal ? Desk.As(principal) : Desk.WithActor(Actors.Of(http))).WithSource(Source);

    public async ValueTask DisposeAsync()
    {
        if (_desk is not null)
        {
            await _desk.DisposeAsync();
        }
    }
}
