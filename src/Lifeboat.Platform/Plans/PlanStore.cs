using System.Text.Json;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Plans;

/// <summary>The rows of a plan: <c>platform.plans</c>, its targets and its waves, written and read in one place.</summary>
internal sealed class PlanStore(PlatformContext context)
{
    private const string Columns = """
        plan_id, action, target_kind, parameters::text, reason, requested_by, override, created_at, content_hash, state, halt_code, state_reason,
        approved_by, approved_hash, dropped::text, blast_radius::text, decision::text, rehearsal::text, started_at, finished_at, incident
        """;

    /// <summary>Records a verified plan, Verified, with its targets and waves.</summary>
    public async Task InsertAsync(StoreTransaction tx, PlanId id, PlanRequest request, VerifiedPlan verified, PlanPolicy.WavePolicy waves, CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        await using (var cmd = tx.Command("""
            INSERT INTO platform.plans (plan_id, action, target_kind, parameters, reason, requested_by, override, created_at, content_hash, state, dropped, blast_radius, decision, updated_at, incident)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'Verified', $10, $11, $12, $8, $13)
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = verified.Action.Name });
            cmd.Parameters.Add(new() { Value = verified.Action.TargetKind.Prefix });
            cmd.Parameters.Add(Jsonb(request.Parameters));
            cmd.Parameters.Add(new() { Value = request.Reason });
            cmd.Parameters.Add(new() { Value = context.Actor });
            cmd.Parameters.Add(new() { Value = (object?)request.Override ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = verified.Hash });
            cmd.Parameters.Add(Jsonb(verified.Dropped));
            cmd.Parameters.Add(Jsonb(verified.Radius));
            cmd.Parameters.Add(Jsonb(verified.Decision));
            cmd.Parameters.Add(new() { Value = (object?)request.Incident ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await InsertTargetsAsync(tx, id, verified.Targets, WavePlanner.Plan(verified.Targets, request.Override is not null, waves), ct);
    }

    /// <summary>Replaces a plan's content, targets and waves (an amendment before it runs).</summary>
    public async Task ReplaceAsync(StoreTransaction tx, PlanId plan, PlanRequest request, VerifiedPlan verified, PlanPolicy.WavePolicy waves, CancellationToken ct)
    {
        await using (var cmd = tx.Command("""
            UPDATE platform.plans SET action = $2, target_kind = $3, parameters = $4, reason = $5, override = $6, content_hash = $7, dropped = $8,
                   blast_radius = $9, decision = $10, updated_at = $11, incident = $12
            WHERE plan_id = $1
            """))
        {
            cmd.Parameters.Add(new() { Value = plan.Value });
            cmd.Parameters.Add(new() { Value = verified.Action.Name });
            cmd.Parameters.Add(new() { Value = verified.Action.TargetKind.Prefix });
            cmd.Parameters.Add(Jsonb(request.Parameters));
            cmd.Parameters.Add(new() { Value = request.Reason });
            cmd.Parameters.Add(new() { Value = (object?)request.Override ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = verified.Hash });
            cmd.Parameters.Add(Jsonb(verified.Dropped));
            cmd.Parameters.Add(Jsonb(verified.Radius));
            cmd.Parameters.Add(Jsonb(verified.Decision));
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = (object?)request.Incident ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        foreach (var table in new[] { "platform.plan_targets", "platform.plan_waves" })
        {
            await using var clear = tx.Command($"DELETE FROM {table} WHERE plan_id = $1");
            clear.Parameters.Add(new() { Value = plan.Value });
            await clear.ExecuteNonQueryAsync(ct);
        }

        await InsertTargetsAsync(tx, plan, verified.Targets, WavePlanner.Plan(verified.Targets, request.Override is not null, waves), ct);
    }

    public async Task<ChangePlan> GetAsync(PlanId plan, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM platform.plans WHERE plan_id = $1");
        cmd.Parameters.Add(new() { Value = plan.Value });
        ChangePlan? found = null;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                found = Read(reader, []);
            }
        }

        return found is null
            ? throw new PlatformException(PlatformErrorKind.NotFound, $"plan {plan} does not exist in this environment.")
            : found with { Waves = await WavesAsync(plan, ct) };
    }

    public async Task<IReadOnlyList<ChangePlan>> ListAsync(PlanState? state, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM platform.plans WHERE $1::text IS NULL OR state = $1 ORDER BY plan_id DESC LIMIT 200");
        cmd.Parameters.Add(new() { Value = (object?)state?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var list = new List<ChangePlan>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(Read(reader, []));
        }

        return list;
    }

    public async Task<IReadOnlyList<PlanTarget>> TargetsAsync(PlanId plan, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT target_id, ordinal, site_id, internal, wave, state, before_position, applied_position, applied_at, error
            FROM platform.plan_targets WHERE plan_id = $1 ORDER BY wave, ordinal
            """);
        cmd.Parameters.Add(new() { Value = plan.Value });
        var list = new List<PlanTarget>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new PlanTarget(reader.GetString(0), reader.GetInt32(1), SiteId.Parse(reader.GetString(2)), reader.GetBoolean(3), reader.GetInt32(4),
                Enum.Parse<TargetState>(reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return list;
    }

    /// <summary>The hash of a plan's content as stored now (targets in their order), to catch a plan changed after approval.</summary>
    public async Task<string> StoredContentHashAsync(ChangePlan plan, CancellationToken ct)
    {
        var targets = (await TargetsAsync(plan.Id, ct)).OrderBy(t => t.Ordinal).Select(t => t.Id).ToList();
        return PlanContentHash.Of(plan.Action, plan.TargetKind, targets, plan.Parameters, plan.Reason, plan.RequestedBy, plan.Override);
    }

    private static async Task InsertTargetsAsync(StoreTransaction tx, PlanId plan, IReadOnlyList<PlanActions.Resolved> targets, WavePlan waves, CancellationToken ct)
    {
        await using (var cmd = tx.Command("""
            INSERT INTO platform.plan_targets (plan_id, target_id, ordinal, site_id, internal, wave, state)
            SELECT $1, t.id, t.ordinal, t.site, t.internal, t.wave, 'Pending'
            FROM unnest($2::text[], $3::int[], $4::text[], $5::boolean[], $6::int[]) AS t(id, ordinal, site, internal, wave)
            """))
        {
            cmd.Parameters.Add(new() { Value = plan.Value });
            cmd.Parameters.Add(new() { Value = targets.Select(t => t.Id).ToArray() });
            cmd.Parameters.Add(new() { Value = Enumerable.Range(0, targets.Count).ToArray() });
            cmd.Parameters.Add(new() { Value = targets.Select(t => t.Site.Value).ToArray() });
            cmd.Parameters.Add(new() { Value = targets.Select(t => t.Internal).ToArray() });
            cmd.Parameters.Add(new() { Value = waves.Assignment.ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await using var wavesCmd = tx.Command("""
            INSERT INTO platform.plan_waves (plan_id, wave, kind, size, state)
            SELECT $1, w.wave, w.kind, w.size, 'Pending' FROM unnest($2::int[], $3::text[], $4::int[]) AS w(wave, kind, size)
            """);
        wavesCmd.Parameters.Add(new() { Value = plan.Value });
        wavesCmd.Parameters.Add(new() { Value = waves.Waves.Select(w => w.Wave).ToArray() });
        wavesCmd.Parameters.Add(new() { Value = waves.Waves.Select(w => w.Kind).ToArray() });
        wavesCmd.Parameters.Add(new() { Value = waves.Waves.Select(w => w.Size).ToArray() });
        await wavesCmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<PlanWave>> WavesAsync(PlanId plan, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT wave, kind, size, state, started_at, finished_at FROM platform.plan_waves WHERE plan_id = $1 ORDER BY wave");
        cmd.Parameters.Add(new() { Value = plan.Value });
        var list = new List<PlanWave>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new PlanWave(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return list;
    }

    private static ChangePlan Read(NpgsqlDataReader r, IReadOnlyList<PlanWave> waves) => new(
        PlanId.Parse(r.GetString(0)), r.GetString(1), IdKind.All.Single(k => k.Prefix == r.GetString(2)),
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(3))!, r.GetString(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.GetFieldValue<DateTimeOffset>(7), r.GetString(8), Enum.Parse<PlanState>(r.GetString(9)), r.IsDBNull(10) ? null : r.GetString(10),
        r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13),
        JsonSerializer.Deserialize<List<string>>(r.GetString(14))!, JsonSerializer.Deserialize<BlastRadius>(r.GetString(15), PlatformJson.Options)!,
        JsonSerializer.Deserialize<PolicyDecision>(r.GetString(16), PlatformJson.Options)!,
        r.IsDBNull(17) ? null : JsonSerializer.Deserialize<RehearsalResult>(r.GetString(17), PlatformJson.Options), waves,
        r.IsDBNull(18) ? null : r.GetFieldValue<DateTimeOffset>(18), r.IsDBNull(19) ? null : r.GetFieldValue<DateTimeOffset>(19))
    {
        Incident = r.IsDBNull(20) ? null : r.GetString(20),
    };

    private static NpgsqlParameter Jsonb(object value) => new() { Value = JsonSerializer.Serialize(value, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb };
}
