using Lifeboat.Incidents;

namespace Lifeboat.Server;

/// <summary>
/// Opens the incident desk once, right after the platform (it is registered after
/// <see cref="PlatformLifetime"/>, and hosted services start in that order), and disposes it at
/// shutdown. Requests take the desk acting as their principal, with the source "api". The setting
/// <c>Lifeboat:Runbooks</c> names a folder of runbooks (one <c>type.yaml</c> each) declaring posts as
/// checklists; a broken runbook stops the start, naming its file and line.
/// </summary>
public sealed class IncidentDeskLifetime(PlatformLifetime platform, IConfiguration configuration) : IHostedService, IAsyncDisposable
{
    public const string RunbooksKey = "Lifeboat:Runbooks";

    /// <summary>What the desk records as the source of every timeline event written over HTTP.</summary>
    public const string Source = "api";

    private IncidentDesk? _desk;

    public IncidentDesk Desk => _desk ?? throw new InvalidOperationException("the incident desk is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _desk = configuration[RunbooksKey] is { Length: > 0 } folder
            ? await IncidentDesk.OpenAsync(platform.Platform, new IncidentDeskOptions { RunbookFolder = folder }, cancellationToken)
            : await IncidentDesk.OpenAsync(platform.Platform, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The desk acting as the request's principal (every endpoint of the area needs one), recording the source "api",
    /// and giving roles only to operators whose roles allow them.
    /// </summary>
    public IncidentDesk For(HttpContext? http) =>
        (Actors.PrincipalOf(http) is { } principal ? Desk.As(principal) : Desk.WithActor(Actors.Of(http))).WithSource(Source).WithRolePermissions();

    public async ValueTask DisposeAsync()
    {
        if (_desk is not null)
        {
            await _desk.DisposeAsync();
        }
    }
}
