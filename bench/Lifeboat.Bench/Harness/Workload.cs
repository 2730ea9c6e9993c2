using System.Globalization;
using System.Text;
using System.Text.Json;
using Lifeboat.Storage;

namespace Lifeboat.Bench.Harness;

/// <summary>A document ready for both sides of a comparison: its JSON text, the parsed element the store takes, and its index keys.</summary>
internal sealed record Doc(string Json, JsonElement Element, string?[] Keys);

/// <summary>
/// The documents every benchmark writes: issue-tracker records of about 700 bytes with three indexed
/// fields, like the store's typical collection. Deterministic for a seed, so the two sides of a
/// comparison (and two runs) write the same bytes.
/// </summary>
internal sealed class Workload(int seed)
{
    public static readonly CollectionDefinition Issues = new("bench.issues", "status", "owner", "due");

    private static readonly string[] Statuses = ["open", "in_progress", "review", "blocked", "done"];

    private static readonly string[] Words =
    [
        "customer", "invoice", "reported", "the", "export", "fails", "when", "a", "filter", "is", "applied", "to", "archived",
        "projects", "after", "upgrade", "we", "see", "timeout", "on", "dashboard", "load", "steps", "reproduce", "open", "settings",
        "click", "save", "expected", "result", "page", "reloads", "actual", "error", "banner", "appears", "and", "changes", "are",
        "lost", "workaround", "none", "known", "priority", "raised", "by", "account", "manager", "please", "check", "logs", "from",
        "yesterday", "between", "nine", "eleven", "utc", "attached", "screenshot", "browser", "version", "latest", "release", "notes",
    ];

    private readonly Random _random = new(seed);

    public static JsonElement Parse(string json)
    {
        using var parsed = JsonDocument.Parse(json);
        return parsed.RootElement.Clone();
    }

    /// <summary>A new issue, or the next revision of one (its status moves now and then, so some updates change an index key).</summary>
    public Doc Issue(int revision)
    {
        var status = Statuses[_random.Next(Statuses.Length)];
        var owner = string.Create(CultureInfo.InvariantCulture, $"user-{_random.Next(200):D3}");
        var due = new DateOnly(2026, 1, 1).AddDays(_random.Next(365)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var json = JsonSerializer.Serialize(new
        {
            title = Sentence(6),
            status,
            owner,
            due,
            priority = _random.Next(1, 5),
            rev = revision,
            tags = new[] { Words[_random.Next(Words.Length)], Words[_random.Next(Words.Length)] },
            body = Sentence(70),
        });
        var element = Parse(json);
        return new Doc(json, element, Issues.KeysOf(element));
    }

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public double NextDouble() => _random.NextDouble();

    private string Sentence(int words)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            text.Append(i == 0 ? "" : " ").Append(Words[_random.Next(Words.Length)]);
        }

        return text.ToString();
    }
}
