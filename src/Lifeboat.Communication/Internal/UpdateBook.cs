using System.Text.Json;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Communication.Internal;

/// <summary>Reads updates: one, an incident's, the published ones of an audience.</summary>
internal sealed class UpdateBook(CommsContext context)
{
    public const string Columns = """
        incident_id, update_number, stream, audience, account_id, phase, label, language, template, message, subject, body, figures::text,
        corrects, state, origin, drafted_at, drafted_by, approved_at, approved_by, checked_at, checked_by, published_at, published_by
        """;

    public async Task<IncidentUpdate> GetAsync(IncidentId incident, int number, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM comms.updates WHERE incident_id = $1 AND update_number = $2");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = number });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : throw NotFound(incident, number);
    }

    /// <summary>An incident's updates, newest first; only published ones when <paramref name="publishedOnly"/>.</summary>
    public async Task<IReadOnlyList<IncidentUpdate>> OfIncidentAsync(IncidentId incident, bool publishedOnly, CancellationToken ct)
    {
        await using var cmd = context.Command($"""
            SELECT {Columns} FROM comms.updates WHERE incident_id = $1 AND ($2 = false OR state = 'published')
            ORDER BY update_number DESC
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = publishedOnly });
        return await ReadAllAsync(cmd, ct);
    }

    public static async Task<IReadOnlyList<IncidentUpdate>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var updates = new List<IncidentUpdate>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            updates.Add(Read(reader));
        }

        return updates;
    }

    public static PlatformException NotFound(IncidentId incident, int number) =>
        new(PlatformErrorKind.NotFound, $"incident {incident} has no update {number}: list its updates to find the number.");

    public static IncidentUpdate Read(NpgsqlDataReader r)
    {
        using var figures = JsonDocument.Parse(r.GetString(12));
        return new IncidentUpdate(
            IncidentId.FromValidated(r.GetString(0)),
            r.GetInt32(1),
            r.IsDBNull(2) ? null : r.GetString(2),
            Enum.Parse<UpdateAudience>(r.GetString(3), ignoreCase: true),
            r.IsDBNull(4) ? null : r.GetString(4),
            Enum.Parse<UpdatePhase>(r.GetString(5), ignoreCase: true),
            r.GetString(6),
            r.GetString(7),
            r.GetString(8),
            r.GetString(9),
            r.GetString(10),
            r.GetString(11),
            figures.RootElement.Clone(),
            r.IsDBNull(13) ? null : r.GetInt32(13),
            Enum.Parse<UpdateState>(r.GetString(14), ignoreCase: true),
            Enum.Parse<UpdateOrigin>(r.GetString(15), ignoreCase: true),
            r.GetFieldValue<DateTimeOffset>(16),
            r.GetString(17),
            r.IsDBNull(18) ? null : r.GetFieldValue<DateTimeOffset>(18),
            r.IsDBNull(19) ? null : r.GetString(19),
            r.IsDBNull(20) ? null : r.GetFieldValue<DateTimeOffset>(20),
            r.IsDBNull(21) ? null : r.GetString(21),
            r.IsDBNull(22) ? null : r.GetFieldValue<DateTimeOffset>(22),
            r.IsDBNull(23) ? null : r.GetString(23));
    }
}
