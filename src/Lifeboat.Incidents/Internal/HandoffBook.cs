using System.Text.Json;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents.Internal;

/// <summary>Reads handoffs; the packet is stored as JSON with names as people write them.</summary>
internal sealed class HandoffBook(IncidentContext context)
{
    public const int MaxListed = 200;

    private const string Columns = "incident_id, handoff_id, role, slot, from_person, to_person, packet::text, handed_at, handed_by, acknowledged_at, acknowledged_by";

    public async Task<Handoff> GetAsync(IncidentId incident, long handoffId, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.handoffs WHERE incident_id = $1 AND handoff_id = $2");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = handoffId });
        return (await ReadAsync(cmd, ct)).SingleOrDefault()
            ?? throw new PlatformException(PlatformErrorKind.NotFound, $"incident {incident} has no handoff {handoffId}.");
    }

    /// <summary>Handoffs not yet acknowledged, oldest first (the longest waiting is the most urgent).</summary>
    public async Task<IReadOnlyList<Handoff>> PendingAsync(IncidentId incident, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.handoffs WHERE incident_id = $1 AND acknowledged_at IS NULL ORDER BY handoff_id LIMIT {MaxListed}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    private static async Task<IReadOnlyList<Handoff>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<Handoff>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var packet = JsonSerializer.Deserialize<Stored>(reader.GetString(6))!;
            list.Add(new Handoff(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetInt64(1),
                IncidentNames.RoleOf(reader.GetString(2)),
                IncidentNames.SlotOf(reader.GetString(3)),
                reader.GetString(4),
                reader.GetString(5),
                packet.ToPacket(),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return list;
    }

    /// <summary>The packet as stored: phase by name and severity by number, so the JSON reads as people say it.</summary>
    internal sealed record Stored(string Note, string Phase, int Severity, IReadOnlyList<string> OpenRoleGaps,
        IReadOnlyList<PacketStream>? OpenTasks = null, IReadOnlyList<string>? OpenHypotheses = null, IReadOnlyList<string>? RuledOut = null,
        IReadOnlyList<PacketUpdate>? LastUpdates = null, IReadOnlyList<string>? DueNext = null)
    {
        public static Stored From(HandoffPacket packet) => new(packet.Note, IncidentNames.Of(packet.Phase), (int)packet.Severity, packet.OpenRoleGaps,
            packet.OpenTasks, packet.OpenHypotheses, packet.RuledOut, packet.LastUpdates, packet.DueNext);

        public HandoffPacket ToPacket() => new(Note, IncidentNames.PhaseOf(Phase), (IncidentSeverity)Severity, OpenRoleGaps)
        {
            OpenTasks = OpenTasks ?? [],
            OpenHypotheses = OpenHypotheses ?? [],
            RuledOut = RuledOut ?? [],
            LastUpdates = LastUpdates ?? [],
            DueNext = DueNext ?? [],
        };
    }
}
