using System.Globalization;
using System.Text.Json.Serialization;

namespace Lifeboat.Storage;

/// <summary>
/// An instant of the store: either a commit position (exact) or a time (every version committed at
/// or before it). Either one means the same instant for every collection, blob and tenant.
/// </summary>
public readonly record struct RecoveryPoint
{
    // Also how JSON reads a point back ({"position":…,"time":…}, as the server writes it), for the CLI's remote mode.
    [JsonConstructor]
    private RecoveryPoint(long? position, DateTimeOffset? time)
    {
        Position = position;
        Time = time;
    }

    public long? Position { get; }

    public DateTimeOffset? Time { get; }

    public static RecoveryPoint AtPosition(long position) =>
        position < 0
            ? throw new RecoveryPointException($"position {position} is not a commit position: positions start at 1.")
            : new RecoveryPoint(position, null);

    public static RecoveryPoint AtTime(DateTimeOffset time) => new(null, time.ToUniversalTime());

    /// <summary>Parses "position:123" (or "@123") and ISO-8601 times such as "2026-04-05T07:38:00Z".</summary>
    public static RecoveryPoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var digits = t.StartsWith("position:", StringComparison.Ordinal) ? t["position:".Length..]
            : t.StartsWith('@') ? t[1..]
            : null;
        if (digits is not null && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return AtPosition(position);
        }

        if (digits is null && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return AtTime(time);
        }

        throw new RecoveryPointException(
            $"'{text}' is not a recovery point: give a commit position as 'position:123' or '@123', or a time as '2026-04-05T07:38:00Z'.");
    }

    public override string ToString() =>
        Position is { } p ? $"position:{p}" : Time!.Value.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
