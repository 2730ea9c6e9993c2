using System.Diagnostics;

namespace Lifeboat.Server.Tests;

/// <summary>Waits for what the server's background work does by itself (a signal declared, a checklist ticked, a mail sent).</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    /// <summary>Asks <paramref name="probe"/> every 200 ms until it answers, or fails naming <paramref name="what"/> after <paramref name="within"/> (60 s).</summary>
    public static async Task<T> Async<T>(Func<Task<T?>> probe, string what, CancellationToken ct, TimeSpan? within = null) where T : class
    {
        var patience = within ?? DefaultPatience;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (waited.Elapsed > patience)
            {
                throw new TimeoutException($"waited {patience.TotalSeconds} s for {what}");
            }

            await Task.Delay(200, ct);
        }
    }
}
