using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Bench.Harness;

namespace Lifeboat.Bench.Communication;

/// <summary>
/// nginx serving a folder on a loopback port: the plain web server the status page is measured beside (the same files, the
/// same machine, the same load generator). Started in the foreground as a child of the benchmark and ended by its PID.
/// </summary>
internal sealed class PeerWebServer : IAsyncDisposable
{
    private readonly Process _process;

    private PeerWebServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<PeerWebServer> StartAsync(string folder, string work, CancellationToken ct)
    {
        Directory.CreateDirectory(work);
        var port = FreePort();
        // Root's workers would run as nobody, who may not read a folder under a private home; as anyone else the directive is ignored.
        var user = Environment.UserName == "root" ? "user root;" : "";
        var config = Path.Combine(work, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            {{user}}
            worker_processes 2;
            daemon off;
            pid {{work}}/nginx.pid;
            error_log {{work}}/error.log warn;
            events { worker_connections 2048; }
            http {
                include /etc/nginx/mime.types;
                access_log off;
                sendfile on;
                client_body_temp_path {{work}}/body;
                proxy_temp_path {{work}}/proxy;
                fastcgi_temp_path {{work}}/fastcgi;
                uwsgi_temp_path {{work}}/uwsgi;
                scgi_temp_path {{work}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{folder}};
                    index index.html;
                }
            }
            """, ct);
        var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var process = Process.Start(new ProcessStartInfo(nginx, ["-p", work, "-c", config, "-e", Path.Combine(work, "error.log")])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("nginx could not be started: run scripts/setup.sh nginx");
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient();
        for (var tries = 0; ; tries++)
        {
            try
            {
                using var answer = await http.GetAsync(address, ct);
                Log.Info($"communication: nginx (PID {process.Id}) serves {folder} at {address}");
                return new PeerWebServer(process, address);
            }
            catch (HttpRequestException) when (tries < 50 && !process.HasExited)
            {
                await Task.Delay(100, ct);
            }
            catch (HttpRequestException e)
            {
                var why = process.HasExited ? await process.StandardError.ReadToEndAsync(ct) : "it does not answer";
                throw new InvalidOperationException($"nginx did not start on {address}: {why}", e);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
