using System.Globalization;

namespace Lifeboat.Retrospectives;

/// <summary>A duration in the words a retrospective reads: "42 s", "7 min 5 s", "3 h 12 min", "2 d 4 h".</summary>
public static class Durations
{
    public static string Words(TimeSpan span)
    {
        var negative = span < TimeSpan.Zero;
        var d = negative ? -span : span;
        var text = d.TotalSeconds < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.#} s")
            : d.TotalMinutes < 60
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min {d.Seconds} s")
                : d.TotalHours < 24
                    ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours} h {d.Minutes} min")
                    : string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays} d {d.Hours} h");
        return negative ? "-" + text : text;
    }
}
