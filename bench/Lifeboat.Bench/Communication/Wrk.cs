using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Bench.Communication;

/// <summary>One run of wrk (Debian's HTTP load generator) against one address, and what it printed, parsed.</summary>
internal static partial class Wrk
{
    public static async Task<WrkResult> RunAsync(Uri address, int connections, TimeSpan duration, CancellationToken ct)
    {
        var wrk = File.Exists("/usr/bin/wrk") ? "/usr/bin/wrk" : "wrk";
        using var process = Process.Start(new ProcessStartInfo(wrk,
            ["-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--timeout", "5s", "--latency", address.AbsoluteUri])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("wrk could not be started: run scripts/setup.sh wrk");
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk against {address} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(ct)}");
        }

        return Parse(output);
    }

    internal static WrkResult Parse(string output)
    {
        double Ms(string percentile)
        {
            var m = Regex.Match(output, $@"^\s+{Regex.Escape(percentile)}%\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
            if (!m.Success)
            {
                throw new InvalidOperationException($"wrk printed no {percentile}% latency: {output}");
            }

            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }

        var rate = RequestsPerSecond().Match(output);
        var requests = Requests().Match(output);
        var non2xx = Non2xx().Match(output);
        var socket = SocketErrors().Match(output);
        if (!rate.Success || !requests.Success)
        {
            throw new InvalidOperationException($"wrk's output was not understood: {output}");
        }

        var errors = socket.Success ? socket.Groups.Values.Skip(1).Sum(g => int.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        return new WrkResult(long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            Ms("50"), Ms("90"), Ms("99"), non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0, errors);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}

internal sealed record WrkResult(long Requests, double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, long Non2xx, int SocketErrors);
