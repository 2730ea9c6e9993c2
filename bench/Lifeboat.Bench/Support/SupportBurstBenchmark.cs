using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Lifeboat.Bench.Harness;
using Lifeboat.Bench.Incidents;

namespace Lifeboat.Bench.Support;

/// <summary>
/// Issue 14's burst: the whole server (rate limiter on, its defaults: 30 requests a minute per /24, 5 an hour per address) takes
/// 200 intake requests a second for 10 s from 2,000 different networks, each with its own address, and mails each a code through
/// the local postfix; no request may error out (a 5xx, a reset or a timeout). Then one network floods at 100 a second while 100 a
/// second more come from other networks: the flood must get 429s, and the others must all be served. The server trusts no
/// forwarded header, so the networks are real source addresses: every client binds its own address in 127.0.0.0/8 (all of it is
/// loopback on Linux), one connection per request, as different people's browsers would.
/// </summary>
internal sealed class SupportBurstBenchmark : IBenchmark
{
    private const int Rate = 200;

    public string Name => "support-burst";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var seconds = scale.Pick(10, 3);
        var database = await server.CreateDatabaseAsync("support_burst", ct);
        await using var host = new IncidentServerHost(database, Path.Combine(server.Home, "support-burst-blobs"), Path.Combine(server.Home, "support-burst-home"),
            Path.GetFullPath("runbooks"), new Dictionary<string, string>
            {
                ["Lifeboat:Communication:Mail:Host"] = "127.0.0.1",
                ["Lifeboat:Communication:Mail:Port"] = "25",
                ["Lifeboat:Communication:Mail:From"] = "support@lifeboat.test",
                ["Lifeboat:Restore:Workers"] = "0",
            });
        var address = host.Start();
        Log.Info($"{Name}: the server listens on {address}");

        // Warm-up from networks of their own (JIT, pools, the first mail), not counted.
        await SendAsync(address, Enumerable.Range(0, 20).Select(i => new Shot(i * 20, Source(250, i), $"warm-{i}", "warm-up")).ToList(), ct);

        var burst = Enumerable.Range(0, Rate * seconds).Select(i => new Shot(i * 1000.0 / Rate, Source(1 + (i / 250), i % 250), $"burst-{i}", "burst")).ToList();
        Log.Info($"{Name}: burst, {burst.Count:N0} requests at {Rate}/s from {burst.Count:N0} networks");
        var burstResults = await SendAsync(address, burst, ct);

        // The flood: 20 hosts of one /24 at 100/s together; the others: 100/s from networks that send one request each.
        var flood = Enumerable.Range(0, 100 * seconds).Select(i => new Shot(i * 10.0, Source(240, 0, 1 + (i % 20)), $"flood-{i}", "flood"));
        var others = Enumerable.Range(0, 100 * seconds).Select(i => new Shot((i * 10.0) + 5, Source(20 + (i / 250), i % 250), $"other-{i}", "others"));
        Log.Info($"{Name}: one network floods at 100/s while {100 * seconds:N0} others send at 100/s");
        var floodResults = await SendAsync(address, [.. flood.Concat(others).OrderBy(s => s.AtMs)], ct);

        var phases = new[]
        {
            Phase.Of("burst", burstResults),
            Phase.Of("flood", floodResults.Where(r => r.Group == "flood").ToList()),
            Phase.Of("others during the flood", floodResults.Where(r => r.Group == "others").ToList()),
        };
        Report.Table($"{Name}: {Rate}/s for {seconds} s, then a flood", ["phase", "requests", "accepted (202)", "limited (429)", "errors", "p50 ms", "p99 ms", "max ms", "answered/s"],
            phases.Select(p => (IReadOnlyList<string>)[p.Name, Report.Num(p.Requests), Report.Num(p.Accepted), Report.Num(p.Limited), Report.Num(p.Errors),
                Report.Num(p.P50Ms, "N1"), Report.Num(p.P99Ms, "N1"), Report.Num(p.MaxMs, "N1"), Report.Num(p.AnsweredPerSecond, "N1")]));

        var (b, f, o) = (phases[0], phases[1], phases[2]);
        var met = b.Errors == 0 && b.Accepted == b.Requests && f.Errors == 0 && f.Limited > 0 && f.Accepted <= 30 && o.Errors == 0 && o.Accepted == o.Requests;
        return new BenchOutcome(new Goal(
            $"{Rate} intake requests/s for {seconds} s with no error ({b.Errors} errors, {b.Accepted} of {b.Requests} accepted, p99 {b.P99Ms} ms, {b.AnsweredPerSecond} answers/s); a flooding network " +
            $"limited ({f.Limited} of {f.Requests} got 429, {f.Accepted} accepted) while every other network is served ({o.Accepted} of {o.Requests}, {o.Errors} errors)", met),
            new { rate = Rate, seconds, phases });
    }

    /// <summary>An address in 127.0.0.0/8: network 127.a.b.0/24, host h.</summary>
    private static IPAddress Source(int a, int b, int host = 1) => new([127, (byte)a, (byte)b, (byte)host]);

    private sealed record Shot(double AtMs, IPAddress From, string Who, string Group);

    private sealed record Result(string Group, int Status, double Ms, string? Error, double DoneAtMs);

    /// <summary>A phase's figures; <paramref name="AnsweredPerSecond"/> is how many answers a second the server gave, from the first request sent to the last answer.</summary>
    private sealed record Phase(string Name, int Requests, int Accepted, int Limited, int Errors, double P50Ms, double P99Ms, double MaxMs, double AnsweredPerSecond,
        IReadOnlyList<string> ErrorSamples)
    {
        public static Phase Of(string name, IReadOnlyList<Result> results)
        {
            var ms = results.Select(r => r.Ms).ToList();
            var errors = results.Where(r => r.Status is not (202 or 429)).ToList();
            return new Phase(name, results.Count, results.Count(r => r.Status == 202), results.Count(r => r.Status == 429), errors.Count,
                Stats.Round(Stats.Percentile(ms, 50), 1), Stats.Round(Stats.Percentile(ms, 99), 1), Stats.Round(ms.DefaultIfEmpty().Max(), 1),
                Stats.Round(results.Count / Math.Max(results.Select(r => r.DoneAtMs).DefaultIfEmpty().Max() / 1000, 0.001), 1),
                [.. errors.Take(5).Select(e => $"{e.Status} {e.Error}")]);
        }
    }

    /// <summary>Fires every shot at its time (open loop: a slow answer does not slow the next request), each on its own connection from its own address.</summary>
    private static async Task<List<Result>> SendAsync(Uri address, IReadOnlyList<Shot> shots, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var pending = new List<Task<Result>>(shots.Count);
        foreach (var shot in shots)
        {
            var wait = shot.AtMs - clock.Elapsed.TotalMilliseconds;
            if (wait > 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
            }

            pending.Add(Task.Run(() => OneAsync(address, shot, clock, ct), ct));
        }

        return [.. await Task.WhenAll(pending)];
    }

    private static async Task<Result> OneAsync(Uri address, Shot shot, Stopwatch clock, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(shot.From, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await client.PostAsJsonAsync("/api/support/requests", new
            {
                email = $"{shot.Who}@burst.example",
                company = "Burst Ltd",
                site = "https://www.burst.lifeboat.example/",
                description = "Our site is gone and nobody can sign in.",
            }, ct);
            var body = response.IsSuccessStatusCode ? null : await response.Content.ReadAsStringAsync(ct);
            return new Result(shot.Group, (int)response.StatusCode, watch.Elapsed.TotalMilliseconds, body, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Result(shot.Group, 0, watch.Elapsed.TotalMilliseconds, e.Message, clock.Elapsed.TotalMilliseconds);
        }
    }
}
