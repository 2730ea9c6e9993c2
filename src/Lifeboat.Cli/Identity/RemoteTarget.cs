using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;

namespace Lifeboat.Cli.Identity;

/// <summary>A Lifeboat server and the API token the CLI sends it (remote mode).</summary>
internal sealed record RemoteTarget(Uri Server, string Token, string TokenSource)
{
    /// <summary>How long a call may take before the CLI says the server does not answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(100);

    /// <summary>The server's address, refused unless it is an http(s) URL.</summary>
    public static Uri Url(string server) =>
        Uri.TryCreate(server.TrimEnd('/') + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new PlatformException(PlatformErrorKind.Invalid, $"'{server}' is not a server's address; give its URL, such as http://127.0.0.1:5080.");

    public HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = Server, Timeout = Timeout };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public Task<JsonNode> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    /// <summary>An answer read as the platform's own type: the server writes them with the same JSON options.</summary>
    public async Task<T> GetAsync<T>(string path, CancellationToken ct) => As<T>(await GetAsync(path, ct));

    public async Task<T> PostAsync<T>(string path, object? body, CancellationToken ct) => As<T>(await PostAsync(path, body, ct));

    public async Task<T> PutAsync<T>(string path, object? body, CancellationToken ct) => As<T>(await SendAsync(HttpMethod.Put, path, body, ct));

    public async Task<T> DeleteAsync<T>(string path, CancellationToken ct) => As<T>(await DeleteAsync(path, ct));

    private T As<T>(JsonNode node) => node.Deserialize<T>(Lifeboat.Platform.Internal.PlatformJson.Options)
        ?? throw new PlatformException(PlatformErrorKind.Invalid, $"{Server} answered with nothing where {typeof(T).Name} was expected.");

    public Task<JsonNode> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonNode> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// <summary>
    /// One call. A refusal comes back in the server's own words (its problem details): 401 and 403 as
    /// access refused, 400/404/409 as the platform's errors, so the CLI exits as it would in local mode.
    /// </summary>
    public async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var answer = await ExchangeAsync(method, path, body, ct);
        try
        {
            return answer.Length == 0 ? new JsonObject() : JsonNode.Parse(answer) ?? new JsonObject();
        }
        catch (JsonException)
        {
            // Not JSON: a success says no more than its status.
            return new JsonObject();
        }
    }

    /// <summary>A file the server answers (a CSV export) as its bytes; a refusal comes back as <see cref="SendAsync"/>'s do.</summary>
    public Task<byte[]> GetBytesAsync(string path, CancellationToken ct) => ExchangeAsync(HttpMethod.Get, path, null, ct);

    /// <summary>One call: the body of a success, or the server's refusal as the platform's exception.</summary>
    private async Task<byte[]> ExchangeAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var client = Client();
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is HttpContent content)
        {
            request.Content = content;
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the server {Server} cannot be reached ({e.Message}); check that it runs and its address (lifeboat login --server URL).");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the server {Server} did not answer {method} /{path.TrimStart('/')} within {Timeout.TotalSeconds:0} s.");
        }

        using (response)
        {
            var answer = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return answer;
            }

            JsonNode? json = null;
            try
            {
                json = answer.Length == 0 ? null : JsonNode.Parse(answer);
            }
            catch (JsonException)
            {
                // Not JSON: the status alone says what happened.
            }

            var detail = json?["detail"]?.GetValue<string>() ?? json?["title"]?.GetValue<string>() ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
            throw response.StatusCode switch
            {
                // A refused plan lists each failing ID: the CLI shows them as it does in local mode.
                HttpStatusCode.BadRequest when json?["problems"] is JsonArray problems => new PlanRefusedException(detail,
                    problems.Select(p => new TargetProblem(p?["id"]?.GetValue<string>() ?? "", p?["problem"]?.GetValue<string>() ?? "")).ToList(),
                    (json["violations"] as JsonArray)?.Select(v => v?.GetValue<string>() ?? "").ToList() ?? []),
                HttpStatusCode.Unauthorized => new AccessDeniedException(Permissions.AccountSelf,
                    $"{Server} refused the credential from {TokenSource}: {detail} Sign in again (lifeboat login --server {Server}) or give another token."),
                HttpStatusCode.Forbidden => new AccessDeniedException(json?["permission"]?.GetValue<string>() ?? "", detail),
                HttpStatusCode.NotFound when json is null => new PlatformException(PlatformErrorKind.NotFound,
                    $"{Server} has no {method} /{path.TrimStart('/')}: it may be an older Lifeboat server; run the command on the database directly (--local)."),
                HttpStatusCode.NotFound => new PlatformException(PlatformErrorKind.NotFound, detail),
                HttpStatusCode.Conflict => new PlatformException(PlatformErrorKind.Conflict, detail),
                _ when (int)response.StatusCode < 500 => new PlatformException(PlatformErrorKind.Invalid, detail),
                _ => new PlatformException(PlatformErrorKind.Invalid, $"the server {Server} failed ({(int)response.StatusCode}): {detail}"),
            };
        }
    }
}
