using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Bench.Harness;

/// <summary>Progress lines on standard output, each stamped with the time since the process started.</summary>
internal static class Log
{
    private static readonly long Start = Stopwatch.GetTimestamp();
    private static readonly Lock Sync = new();

    public static void Info(string message)
    {
        var elapsed = Stopwatch.GetElapsedTime(Start).TotalSeconds;
        lock (Sync)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{elapsed,7:0.0}s] {message}"));
        }
    }

    /// <summary>Reports a long step's progress at most every <paramref name="every"/> items, and at its end.</summary>
    public static void Step(string step, long done, long total, long every)
    {
        if (done == total || done % every == 0)
        {
            Info(string.Create(CultureInfo.InvariantCulture, $"  {step}: {done:N0}/{total:N0} ({100.0 * done / total:0}%)"));
        }
    }

    /// <summary>Awaits a long single call, printing how long it has been running every few seconds.</summary>
    public static async Task<T> WhileRunning<T>(string step, Task<T> task)
    {
        var started = Stopwatch.GetTimestamp();
        while (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(5))) != task)
        {
            Info(string.Create(CultureInfo.InvariantCulture, $"  {step}: running for {Stopwatch.GetElapsedTime(started).TotalSeconds:0}s"));
        }

        return await task;
    }

    /// <summary>An <see cref="IProgress{T}"/> that prints at once (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    public sealed class Printer : IProgress<string>
    {
        public void Report(string value) => Info(value);
    }
}
