using Lifeboat.Platform;

namespace Lifeboat.Communication.Webhooks;

/// <summary>The events webhooks can be told of, and the filter a webhook names them by: a type, a prefix (<c>restore.*</c>), or <c>*</c>.</summary>
internal static class WebhookEventTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        "update.drafted", "update.approved", "update.published", "update.withdrawn",
        "restore.started", "restore.progress", "restore.completed", "restore.verified",
    ];

    public const int MaxFilters = 50;

    /// <summary>The filter as given, trimmed and without repeats; refuses an entry that names no event there is, listing them.</summary>
    public static IReadOnlyList<string> RequireFilter(IReadOnlyList<string>? filter)
    {
        var entries = (filter ?? []).Select(f => f?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (entries.Count is 0 or > MaxFilters)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"name 1 to {MaxFilters} events to send ({entries.Count} given): event types ({string.Join(", ", All)}), prefixes such as restore.*, or * for every event.");
        }

        var unknown = entries.Where(e => !All.Any(type => Matches(e, type))).ToList();
        if (unknown.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{string.Join(", ", unknown.Select(u => $"'{u}'"))} {(unknown.Count == 1 ? "matches" : "match")} no event: the events are {string.Join(", ", All)}; a prefix ends in .* (restore.*), and * means every event.");
        }

        return entries;
    }

    public static bool Wants(IReadOnlyList<string> filter, string type) => filter.Any(f => Matches(f, type));

    private static bool Matches(string filter, string type) =>
        filter == "*" || filter == type || (filter.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(filter[..^1], StringComparison.Ordinal));
}
