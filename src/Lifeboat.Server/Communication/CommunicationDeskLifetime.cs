using Lifeboat.Communication;

namespace Lifeboat.Server.Communication;

/// <summary>
/// Opens the communication desk once, right after the incident desk (it is registered after
/// <see cref="IncidentDeskLifetime"/>, and hosted services start in that order), and disposes it at shutdown.
/// Requests take the desk acting as their principal; the channels' workers take it as the server. Its options come from
/// <see cref="CommunicationSettings"/>.
/// </summary>
public sealed class CommunicationDeskLifetime(PlatformLifetime platform, IncidentDeskLifetime incidents, IConfiguration configuration) : IHostedService, IAsyncDisposable
{
    private CommunicationDesk? _desk;

    public CommunicationDesk Desk => _desk ?? throw new InvalidOperationException("the communication desk is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _desk = await CommunicationDesk.OpenAsync(platform.Platform, incidents.Desk, CommunicationSettings.Options(configuration), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The desk acting as the request's principal (or "anonymous" on the public endpoints).</summary>
    public CommunicationDesk For(HttpContext? http) =>
        Actors.PrincipalOf(http) is { } principal ? Desk.As(principal) : Desk.WithActor(Actors.Of(http));

    public async ValueTask DisposeAsync()
    {
        if (_desk is not null)
        {
            await _desk.DisposeAsync();
        }
    }
}
