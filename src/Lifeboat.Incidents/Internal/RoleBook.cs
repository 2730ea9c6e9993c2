using Npgsql;

namespace Lifeboat.Incidents.Internal;

/// <summary>Reads role holdings: who holds what now, who held what before, and which required roles are empty.</summary>
internal sealed class RoleBook(IncidentContext context)
{
    private const string Columns = "incident_id, holding_id, role, slot, person, held_from, assigned_by, held_until, ended_by";

    public async Task<IReadOnlyList<RoleHolding>> CurrentAsync(IncidentId incident, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.role_holdings WHERE incident_id = $1 AND held_until IS NULL ORDER BY holding_id");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<RoleHolding>> HistoryAsync(IncidentId incident, CancellationToken ct)
    {
        await context.RequireAsync(incident, ct);
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.role_holdings WHERE incident_id = $1 ORDER BY holding_id");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The current holder of a single-holder role's slot, read in <paramref name="tx"/> (locked when <paramref name="lockMode"/> says so).</summary>
    public static async Task<RoleHolding?> HolderAsync(IncidentTransaction tx, IncidentId incident, IncidentRole role, RoleSlot slot, string lockMode, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {Columns} FROM incidents.role_holdings WHERE incident_id = $1 AND role = $2 AND slot = $3 AND held_until IS NULL {lockMode}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(role) });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(slot) });
        var found = await ReadAsync(cmd, ct);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>The holder as committed now, outside any transaction: what a refused caller is told.</summary>
    public async Task<RoleHolding?> HolderAsync(IncidentId incident, IncidentRole role, RoleSlot slot, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.role_holdings WHERE incident_id = $1 AND role = $2 AND slot = $3 AND held_until IS NULL");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(role) });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(slot) });
        var found = await ReadAsync(cmd, ct);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Required roles (commander, communications lead, scribe) and their backups that no one holds, in that order.</summary>
    public static IReadOnlyList<RoleGap> Gaps(IReadOnlyList<RoleHolding> current) =>
    [
        .. IncidentNames.Required.SelectMany(role => new[] { new RoleGap(role, RoleSlot.Holder), new RoleGap(role, RoleSlot.Backup) })
            .Where(gap => !current.Any(h => h.Role == gap.Role && h.Slot == gap.Slot && h.Until is null)),
    ];

    /// <summary>Gaps read in <paramref name="tx"/>: what a handoff's packet reports as of its own change.</summary>
    public static async Task<IReadOnlyList<RoleGap>> GapsAsync(IncidentTransaction tx, IncidentId incident, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {Columns} FROM incidents.role_holdings WHERE incident_id = $1 AND held_until IS NULL");
        cmd.Parameters.Add(new() { Value = incident.Value });
        return Gaps(await ReadAsync(cmd, ct));
    }

    public static async Task<IReadOnlyList<RoleHolding>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<RoleHolding>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new RoleHolding(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetInt64(1),
                IncidentNames.RoleOf(reader.GetString(2)),
                IncidentNames.SlotOf(reader.GetString(3)),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return list;
    }

    /// <summary>Ends a holding now, by this actor.</summary>
    public async Task EndAsync(IncidentTransaction tx, RoleHolding holding, CancellationToken ct)
    {
        await using var cmd = tx.Command("UPDATE incidents.role_holdings SET held_until = $3, ended_by = $4 WHERE incident_id = $1 AND holding_id = $2 AND held_until IS NULL");
        cmd.Parameters.Add(new() { Value = holding.Incident.Value });
        cmd.Parameters.Add(new() { Value = holding.Id });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Starts a holding now, assigned by this actor.</summary>
    public async Task<RoleHolding> StartAsync(IncidentTransaction tx, IncidentId incident, IncidentRole role, RoleSlot slot, string person, CancellationToken ct)
    {
        await using var cmd = tx.Command($"INSERT INTO incidents.role_holdings (incident_id, role, slot, person, held_from, assigned_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {Columns}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(role) });
        cmd.Parameters.Add(new() { Value = IncidentNames.Of(slot) });
        cmd.Parameters.Add(new() { Value = person });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        var started = (await ReadAsync(cmd, ct))[0];
        // Holding a role is taking part: the holder becomes a participant (if not one already) in the same transaction.
        await new ParticipantBook(context).EnsureAsync(tx, incident, person, ct);
        return started;
    }

    /// <summary>Whether two names are one person, as the platform's two-person rules compare them (lifeboat.principal_key).</summary>
    public static async Task<bool> SamePersonAsync(IncidentTransaction tx, string a, string b, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT lifeboat.principal_key($1) = lifeboat.principal_key($2)");
        cmd.Parameters.Add(new() { Value = a });
        cmd.Parameters.Add(new() { Value = b });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
