using System.Collections.Concurrent;
using Lifeboat.Communication.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Communication.Tests;

/// <summary>
/// A receiver as a customer would run one: Kestrel on 127.0.0.1 on a port of its own, checking each request's signature
/// with <see cref="WebhookSignature.Verify"/> against the secrets it was given (a path without one takes any post, as a chat webhook does), answering 503 to the first
/// <see cref="FailFirst"/> requests, and keeping every request it saw.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int FailFirst { get; set; }

    /// <summary>The secrets the receiver accepts signatures of, by path (one webhook per path).</summary>
    public ConcurrentDictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<Received> Requests { get; } = new();

    public sealed record Received(string Path, string? Delivery, string? Event, string Body, bool Verified, int Answer);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var path = http.Request.Path.Value ?? "/";
            var verified = receiver.Secrets.TryGetValue(path, out var secret)
                && WebhookSignature.Verify(http.Request.Headers[WebhookSignature.Header], body, secret, TimeProvider.System.GetUtcNow());
            // A path with a secret refuses what it cannot verify; one without (a chat webhook) takes any post.
            var answer = Interlocked.Increment(ref receiver._requests) <= receiver.FailFirst ? 503 : verified || secret is null ? 200 : 401;
            receiver.Requests.Enqueue(new Received(path, http.Request.Headers[WebhookSignature.DeliveryHeader], http.Request.Headers[WebhookSignature.EventHeader],
                body, verified, answer));
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
