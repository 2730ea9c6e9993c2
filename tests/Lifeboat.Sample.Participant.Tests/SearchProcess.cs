using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lifeboat.Sample.Participant.Tests;

/// <summary>
/// The sample participant as a separate process: its apphost from this test's output folder, on
/// 127.0.0.1 and a port of its choosing (read from its log), with a database and blob folder of its own.
/// </summary>
internal sealed partial class SearchProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private SearchProcess(Process process, StringBuilder output, Uri url)
    {
        _process = process;
        _output = output;
        Url = url;
        Http = new HttpClient { BaseAddress = url };
    }

    /// <summary>Where it answers, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; }

    /// <summary>Where it answers the participant protocol, to register with Lifeboat.</summary>
    public Uri ProtocolUrl => new(Url, "lifeboat");

    public HttpClient Http { get; }

    public static Process Launch(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Lifeboat.Sample.Participant"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    public static async Task<SearchProcess> StartAsync(TestDatabase database, string blobs)
    {
        var process = Launch("--urls", "http://127.0.0.1:0", "--Participant:Connection", database.ConnectionString, "--Participant:OwnerConnection", database.OwnerConnectionString,
            "--Participant:Blobs", blobs);
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (Listening().Match(line) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = await Task.WhenAny(listening.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (started != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new ShouldAssertException($"the participant did not start listening:\n{output}");
        }

        return new SearchProcess(process, output, await listening.Task);
    }

    public async Task IndexAsync(string site, string id, string title, string text)
    {
        var response = await Http.PutAsJsonAsync($"sites/{site}/documents/{id}", new { product = "tracker", title, text });
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A site's documents as JSON text (an empty array for a site never indexed), to compare before and after.</summary>
    public async Task<string> DocumentsAsync(string site)
    {
        var response = await Http.GetAsync($"sites/{site}/documents");
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : response.StatusCode == System.Net.HttpStatusCode.NotFound ? "[]" : throw new ShouldAssertException($"{response.StatusCode}: {body}");
    }

    public async Task<JsonNode> CallAsync(string verb, object body)
    {
        var response = await Http.PostAsJsonAsync($"lifeboat/{verb}", body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonNode.Parse(text)!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    public override string ToString()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
