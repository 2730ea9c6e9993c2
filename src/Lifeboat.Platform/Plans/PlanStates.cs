using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using NpgsqlTypes;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// Moves a plan through its states (Verified → Running ⇄ Paused/Halted → Completed, Aborted,
/// RolledBack) and records its approval. Each move is one conditional update, audited in the same
/// transaction, so two people moving one plan at once cannot both succeed.
/// </summary>
internal sealed class PlanStates(PlatformContext context, PlanStore store, AuditLog audit)
{
    /// <summary>Approval by a second person of the content they reviewed: <paramref name="contentHash"/> must be the plan's current hash.</summary>
    public async Task<ChangePlan> ApproveAsync(PlanId plan, string contentHash, CancellationToken ct)
    {
        var current = await store.GetAsync(plan, ct);
        if (await context.Store.Principals.SameAsync(current.RequestedBy, context.Actor, ct))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{Principals.Describe(context.Actor, current.RequestedBy)} requested plan {plan} and cannot also approve it; a second person must.");
        }

        // A plan the policy halted for want of an approver may be approved while it is stopped.
        if (current.State is not (PlanState.Verified or PlanState.Paused or PlanState.Halted))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan} is {current.State}; only a plan that has not started, or is paused or halted, can be approved.");
        }

        if (!string.Equals(contentHash?.Trim(), current.ContentHash, StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"plan {plan}'s content hash is {current.ContentHash}, not {contentHash}: the plan is not what was reviewed. Review it again (lifeboat plan show {plan}) and approve the hash it shows.");
        }

        await using var tx = await context.Store.BeginTransactionAsync(ct);
        await using (var cmd = tx.Command("UPDATE platform.plans SET approved_by = $2, approved_hash = $3, approved_at = $4, updated_at = $4 WHERE plan_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = plan.Value });
            cmd.Parameters.Add(new() { Value = context.Actor });
            cmd.Parameters.Add(new() { Value = current.ContentHash });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await audit.WriteAsync(plan.Value, "approved", current.ContentHash, [], new { requestedBy = current.RequestedBy }, ct, tx);
        await tx.CommitAsync(ct);
        return await store.GetAsync(plan, ct);
    }

    public Task<ChangePlan> PauseAsync(PlanId plan, string reason, CancellationToken ct) =>
        TransitionAsync(plan, [PlanState.Running], PlanState.Paused, "pause", RequireReason(reason), "paused", ct);

    /// <summary>
    /// Lets a paused or halted plan run again. A halted plan needs its halt acknowledged: pass the
    /// halt's code (an alert ID, "signal:…", "failure:…"), which proves the reader saw why it stopped.
    /// </summary>
    public async Task<ChangePlan> ResumeAsync(PlanId plan, string? acknowledge, CancellationToken ct)
    {
        var current = await store.GetAsync(plan, ct);
        if (current.State == PlanState.Halted && !string.Equals(acknowledge?.Trim(), current.HaltCode, StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"plan {plan} halted: {current.StateReason} To resume it, acknowledge why: lifeboat plan resume {plan} --ack {current.HaltCode}");
        }

        if (current.HaltCode is { } code && code.StartsWith("alr_", StringComparison.Ordinal) && current.State == PlanState.Halted)
        {
            await using var ack = context.Command("UPDATE platform.alerts SET acknowledged_by = $2, acknowledged_at = $3 WHERE alert_id = $1 AND acknowledged_by IS NULL");
            ack.Parameters.Add(new() { Value = code });
            ack.Parameters.Add(new() { Value = context.Actor });
            ack.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            await ack.ExecuteNonQueryAsync(ct);
        }

        if (current.State == PlanState.Halted && Detection.AnomalyDetector.TripOf(current.HaltCode) is { } trip)
        {
            // Acknowledging a trip is the person's word that the cause is understood: the breaker closes again.
            await new Detection.BreakerTrips(context, audit).ResetAsync(trip, $"acknowledged when resuming plan {plan}", ct);
        }

        if (current.State == PlanState.Halted && current.HaltCode?.StartsWith("failure:", StringComparison.Ordinal) == true)
        {
            // Acknowledging a failure means its cause was dealt with: the failed targets are tried again.
            await using var retry = context.Command("UPDATE platform.plan_targets SET state = 'Pending', error = NULL WHERE plan_id = $1 AND state = 'Failed'");
            retry.Parameters.Add(new() { Value = plan.Value });
            await retry.ExecuteNonQueryAsync(ct);
        }

        return await TransitionAsync(plan, [PlanState.Paused, PlanState.Halted], PlanState.Running, null, $"resumed (acknowledged: {acknowledge ?? "-"})", "resumed", ct);
    }

    public Task<ChangePlan> AbortAsync(PlanId plan, string reason, CancellationToken ct) =>
        TransitionAsync(plan, [PlanState.Verified, PlanState.Running, PlanState.Paused, PlanState.Halted], PlanState.Aborted, "abort", RequireReason(reason), "aborted", ct);

    /// <summary>Moves the plan from one of <paramref name="from"/> to <paramref name="to"/>, or refuses naming the state it is in.</summary>
    public async Task<ChangePlan> TransitionAsync(PlanId plan, PlanState[] from, PlanState to, string? haltCode, string? reason, string step, CancellationToken ct,
        object? details = null)
    {
        await using var tx = await context.Store.BeginTransactionAsync(ct);
        await using (var cmd = tx.Command("""
            UPDATE platform.plans SET state = $3, halt_code = $4, state_reason = $5, updated_at = $6,
                   finished_at = CASE WHEN $3 IN ('Completed', 'Aborted', 'RolledBack') THEN $6 ELSE finished_at END,
                   started_at = CASE WHEN $3 = 'Running' THEN coalesce(started_at, $6) ELSE started_at END
            WHERE plan_id = $1 AND state = ANY($2)
            RETURNING content_hash
            """))
        {
            cmd.Parameters.Add(new() { Value = plan.Value });
            cmd.Parameters.Add(new() { Value = from.Select(s => s.ToString()).ToArray() });
            cmd.Parameters.Add(new() { Value = to.ToString() });
            cmd.Parameters.Add(new() { Value = (object?)haltCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            if (await cmd.ExecuteScalarAsync(ct) is not string hash)
            {
                var current = await store.GetAsync(plan, ct);
                throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan} is {current.State}; it cannot be {step} now.");
            }

            await audit.WriteAsync(plan.Value, step, hash, [], details ?? new { reason, haltCode }, ct, tx);
            if (to == PlanState.Halted)
            {
                // For the incident side: a halted plan declares an incident, or joins the one open for its cause.
                await context.AppendAsync(tx, context.Event("plan.halted", null, plan.Value, new { haltCode, reason }), ct);
            }
        }

        await tx.CommitAsync(ct);
        return await store.GetAsync(plan, ct);
    }

    private static string RequireReason(string reason) =>
        string.IsNullOrWhiteSpace(reason) ? throw new PlatformException(PlatformErrorKind.Invalid, "say why (a reason is recorded).") : reason.Trim();
}
