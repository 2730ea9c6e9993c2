using Lifeboat.Server.Communication;
using Lifeboat.Support;

namespace Lifeboat.Server.Support;

/// <summary>
/// Opens the support desk once, after the communication desk (registered after it; hosted services start in that order), and
/// disposes it at shutdown. Requests take the desk acting as their principal, or as "anonymous" on the public intake.
/// </summary>
public sealed class SupportDeskLifetime(PlatformLifetime platform, CommunicationDeskLifetime communication, ChannelSettings channels, IConfiguration configuration)
    : IHostedService, IAsyncDisposable
{
    private SupportDesk? _desk;

    public SupportDesk Desk => _desk ?? throw new InvalidOperationException("the support desk is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = communication.Desk; // opened before: the support schema comes after the communication module's
        _desk = await SupportDesk.OpenAsync(platform.Platform, SupportSettings.Options(configuration, channels), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public SupportDesk For(HttpContext? http) =>
        Actors.PrincipalOf(http) is { } principal ? Desk.As(principal) : Desk.WithActor(Actors.Of(http));

    public async ValueTask DisposeAsync()
    {
        if (_desk is not null)
        {
            await _desk.DisposeAsync();
        }
    }
}
