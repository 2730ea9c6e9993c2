using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Server.Tests;

/// <summary>
/// A stand-in for Slack's incoming webhook (Slack itself cannot run here): a real HTTP receiver on
/// 127.0.0.1 that keeps every body posted to it, and answers 500 to the first <see cref="FailFirst"/> posts.
/// </summary>
public sealed class FakeSlackWebhook : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private int _posts;

    public FakeSlackWebhook()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/services/T000/B000/secret-token");
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Url.Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public int FailFirst { get; set; }

    /// <summary>Every body the webhook accepted, in order.</summary>
    public ConcurrentQueue<string> Accepted { get; } = new();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref _posts) <= FailFirst)
            {
                context.Response.StatusCode = 500;
            }
            else
            {
                Accepted.Enqueue(body);
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync("ok"u8.ToArray());
            }

            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
