using System.Text.RegularExpressions;
using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>
/// Opens a sub-stream of an incident: a slug unique in the incident, a lead who takes part, a goal, and
/// optionally an update cadence of its own — what April 2022 lacked to keep restore streams apart.
/// </summary>
internal sealed partial class StreamStart(IncidentContext context, StreamBook streams)
{
    public static readonly TimeSpan MaxCadence = TimeSpan.FromHours(24);

    public async Task<IncidentStream> OpenAsync(IncidentId id, StreamOpening opening, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(opening);
        var slug = opening.Slug?.Trim();
        if (slug is null || !Slug().IsMatch(slug))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the stream '{opening.Slug}' is not a short slug: use lower-case letters, digits and dashes, at most 40 (\"restore-wave-1\"). Nothing was opened.");
        }

        var lead = IncidentContext.RequirePerson(opening.Lead, $"the lead of stream {slug}");
        var goal = opening.Goal?.Trim();
        if (string.IsNullOrEmpty(goal) || goal.Length > 500)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"stream {slug} needs a goal of 1 to 500 characters (it has {goal?.Length ?? 0}): say what the stream is there to achieve (\"every site of wave 1 restored and validated\"). Nothing was opened.");
        }

        int? cadenceMinutes = null;
        if (opening.Cadence is { } cadence)
        {
            if (cadence < TimeSpan.FromMinutes(1) || cadence > MaxCadence || cadence.Ticks % TimeSpan.TicksPerMinute != 0)
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"stream {slug}'s cadence of {cadence} is not a whole number of minutes from 1 minute to 24 hours: give one (30 minutes), or none to follow the incident's. Nothing was opened.");
            }

            cadenceMinutes = (int)cadence.TotalMinutes;
        }

        try
        {
            await using var tx = await context.BeginAsync(ct);
            var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
            IncidentContext.RequireOpen(incident, "open the stream on the survivor");
            var leader = await ParticipantBook.RequireAsync(tx, id, lead, $"the lead of stream {slug}", ct);
            await using (var cmd = tx.Command("""
                INSERT INTO incidents.streams (incident_id, stream, lead, goal, cadence_minutes, opened_at, opened_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """))
            {
                cmd.Parameters.Add(new() { Value = id.Value });
                cmd.Parameters.Add(new() { Value = slug });
                cmd.Parameters.Add(new() { Value = leader.Person });
                cmd.Parameters.Add(new() { Value = goal });
                cmd.Parameters.Add(new() { Value = (object?)cadenceMinutes ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
                cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
                cmd.Parameters.Add(new() { Value = context.Actor });
                await cmd.ExecuteNonQueryAsync(ct);
            }

            var every = cadenceMinutes is { } m ? $", updates every {m} min" : "";
            await context.RecordAsync(tx, id, "stream", $"stream {slug} opened, led by {leader.Person}{every}: {goal}", ct);
            await tx.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            var existing = await streams.GetAsync(id, slug, ct);
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"incident {id} has a stream {slug} already (opened by {existing.OpenedBy} at {existing.OpenedAt:u}, led by {existing.Lead}): choose another slug. Nothing was opened.");
        }

        return await streams.GetAsync(id, slug, ct);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex Slug();
}
