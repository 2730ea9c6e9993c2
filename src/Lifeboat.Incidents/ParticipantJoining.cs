using System.Text.RegularExpressions;
using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Adds a person to an incident with their region and shift, or updates those when they take part
/// already (under any spelling of their name): joining twice is not an error, and changes nothing when
/// nothing new is given.
/// </summary>
internal sealed partial class ParticipantJoining(IncidentContext context, ParticipantBook participants)
{
    public async Task<Participant> JoinAsync(IncidentId id, string person, string? region, string? shift, CancellationToken ct)
    {
        var who = IncidentContext.RequirePerson(person, "the person joining");
        var regionGiven = NormalizeRegion(region);
        var shiftGiven = NormalizeShift(shift);

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "join the survivor");
        var before = await ParticipantBook.FindAsync(tx, id, who, ct);
        var joined = before ?? await participants.EnsureAsync(tx, id, who, ct);
        var newRegion = regionGiven ?? joined.Region;
        var newShift = shiftGiven ?? joined.Shift;
        if (before is not null && string.Equals(newRegion, before.Region, StringComparison.Ordinal) && string.Equals(newShift, before.Shift, StringComparison.Ordinal))
        {
            // Already there as given: nothing to record.
            return before;
        }

        await using (var cmd = tx.Command("""
            UPDATE incidents.participants SET region = $3, shift = $4, changed_at = $5, changed_by = $6
            WHERE incident_id = $1 AND lifeboat.principal_key(person) = lifeboat.principal_key($2)
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = who });
            cmd.Parameters.Add(IncidentContext.Text(newRegion));
            cmd.Parameters.Add(IncidentContext.Text(newShift));
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var where = string.Join(", ", new[] { newRegion, newShift }.Where(s => s is not null));
        var text = before is null
            ? $"{joined.Person} joined{(where.Length > 0 ? $" ({where})" : "")}"
            : $"{joined.Person} now works {(where.Length > 0 ? where : "with no region or shift")}";
        await context.RecordAsync(tx, id, "participant", text, ct);
        await tx.CommitAsync(ct);
        return (await participants.ListAsync(id, ct)).Single(p => string.Equals(p.Person, joined.Person, StringComparison.Ordinal));
    }

    private static string? NormalizeRegion(string? region)
    {
        if (region is null)
        {
            return null;
        }

        var r = region.Trim().ToLowerInvariant();
        return RegionSlug().IsMatch(r)
            ? r
            : throw new PlatformException(PlatformErrorKind.Invalid,
                $"the region '{region}' is not a short name: use lower-case letters, digits and dashes, at most 32 (\"apac\", \"emea\", \"us-east\"). Nothing was changed.");
    }

    /// <summary>"HH:MM-HH:MM", in UTC (" UTC" may be written), across midnight allowed; kept as "HH:MM-HH:MM UTC".</summary>
    internal static string? NormalizeShift(string? shift)
    {
        if (shift is null)
        {
            return null;
        }

        var match = ShiftPattern().Match(shift.Trim());
        if (!match.Success)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the shift '{shift}' is not HH:MM-HH:MM in UTC: write it as \"00:00-08:00 UTC\" (24-hour clock; a shift may cross midnight, \"22:00-06:00 UTC\"). Nothing was changed.");
        }

        var (from, to) = (match.Groups["from"].Value, match.Groups["to"].Value);
        return string.Equals(from, to, StringComparison.Ordinal)
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"the shift '{shift}' starts and ends at {from}: give the hours the person covers, \"00:00-08:00 UTC\". Nothing was changed.")
            : $"{from}-{to} UTC";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex RegionSlug();

    [GeneratedRegex("^(?<from>(?:[01][0-9]|2[0-3]):[0-5][0-9])\\s*-\\s*(?<to>(?:[01][0-9]|2[0-3]):[0-5][0-9])(?:\\s+UTC)?$", RegexOptions.IgnoreCase)]
    private static partial Regex ShiftPattern();
}
