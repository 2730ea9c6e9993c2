using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lifeboat.Sample.Participant.Tests;

/// <summary>
/// The sample participant as a separate process: its apphost from this test's output folder, on
/// 127.0.0.1 and a port of its choosing (read from its log), with a database and blob folder of its own.
/// </summary>
internal sealed partial class SearchProcess : IAsyncDisposable
{
    /// <summary>The protocol's JSON: camelCase names, as Lifeboat sends them.</summary>
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly StringBuilder _output;

    private SearchProcess(Process process, StringBuilder output, Uri url, string secretFile)
    {
        _process = process;
        _output = output;
        Url = url;
        SecretFile = secretFile;
        Http = new HttpClient { BaseAddress = url };
    }

    /// <summary>Where it answers, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; }

    /// <summary>Where it answers the participant protocol, to register with Lifeboat.</summary>
    public Uri ProtocolUrl => new(Url, "lifeboat");

    public HttpClient Http { get; }

    /// <summary>Where it reads its signing secret on every call: empty until the test writes what registration printed.</summary>
    public string SecretFile { get; }

    /// <summary>The secret the test signs its own protocol calls with (as Lifeboat does).</summary>
    public string? Secret { get; private set; }

    /// <summary>Gives the participant the secret its registration returned, as an operator would.</summary>
    public async Task UseSecretAsync(string secret)
    {
        await File.WriteAllTextAsync(SecretFile, secret + "\n");
        Secret = secret;
    }

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
        var secretFile = Path.Combine(Path.GetTempPath(), $"lifeboat-search-secret-{Guid.NewGuid():n}");
        var process = Launch("--urls", "http://127.0.0.1:0", "--Participant:Connection", database.ConnectionString, "--Participant:OwnerConnection", database.OwnerConnectionString,
            "--Participant:Blobs", blobs, "--Participant:SecretFile", secretFile);
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

        return new SearchProcess(process, output, await listening.Task, secretFile);
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
        using var response = await SignedCallAsync(verb, body, Secret!, TimeProvider.System.GetUtcNow());
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>
    /// A protocol call signed as docs/participants.md says, written here from the document rather than
    /// with Lifeboat's code: "v1=" and the hex HMAC-SHA256 of "v1.{unix seconds}.{verb}.{body}".
    /// A null secret sends no signature at all.
    /// </summary>
    public async Task<HttpResponseMessage> SignedCallAsync(string verb, object body, string? secret, DateTimeOffset at)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(body, Web);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"lifeboat/{verb}") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new("application/json");
        if (secret is not null)
        {
            var stamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var signed = Encoding.UTF8.GetBytes($"v1.{stamp}.{verb}.").Concat(json).ToArray();
            request.Headers.Add("X-Lifeboat-Timestamp", stamp);
            request.Headers.Add("X-Lifeboat-Signature", "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)));
        }

        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(SecretFile);
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
