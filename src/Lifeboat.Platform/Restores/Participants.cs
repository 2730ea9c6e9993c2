using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Restores;

/// <summary>A service with a store of its own that takes part in restores over HTTP (docs/participants.md).</summary>
public sealed record Participant(string Name, Uri Url, TimeSpan Timeout)
{
    /// <summary>The key every request to it is signed with; null for one registered before requests were signed.</summary>
    internal string? Secret { get; init; }
}

/// <summary>
/// A participant just registered, with its signing secret: shown this once, to be configured in the
/// participant (it verifies every request with it); registering the name again replaces it.
/// </summary>
public sealed record ParticipantRegistration(Participant Participant, string Secret);

/// <summary>The instant a participant restores to: the commit position, and its time (participants keep their own clocks, not positions).</summary>
public sealed record ParticipantPoint(long? Position, DateTimeOffset Time);

public sealed record ParticipantStore(string Name, long Items);

public sealed record ParticipantDescription(SiteId Site, IReadOnlyList<ParticipantStore> Stores);

public sealed record ParticipantAnswer(SiteId Site, bool Ok, long Items, string? Detail);

/// <summary>A participant that did not answer in time, or answered something the protocol does not allow.</summary>
public sealed class ParticipantException(string message) : PlatformException(PlatformErrorKind.Conflict, message);

/// <summary>
/// The registry of participants, and the protocol's client: POST {url}/describe, {url}/restore and
/// {url}/validate with JSON bodies; restore must be idempotent for one job and site.
/// </summary>
public sealed partial class Participants
{
    // No redirects: a participant may not send Lifeboat's signed request to an address the allow-list does not name.
    // An answer refused unread (over the size limit) is never drained to keep its connection: the connection is
    // closed at once, so a participant streaming a huge answer is hung up on, not read to the end in the background.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, MaxResponseDrainSize = 0 }) { Timeout = Timeout.InfiniteTimeSpan };

    private readonly PlatformContext _context;

    internal Participants(PlatformContext context) => _context = context;

    /// <summary>
    /// Registers (or registers again) a participant at a URL the operator allows, with a new signing
    /// secret, which the result holds and nothing shows again.
    /// </summary>
    public async Task<ParticipantRegistration> RegisterAsync(string name, Uri url, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!NameShape().IsMatch(name ?? ""))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{name}' is not a participant name: use 1 to 40 lowercase letters, digits or '-'.");
        }

        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{url}' is not an http(s) URL for participant {name}.");
        }

        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromMinutes(10))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a participant's timeout must be between 1 ms and 10 minutes.");
        }

        var normalized = new Uri(url.ToString().TrimEnd('/'));
        if (new ParticipantUrls(_context.Options.Participants).Refusal(name!, normalized) is { } refusal)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, refusal + " Nothing was registered.");
        }

        var secret = ParticipantSignature.NewSecret();
        await using var cmd = _context.Command("""
            INSERT INTO platform.participants (name, url, timeout_ms, registered_by, registered_at, secret) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (name) DO UPDATE SET url = excluded.url, timeout_ms = excluded.timeout_ms, registered_by = excluded.registered_by,
                registered_at = excluded.registered_at, secret = excluded.secret
            """);
        cmd.Parameters.Add(new() { Value = name! });
        cmd.Parameters.Add(new() { Value = url.ToString().TrimEnd('/') });
        cmd.Parameters.Add(new() { Value = (int)timeout.TotalMilliseconds });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = secret });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return new ParticipantRegistration(new Participant(name!, normalized, timeout) { Secret = secret }, secret);
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("DELETE FROM platform.participants WHERE name = $1");
        cmd.Parameters.Add(new() { Value = name });
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<Participant>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT name, url, timeout_ms, secret FROM platform.participants ORDER BY name");
        var list = new List<Participant>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Participant(reader.GetString(0), new Uri(reader.GetString(1)), TimeSpan.FromMilliseconds(reader.GetInt32(2)))
            {
                Secret = reader.IsDBNull(3) ? null : reader.GetString(3),
            });
        }

        return list;
    }

    public async Task<Participant> GetAsync(string name, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(p => p.Name == name)
        ?? throw new PlatformException(PlatformErrorKind.NotFound, $"no participant named '{name}' is registered.");

    public async Task<ParticipantDescription> DescribeAsync(Participant participant, SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(participant);
        var answer = await CallAsync<DescribeAnswer>(participant, "describe", new { site }, site, cancellationToken);
        return new ParticipantDescription(site, answer.Stores?.Select(s => new ParticipantStore(s.Name ?? "?", s.Items)).ToList()
            ?? throw Nonsense(participant, "describe", site, "no 'stores'"));
    }

    internal async Task<ParticipantAnswer> RestoreAsync(Participant participant, RestoreJobId job, SiteId site, ParticipantPoint point, CancellationToken ct)
    {
        var answer = await CallAsync<SiteAnswer>(participant, "restore", new { job, site, recoveryPoint = point }, site, ct);
        return answer.Restored is true
            ? new ParticipantAnswer(site, true, answer.Items, answer.Detail)
            : throw new ParticipantException($"participant {participant.Name} did not restore site {site}: {answer.Detail ?? "it said restored: false"}.");
    }

    internal async Task<ParticipantAnswer> ValidateAsync(Participant participant, RestoreJobId job, SiteId site, ParticipantPoint point, CancellationToken ct)
    {
        var answer = await CallAsync<SiteAnswer>(participant, "validate", new { job, site, recoveryPoint = point }, site, ct);
        return new ParticipantAnswer(site, answer.Ok ?? throw Nonsense(participant, "validate", site, "no 'ok'"), answer.Items, answer.Detail);
    }

    private async Task<T> CallAsync<T>(Participant participant, string verb, object body, SiteId site, CancellationToken ct)
        where T : class, IAnswer
    {
        if (new ParticipantUrls(_context.Options.Participants).Refusal(participant.Name, participant.Url) is { } refusal)
        {
            throw new ParticipantException(refusal + " It was not called.");
        }

        if (participant.Secret is null)
        {
            throw new ParticipantException(
                $"participant {participant.Name} was registered before requests to participants were signed, so it has no secret; register it again " +
                $"(lifeboat participant register {participant.Name} {participant.Url}) and give its new secret to the participant. It was not called.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(participant.Timeout);
        try
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(body, PlatformJson.Options);
            var (stamp, signature) = ParticipantSignature.Sign(participant.Secret, _context.Time.GetUtcNow(), verb, json);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(participant.Url + "/" + verb)) { Content = new ByteArrayContent(json) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(ParticipantSignature.TimestampHeader, stamp);
            request.Headers.Add(ParticipantSignature.SignatureHeader, signature);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var limit = _context.Options.Participants.MaxResponseBytes;
            var bytes = await ReadLimitedAsync(response, limit, timeout.Token)
                ?? throw new ParticipantException(
                    $"participant {participant.Name} answered {verb} of site {site} with more than {Size(limit)}, the most Lifeboat reads of an answer; it stopped reading. " +
                    "Make the answer smaller (see docs/participants.md), or raise Lifeboat:Participants:MaxResponseBytes.");
            if (!response.IsSuccessStatusCode)
            {
                throw new ParticipantException($"participant {participant.Name} answered {(int)response.StatusCode} to {verb} of site {site}: {Text(bytes)}");
            }

            var answer = JsonSerializer.Deserialize<T>(bytes, PlatformJson.Options) ?? throw Nonsense(participant, verb, site, "an empty body");
            return answer.Site == site.Value ? answer : throw Nonsense(participant, verb, site, $"an answer about site '{answer.Site}'");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ParticipantException($"participant {participant.Name} did not answer {verb} of site {site} within {participant.Timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e)
        {
            throw new ParticipantException($"participant {participant.Name} could not be reached at {participant.Url} for {verb} of site {site}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw Nonsense(participant, verb, site, $"something that is not the protocol's JSON ({e.Message})");
        }
    }

    private static ParticipantException Nonsense(Participant p, string verb, SiteId site, string what) =>
        new($"participant {p.Name} answered {verb} of site {site} with {what}; see docs/participants.md for what it must send.");

    /// <summary>
    /// The answer's bytes, or null as soon as it is larger than <paramref name="limit"/>: refused from its
    /// Content-Length when it declares one, otherwise when the bytes read pass the limit, so a huge answer
    /// costs at most the limit in memory.
    /// </summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpResponseMessage response, long limit, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string Size(long bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} bytes";

    private static string Text(byte[] bytes)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 800));
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex NameShape();

    private interface IAnswer
    {
        string? Site { get; }
    }

    private sealed record DescribeAnswer(string? Site, IReadOnlyList<StoreAnswer>? Stores) : IAnswer;

    private sealed record StoreAnswer(string? Name, long Items);

    private sealed record SiteAnswer(string? Site, bool? Restored, bool? Ok, long Items, string? Detail) : IAnswer
    {
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Extra { get; init; }
    }
}
