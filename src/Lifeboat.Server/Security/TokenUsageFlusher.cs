namespace Lifeboat.Server.Security;

/// <summary>Writes the tokens' "last used" times noted by requests, every few seconds and at shutdown, off the request path.</summary>
public sealed partial class TokenUsageFlusher(PlatformLifetime lifetime, ILogger<TokenUsageFlusher> logger, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await lifetime.Platform.Tokens.FlushUsageAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFlushFailed(logger, e);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not write the tokens' last-used times; the uses noted since the last flush are not recorded")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
