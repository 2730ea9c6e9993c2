namespace Lifeboat.Server;

/// <summary>
/// The loop the incident side's background workers share: one pass, then a pause; a failed pass is reported
/// and the next comes after the same pause, so a worker keeps going through a database restart.
/// </summary>
internal static class PeriodicWork
{
    public static async Task RunAsync(TimeSpan interval, Func<CancellationToken, Task> pass, Action<Exception> failed, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed(e);
            }

            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
