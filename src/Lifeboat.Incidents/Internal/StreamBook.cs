using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents.Internal;

/// <summary>Reads sub-streams with their roll-up (tasks open and done, last update of their own).</summary>
internal sealed class StreamBook(IncidentContext context)
{
    private const string Select = """
        SELECT s.incident_id, s.stream, s.lead, s.goal, s.cadence_minutes, s.opened_at, s.opened_by, s.closed_at, s.closed_by,
               (SELECT count(*) FROM incidents.tasks t WHERE t.incident_id = s.incident_id AND t.stream = s.stream AND t.state = 'open')::int,
               (SELECT count(*) FROM incidents.tasks t WHERE t.incident_id = s.incident_id AND t.stream = s.stream AND t.state = 'done')::int,
               (SELECT max(e.at) FROM incidents.stream_updates u JOIN incidents.timeline e ON e.incident_id = u.incident_id AND e.event_id = u.event_id
                 WHERE u.incident_id = s.incident_id AND u.stream = s.stream),
               s.restore_job_id, s.site_ids
        FROM incidents.streams s
        """;

    public async Task<IReadOnlyList<IncidentStream>> ListAsync(IncidentId incident, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"{Select} WHERE s.incident_id = $1 ORDER BY s.opened_at, s.stream");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    public async Task<IncidentStream> GetAsync(IncidentId incident, string stream, CancellationToken ct)
    {
        await using var cmd = context.Command($"{Select} WHERE s.incident_id = $1 AND s.stream = $2");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = stream });
        return (await ReadAsync(cmd, ct)).SingleOrDefault() ?? throw NotFound(incident, stream);
    }

    /// <summary>The stream read in <paramref name="tx"/> (locked when <paramref name="lockMode"/> says so); refuses one the incident does not have.</summary>
    public static async Task<IncidentStream> RequireAsync(IncidentTransaction tx, IncidentId incident, string stream, string lockMode, CancellationToken ct)
    {
        await using var cmd = tx.Command($"""
            SELECT incident_id, stream, lead, goal, cadence_minutes, opened_at, opened_by, closed_at, closed_by, 0, 0, NULL::timestamptz, restore_job_id, site_ids
            FROM incidents.streams WHERE incident_id = $1 AND stream = $2 {lockMode}
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = stream });
        return (await ReadAsync(cmd, ct)).SingleOrDefault() ?? throw NotFound(incident, stream);
    }

    /// <summary>A stream work can still be added to: it exists and is not closed.</summary>
    public static async Task<IncidentStream> RequireOpenAsync(IncidentTransaction tx, IncidentId incident, string stream, CancellationToken ct)
    {
        var found = await RequireAsync(tx, incident, stream, "FOR SHARE", ct);
        return found.ClosedAt is { } at
            ? throw new PlatformException(PlatformErrorKind.Conflict,
                $"stream {stream} of incident {incident} was closed by {found.ClosedBy} at {at:u}: put the work in an open stream, or open a new one. Nothing was changed.")
            : found;
    }

    public static PlatformException NotFound(IncidentId incident, string stream) =>
        new(PlatformErrorKind.NotFound, $"incident {incident} has no stream '{stream}': list its streams for the slug, or open it first. Nothing was changed.");

    private static async Task<IReadOnlyList<IncidentStream>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<IncidentStream>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new IncidentStream(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : TimeSpan.FromMinutes(reader.GetInt32(4)),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetInt32(9),
                reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11))
            {
                RestoreJob = reader.IsDBNull(12) ? null : RestoreJobId.FromValidated(reader.GetString(12)),
                Sites = reader.IsDBNull(13) ? [] : [.. reader.GetFieldValue<string[]>(13).Select(SiteId.FromValidated)],
            });
        }

        return list;
    }
}
