using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Platform.Tests;

public enum Misbehaviour
{
    None,

    /// <summary>Answers long after any sensible timeout.</summary>
    Sleeps,

    /// <summary>Answers JSON that is not the protocol's shape.</summary>
    AnswersWrongShape,

    /// <summary>Answers about another site.</summary>
    AnswersForAnotherSite,

    /// <summary>Starts a 100 MiB answer without a length: sends 2 MiB of it, then waits for the reader to hang up.</summary>
    AnswersHuge,

    /// <summary>Declares a 100 MiB answer in its Content-Length, sends 2 MiB of it, then waits for the reader to hang up.</summary>
    DeclaresHuge,
}

/// <summary>
/// A participant over real HTTP on 127.0.0.1, in the test process: it answers the protocol properly
/// for every site but one, for which it does what <see cref="Misbehaviour"/> says (which a test may change).
/// </summary>
internal sealed class StubParticipant : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubParticipant(WebApplication app) => _app = app;

    public Misbehaviour Misbehaviour { get; set; }

    public SiteId? Target { get; init; }

    /// <summary>Every call: verb and site.</summary>
    public ConcurrentQueue<(string Verb, string Site)> Calls { get; } = new();

    /// <summary>Every call as it arrived: verb, its X-Lifeboat-Timestamp and X-Lifeboat-Signature headers, and the body's bytes.</summary>
    public ConcurrentQueue<(string Verb, string? Timestamp, string? Signature, byte[] Body)> Received { get; } = new();

    public Uri Url => new(_app.Urls.Single().TrimEnd('/') + "/lifeboat");

    public static async Task<StubParticipant> StartAsync(SiteId? target, Misbehaviour misbehaviour, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var stub = new StubParticipant(app) { Target = target, Misbehaviour = misbehaviour };
        app.MapPost("/lifeboat/{verb}", stub.AnswerAsync);
        await app.StartAsync();

        // The first request compiles the endpoint, which on a loaded machine takes longer than a test's participant timeout:
        // take it here, without one, so the timeouts the tests measure are about the misbehaviour alone.
        using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(1) })
        {
            (await http.PostAsJsonAsync(new Uri(stub.Url, "lifeboat/describe"), new { site = "site_01jd8x2k9q4m7t6v5w3y1z0a8b" })).EnsureSuccessStatusCode();
        }

        stub.Calls.Clear();
        stub.Received.Clear();
        return stub;
    }

    /// <summary>
    /// Says (by its Content-Length) or starts (without one) a 100 MiB answer, sends 2 MiB of it, twice Lifeboat's
    /// limit, and then sends nothing more until the reader hangs up. A reader that stops at its limit fails at once
    /// with the size in its error; one that waited for the rest would wait for its timeout and say so instead.
    /// </summary>
    private static async Task SendHugeAsync(HttpContext http, bool declare)
    {
        const int Chunk = 64 * 1024;
        const long Sent = 2L << 20;
        http.Response.ContentType = "application/json";
        if (declare)
        {
            http.Response.ContentLength = 100L << 20;
        }

        var bytes = new byte[Chunk];
        Array.Fill(bytes, (byte)' ');
        bytes[0] = (byte)'[';
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        try
        {
            for (long sent = 0; sent < Sent; sent += Chunk)
            {
                await http.Response.Body.WriteAsync(bytes, hangUp.Token);
                await http.Response.Body.FlushAsync(hangUp.Token);
            }

            await Task.Delay(Timeout.Infinite, hangUp.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The reader hung up, or the test is over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> AnswerAsync(string verb, HttpContext http)
    {
        using var raw = new MemoryStream();
        await http.Request.Body.CopyToAsync(raw, http.RequestAborted);
        Received.Enqueue((verb, http.Request.Headers["X-Lifeboat-Timestamp"].FirstOrDefault(), http.Request.Headers["X-Lifeboat-Signature"].FirstOrDefault(), raw.ToArray()));
        using var body = JsonDocument.Parse(raw.ToArray());
        var site = body.RootElement.GetProperty("site").GetString()!;
        Calls.Enqueue((verb, site));
        if (site == Target?.Value)
        {
            switch (Misbehaviour)
            {
                case Misbehaviour.Sleeps:
                    await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Empty;
                case Misbehaviour.AnswersWrongShape:
                    return Results.Text("""["restored", true]""", "application/json");
                case Misbehaviour.AnswersForAnotherSite:
                    return Results.Json(new { site = "site_01jd8x2k9q4m7t6v5w3y1z0a8b", restored = true, ok = true, items = 1 });
                case Misbehaviour.AnswersHuge or Misbehaviour.DeclaresHuge:
                    await SendHugeAsync(http, declare: Misbehaviour == Misbehaviour.DeclaresHuge);
                    return Results.Empty;
            }
        }

        return verb == "describe"
            ? Results.Json(new { site, stores = new[] { new { name = "things", items = 1 } } })
            : Results.Json(new { site, restored = true, ok = true, items = 1, detail = "as at the point" });
    }
}
