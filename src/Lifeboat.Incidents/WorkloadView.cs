using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// The commander's view of who does what: per participant, their open tasks (none = idle), their last
/// timeline event and whether they have been silent for longer than the commander allows.
/// </summary>
internal sealed class WorkloadView(IncidentContext context)
{
    public async Task<IReadOnlyList<ParticipantWorkload>> ReadAsync(IncidentId id, TimeSpan silentAfter, CancellationToken ct)
    {
        if (silentAfter <= TimeSpan.Zero)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"silent after {silentAfter} is not a duration: give how long without an event counts as silent (30 minutes).");
        }

        await context.RequireAsync(id, ct);
        var now = context.Time.GetUtcNow();
        await using var cmd = context.Command("""
            SELECT p.person, p.region, p.shift, p.joined_at,
                   coalesce((SELECT array_agg(t.task_number ORDER BY t.task_number) FROM incidents.tasks t
                             WHERE t.incident_id = p.incident_id AND t.state = 'open'
                               AND lifeboat.principal_key(t.owner) = lifeboat.principal_key(p.person)), '{}'),
                   (SELECT max(e.at) FROM incidents.timeline e
                     WHERE e.incident_id = p.incident_id AND lifeboat.principal_key(e.actor) = lifeboat.principal_key(p.person))
            FROM incidents.participants p
            WHERE p.incident_id = $1
            ORDER BY p.participant_id
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        var list = new List<ParticipantWorkload>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var joined = reader.GetFieldValue<DateTimeOffset>(3);
            DateTimeOffset? last = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5);
            // Someone who never wrote anything is silent once they have been in the incident that long.
            var silent = now - (last ?? joined) >= silentAfter;
            list.Add(new ParticipantWorkload(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<int[]>(4),
                last,
                silent));
        }

        return list;
    }
}
