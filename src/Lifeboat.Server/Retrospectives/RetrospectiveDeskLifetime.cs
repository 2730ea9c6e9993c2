using Lifeboat.Retrospectives;
using Lifeboat.Retrospectives.Drafting;
using Lifeboat.Server.Communication;
using Lifeboat.Server.Support;

namespace Lifeboat.Server.Retrospectives;

/// <summary>
/// Opens the retrospective desk once, right after the communication desk (it is registered after
/// <see cref="CommunicationDeskLifetime"/>, and hosted services start in that order), and disposes it at shutdown.
/// Requests take the desk acting as their principal, so a participant, or one with incidents.command, may write.
/// It is registered after the support desk too, whose tickets and SLA breaches it counts in each draft.
/// </summary>
public sealed class RetrospectiveDeskLifetime(PlatformLifetime platform, IncidentDeskLifetime incidents, CommunicationDeskLifetime comms, SupportDeskLifetime support)
    : IHostedService, IAsyncDisposable
{
    private RetrospectiveDesk? _desk;

    public RetrospectiveDesk Desk => _desk ?? throw new InvalidOperationException("the retrospective desk is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _desk = await RetrospectiveDesk.OpenAsync(platform.Platform, incidents.Desk, comms.Desk,
            new RetrospectiveOptions { FigureSources = [new SupportFigureSource(support.Desk)] }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public RetrospectiveDesk For(HttpContext? http) =>
        Actors.PrincipalOf(http) is { } principal ? Desk.As(principal) : Desk.WithActor(Actors.Of(http));

    public async ValueTask DisposeAsync()
    {
        if (_desk is not null)
        {
            await _desk.DisposeAsync();
        }
    }
}
