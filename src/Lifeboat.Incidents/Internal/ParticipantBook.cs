using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents.Internal;

/// <summary>Reads participants and adds one where a role, a claim or a join makes someone take part.</summary>
internal sealed class ParticipantBook(IncidentContext context)
{
    public const string Columns = "incident_id, person, region, shift, joined_at, joined_by";

    public async Task<IReadOnlyList<Participant>> ListAsync(IncidentId incident, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.participants WHERE incident_id = $1 ORDER BY participant_id");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The participant <paramref name="person"/> is under any spelling, read in <paramref name="tx"/>, or null.</summary>
    public static async Task<Participant?> FindAsync(IncidentTransaction tx, IncidentId incident, string person, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {Columns} FROM incidents.participants WHERE incident_id = $1 AND lifeboat.principal_key(person) = lifeboat.principal_key($2)");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = person });
        return (await ReadAsync(cmd, ct)).SingleOrDefault();
    }

    /// <summary>
    /// The participant a task's owner or a stream's lead must be; refuses anyone else, naming how to add them.
    /// The stored spelling is returned, so one person is written one way across the incident.
    /// </summary>
    public static async Task<Participant> RequireAsync(IncidentTransaction tx, IncidentId incident, string person, string asWhat, CancellationToken ct) =>
        await FindAsync(tx, incident, person, ct)
            ?? throw new PlatformException(PlatformErrorKind.Conflict,
                $"{person} is not a participant of incident {incident}, so they cannot be {asWhat}: add them first (they join the incident, or someone gives them a role), then try again. Nothing was changed.");

    /// <summary>Makes <paramref name="person"/> a participant if they are not one (a role or a claim makes someone take part); returns them.</summary>
    public async Task<Participant> EnsureAsync(IncidentTransaction tx, IncidentId incident, string person, CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.participants (incident_id, person, joined_at, joined_by, changed_at, changed_by)
            VALUES ($1, $2, $3, $4, $3, $4)
            ON CONFLICT (incident_id, (lifeboat.principal_key(person))) DO NOTHING
            """))
        {
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = person });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return (await FindAsync(tx, incident, person, ct))!;
    }

    public static async Task<IReadOnlyList<Participant>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<Participant>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Participant(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5)));
        }

        return list;
    }
}
