using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Restores;

/// <summary>A service with a store of its own that takes part in restores over HTTP (docs/participants.md).</summary>
public sealed record Participant(string Name, Uri Url, TimeSpan Timeout);

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
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private readonly PlatformContext _context;

    internal Participants(PlatformContext context) => _context = context;

    public async Task<Participant> RegisterAsync(string name, Uri url, TimeSpan timeout, CancellationToken cancellationToken = default)
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

        await using var cmd = _context.Command("""
            INSERT INTO platform.participants (name, url, timeout_ms, registered_by, registered_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name) DO UPDATE SET url = excluded.url, timeout_ms = excluded.timeout_ms, registered_by = excluded.registered_by, registered_at = excluded.registered_at
            """);
        cmd.Parameters.Add(new() { Value = name! });
        cmd.Parameters.Add(new() { Value = url.ToString().TrimEnd('/') });
        cmd.Parameters.Add(new() { Value = (int)timeout.TotalMilliseconds });
        cmd.Parameters.Add(new() { Value = _context.Actor });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return new Participant(name!, new Uri(url.ToString().TrimEnd('/')), timeout);
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("DELETE FROM platform.participants WHERE name = $1");
        cmd.Parameters.Add(new() { Value = name });
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<Participant>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT name, url, timeout_ms FROM platform.participants ORDER BY name");
        var list = new List<Participant>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Participant(reader.GetString(0), new Uri(reader.GetString(1)), TimeSpan.FromMilliseconds(reader.GetInt32(2))));
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

    private static async Task<T> CallAsync<T>(Participant participant, string verb, object body, SiteId site, CancellationToken ct)
        where T : class, IAnswer
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(participant.Timeout);
        try
        {
            using var response = await Http.PostAsJsonAsync(new Uri(participant.Url + "/" + verb), body, PlatformJson.Options, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new ParticipantException($"participant {participant.Name} answered {(int)response.StatusCode} to {verb} of site {site}: {await Text(response, timeout.Token)}");
            }

            var answer = await response.Content.ReadFromJsonAsync<T>(PlatformJson.Options, timeout.Token) ?? throw Nonsense(participant, verb, site, "an empty body");
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

    private static async Task<string> Text(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
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
