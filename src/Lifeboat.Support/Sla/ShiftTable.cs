using System.Globalization;
using Lifeboat.Platform;

namespace Lifeboat.Support.Sla;

/// <summary>One support team's shift, in whole UTC hours: from <see cref="FromHour"/> up to <see cref="ToHour"/> (24 is midnight); a shift past midnight has From &gt; To.</summary>
public sealed record Shift(string Team, int FromHour, int ToHour)
{
    public bool Covers(int hour) => FromHour < ToHour ? hour >= FromHour && hour < ToHour : hour >= FromHour || hour < ToHour;

    /// <summary>How many hours ago this shift began, at <paramref name="hour"/> (which it covers).</summary>
    internal int HoursIn(int hour) => (hour - FromHour + 24) % 24;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Team} {FromHour:00}:00–{ToHour:00}:00 UTC");
}

/// <summary>
/// Who is on duty when, and which team each customer region belongs to. The team on duty is the one whose shift began most
/// recently among those on shift (shifts may overlap by an hour for the hand-off). A ticket of an account is its region's
/// team's while that team is on shift, and the team on duty's otherwise; a ticket without an account is the team on duty's.
/// </summary>
public sealed class ShiftTable
{
    /// <summary>apac 23:00–08:00, emea 07:00–16:00, amer 15:00–24:00 UTC: each overlaps the next by an hour.</summary>
    public IReadOnlyList<Shift> Shifts { get; init; } = [new("apac", 23, 8), new("emea", 7, 16), new("amer", 15, 24)];

    /// <summary>The team of each region sites live in (the platform's regions); a region not listed is served by whoever is on duty.</summary>
    public IReadOnlyDictionary<string, string> TeamOfRegion { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ap-southeast"] = "apac",
        ["eu-west"] = "emea",
        ["us-east"] = "amer",
    };

    public IEnumerable<string> Teams => Shifts.Select(s => s.Team).Distinct(StringComparer.Ordinal);

    /// <summary>The teams on shift at <paramref name="at"/>, the one on duty first.</summary>
    public IReadOnlyList<string> OnShift(DateTimeOffset at)
    {
        var hour = at.UtcDateTime.Hour;
        return [.. Shifts.Where(s => s.Covers(hour)).OrderBy(s => s.HoursIn(hour)).Select(s => s.Team).Distinct(StringComparer.Ordinal)];
    }

    public string OnDuty(DateTimeOffset at) => OnShift(at)[0];

    /// <summary>The owner of a ticket of an account in <paramref name="region"/> (null: no account) at <paramref name="at"/>.</summary>
    public string OwnerOf(string? region, DateTimeOffset at)
    {
        var onShift = OnShift(at);
        return region is not null && TeamOfRegion.TryGetValue(region, out var team) && onShift.Contains(team, StringComparer.Ordinal) ? team : onShift[0];
    }

    /// <summary>Refuses a team name that is not a short word, an hour outside 0–24, an empty shift, or an hour of the day nobody covers.</summary>
    internal void Check()
    {
        if (Shifts.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the shift table is empty: give each support team its UTC hours (e.g. emea 07–16).");
        }

        foreach (var shift in Shifts)
        {
            if (!IsTeamWord(shift.Team))
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"'{shift.Team}' is not a team name: use 1 to 40 lower-case letters, digits or hyphens (e.g. emea).");
            }

            if (shift.FromHour is < 0 or > 23 || shift.ToHour is < 1 or > 24 || shift.FromHour == shift.ToHour)
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"the shift {shift} is not a span of whole UTC hours: from 0–23 to 1–24, and not empty.");
            }
        }

        var uncovered = Enumerable.Range(0, 24).Where(h => !Shifts.Any(s => s.Covers(h))).ToList();
        if (uncovered.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"no team is on shift at {string.Join(", ", uncovered.Select(h => h.ToString("00", CultureInfo.InvariantCulture) + ":00"))} UTC; escalations are staffed around the clock, so cover every hour.");
        }

        foreach (var (region, team) in TeamOfRegion)
        {
            if (!Teams.Contains(team, StringComparer.Ordinal))
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"region {region} belongs to team '{team}', which has no shift; teams with shifts: {string.Join(", ", Teams)}.");
            }
        }
    }

    /// <summary>Reads an owner given by a person (?owner=emea), refusing a team the table does not know.</summary>
    public string Team(string? value) =>
        value?.Trim().ToLowerInvariant() is { Length: > 0 } team && Teams.Contains(team, StringComparer.Ordinal)
            ? team
            : throw new PlatformException(PlatformErrorKind.Invalid, $"'{value}' is not a support team; use one of: {string.Join(", ", Teams)}.");

    private static bool IsTeamWord(string? team) =>
        team is { Length: >= 1 and <= 40 } && team.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
