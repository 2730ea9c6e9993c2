using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Plans;

/// <summary>Where a run stands, for progress bars.</summary>
public sealed record PlanProgress(int Wave, int Waves, string WaveKind, int Done, int Total, string? Message);

/// <summary>
/// Runs a plan wave by wave. Each target is applied in one transaction with the record that it was
/// applied, so a run that stops anywhere resumes without applying a target twice. Between waves a
/// health gate halts the plan on failures, health signals or alerts; before the second wave may
/// run, the undo of the first is rehearsed and verified. The plan is held to the policy in force
/// when it starts and when each wave starts (not only to the one it was submitted under): a policy
/// that now refuses it, or needs an approver it lacks, stops it naming the policy version.
/// </summary>
public sealed class PlanRunner
{
    private readonly PlatformContext _context;
    private readonly PlanStore _plans;
    private readonly PlanStates _states;
    private readonly PlanActions _actions;
    private readonly AuditLog _audit;
    private readonly PolicyStore _policies;
    private readonly PlanPolicyCheck _check;
    private readonly ChangeFreezes _freezes;

    internal PlanRunner(PlatformContext context, PlanStore plans, PlanStates states, PlanActions actions, AuditLog audit, PolicyStore policies, PlanPolicyCheck check, ChangeFreezes freezes)
    {
        _freezes = freezes;
        _context = context;
        _plans = plans;
        _states = states;
        _actions = actions;
        _audit = audit;
        _policies = policies;
        _check = check;
    }

    /// <summary>Runs (or continues) the plan until it completes, or stops because it was paused, halted or aborted. Returns it as it ended.</summary>
    public async Task<ChangePlan> RunAsync(PlanId id, IProgress<PlanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // One runner per plan, across processes: held on its own connection for the whole run.
        await using var runLock = await _context.Store.DataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 7400))", runLock))
        {
            take.Parameters.Add(new() { Value = id.Value });
            if (!(bool)(await take.ExecuteScalarAsync(cancellationToken))!)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"plan {id} is already being run by another process; watch it with lifeboat plan show {id}.");
            }
        }

        try
        {
            return await RunLockedAsync(id, progress, cancellationToken);
        }
        finally
        {
            // Pooled connections keep session locks until reused, so release it now.
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 7400))", runLock);
            release.Parameters.Add(new() { Value = id.Value });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<ChangePlan> RunLockedAsync(PlanId id, IProgress<PlanProgress>? progress, CancellationToken cancellationToken)
    {
        var plan = await _plans.GetAsync(id, cancellationToken);
        var policy = await CheckCanRunAsync(plan, cancellationToken);
        if (plan.State == PlanState.Verified)
        {
            plan = await _states.TransitionAsync(id, [PlanState.Verified], PlanState.Running, null, null, "started", cancellationToken,
                new { policyVersion = policy.Version, policyHash = policy.ContentHash });
        }

        var targets = await _plans.TargetsAsync(id, cancellationToken);
        foreach (var wave in plan.Waves.Where(w => w.State != "Done"))
        {
            // The policy may have changed since the plan was submitted, or since the last wave.
            policy = await _policies.ReadAsync(cancellationToken);
            if (await _check.RefusalAsync(plan, policy, cancellationToken) is { } refusal)
            {
                return await HaltAsync(id, $"policy:v{policy.Version}", $"before wave {wave.Wave}: {refusal.Message}", cancellationToken);
            }

            await MarkWaveAsync(id, wave.Wave, "Running", cancellationToken);
            var started = _context.Time.GetUtcNow();
            var inWave = targets.Where(t => t.Wave == wave.Wave).ToList();
            var done = inWave.Count(t => t.State != TargetState.Pending);
            foreach (var target in inWave.Where(t => t.State == TargetState.Pending))
            {
                if (await StoppedAsync(id, cancellationToken) is { } stopped)
                {
                    return stopped;
                }

                // A freeze begun while the plan runs stops it before its next target, not after the plan.
                if (await _freezes.RefusalAsync(plan.Incident, cancellationToken) is { } frozen)
                {
                    return await HaltAsync(id, "freeze", $"before {target.Id}: {frozen}", cancellationToken);
                }

                if (plan.Override is null && await OverHourlyCapAsync(target, policy.Policy.HardCaps.SitesPerHour, cancellationToken))
                {
                    return await HaltAsync(id, "cap:sites-per-hour",
                        $"plans have touched {policy.Policy.HardCaps.SitesPerHour} sites in the last hour, the cap of {policy.Describe()}.", cancellationToken);
                }

                var outcome = await ApplyAsync(plan, target, cancellationToken);
                if (outcome == ApplyOutcome.Stopped)
                {
                    return await _plans.GetAsync(id, cancellationToken);
                }

                if (outcome.Trip is { } trip)
                {
                    // Nothing of the target was applied; it stays Pending, for when a person has looked and reset the breaker.
                    return await HaltAsync(id, trip.Code, $"the breaker refused {plan.Action} of {target.Id}: {outcome.Error}", cancellationToken);
                }

                if (outcome.Error is { } error)
                {
                    return await HaltAsync(id, $"failure:{target.Id}", $"applying {plan.Action} to {target.Id} failed: {error}", cancellationToken);
                }

                progress?.Report(new PlanProgress(wave.Wave, plan.Waves.Count, wave.Kind, ++done, inWave.Count, null));
                if (policy.Policy.Waves.PaceMilliseconds > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(policy.Policy.Waves.PaceMilliseconds), _context.Time, cancellationToken);
                }
            }

            if (await StoppedAsync(id, cancellationToken) is { } stoppedAfterWave)
            {
                return stoppedAfterWave;
            }

            if (wave.Wave == plan.Waves[0].Wave && plan.Waves.Count > 1 && plan.Override is null && plan.Rehearsal is null)
            {
                progress?.Report(new PlanProgress(wave.Wave, plan.Waves.Count, wave.Kind, done, inWave.Count, "rehearsing the rollback of the first wave"));
                var rehearsal = await RehearseAsync(plan, cancellationToken);
                if (!rehearsal.Passed)
                {
                    return await HaltAsync(id, "rehearsal", $"the rehearsed rollback of wave {wave.Wave} failed: {string.Join("; ", rehearsal.Problems.Take(3))}", cancellationToken);
                }

                plan = plan with { Rehearsal = rehearsal };
            }

            if (await HealthGateAsync(plan, wave, started, cancellationToken) is { } halted)
            {
                return halted;
            }

            await MarkWaveAsync(id, wave.Wave, "Done", cancellationToken);
            targets = await _plans.TargetsAsync(id, cancellationToken);
        }

        return await _states.TransitionAsync(id, [PlanState.Running], PlanState.Completed, null, null, "completed", cancellationToken,
            new { applied = targets.Count(t => t.State == TargetState.Applied), unchanged = targets.Count(t => t.State == TargetState.Unchanged) });
    }

    /// <summary>
    /// Throws the conflict <see cref="RunAsync"/> would stop at before touching any target (paused,
    /// halted, finished, changed since approval, refused by the policy in force now or awaiting the
    /// approval it asks for), so a caller that runs the plan in the background can refuse at once.
    /// Returns the plan.
    /// </summary>
    public async Task<ChangePlan> CheckCanRunAsync(PlanId id, CancellationToken cancellationToken = default)
    {
        var plan = await _plans.GetAsync(id, cancellationToken);
        await CheckCanRunAsync(plan, cancellationToken);
        return plan;
    }

    /// <summary>Throws the conflict <see cref="RollbackAsync"/> would stop at before undoing anything. Returns the plan.</summary>
    public async Task<ChangePlan> CheckCanRollBackAsync(PlanId id, CancellationToken cancellationToken = default)
    {
        var plan = await _plans.GetAsync(id, cancellationToken);
        if (plan.State == PlanState.Running)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"plan {id} is running; pause or abort it before rolling it back.");
        }

        if (plan.State is PlanState.Verified or PlanState.RolledBack)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"plan {id} is {plan.State}; there is nothing to roll back.");
        }

        if (!PlanAction.Find(plan.Action).Reversible)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"{plan.Action} is irreversible; plan {id} cannot be rolled back from the store (restore from a backup instead).");
        }

        return plan;
    }

    /// <summary>Undoes every applied target of the plan (each a restore to just before the plan touched it) and verifies each.</summary>
    public async Task<ChangePlan> RollbackAsync(PlanId id, IProgress<PlanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = await CheckCanRollBackAsync(id, cancellationToken);
        var applied = (await _plans.TargetsAsync(id, cancellationToken)).Where(t => t.State == TargetState.Applied).ToList();
        var problems = new List<string>();
        for (var i = 0; i < applied.Count; i++)
        {
            await _actions.UndoAsync(plan, applied[i], cancellationToken);
            if (await _actions.VerifyUndoneAsync(plan, applied[i], cancellationToken) is { } problem)
            {
                problems.Add(problem);
            }
            else
            {
                await SetTargetAsync(id, applied[i].Id, TargetState.Undone, null, cancellationToken);
            }

            progress?.Report(new PlanProgress(0, 0, "rollback", i + 1, applied.Count, null));
        }

        if (problems.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"rollback of plan {id} left {problems.Count} target(s) unlike their state before the plan: {string.Join("; ", problems.Take(3))}");
        }

        return await _states.TransitionAsync(id, [PlanState.Paused, PlanState.Halted, PlanState.Aborted, PlanState.Completed], PlanState.RolledBack, null, null, "rolled-back",
            cancellationToken, new { undone = applied.Count });
    }

    /// <summary>Refuses what the run must not start with; returns the policy in force, which the plan may run under.</summary>
    private async Task<PolicyInForce> CheckCanRunAsync(ChangePlan plan, CancellationToken ct)
    {
        switch (plan.State)
        {
            case PlanState.Paused:
                throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan.Id} is paused ({plan.StateReason}); resume it first: lifeboat plan resume {plan.Id}");
            case PlanState.Halted:
                throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan.Id} halted: {plan.StateReason} Resume it acknowledging why: lifeboat plan resume {plan.Id} --ack {plan.HaltCode}");
            case PlanState.Completed or PlanState.Aborted or PlanState.RolledBack:
                throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan.Id} is {plan.State}; it cannot run again.");
        }

        var stored = await _plans.StoredContentHashAsync(plan, ct);
        if (!string.Equals(stored, plan.ContentHash, StringComparison.Ordinal) || (plan.ApprovedHash is { } approved && !string.Equals(approved, stored, StringComparison.Ordinal)))
        {
            await _audit.WriteAsync(plan.Id.Value, "refused-to-run", stored, [], new { recorded = plan.ContentHash, approved = plan.ApprovedHash, stored }, ct);
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"plan {plan.Id} changed after it was {(plan.ApprovedHash is null ? "verified" : "approved")}: its content hashes to {stored}, but {plan.ApprovedHash ?? plan.ContentHash} was {(plan.ApprovedHash is null ? "verified" : "approved")}. Nothing ran. Review it and approve it again.");
        }

        if (await _freezes.RefusalAsync(plan.Incident, ct) is { } frozen)
        {
            await _audit.WriteAsync(plan.Id.Value, "refused-by-freeze", plan.ContentHash, [], new { frozen }, ct);
            throw new PlatformException(PlatformErrorKind.Conflict, $"{frozen} Nothing ran.");
        }

        var policy = await _policies.ReadAsync(ct);
        if (await _check.RefusalAsync(plan, policy, ct) is { } refusal)
        {
            // A plan that merely awaits its approval is not news; one the policy now refuses is.
            if (!refusal.NeedsApprover)
            {
                await _audit.WriteAsync(plan.Id.Value, "refused-by-policy", plan.ContentHash, [], new { policyVersion = policy.Version, policyHash = policy.ContentHash, refusal.Message }, ct);
            }

            throw new PlatformException(PlatformErrorKind.Conflict, $"{refusal.Message} Nothing ran.");
        }

        return policy;
    }

    /// <summary>Applies one target; the plan's state is checked in the same transaction, so nothing is applied after a halt commits.</summary>
    private async Task<ApplyOutcome> ApplyAsync(ChangePlan plan, PlanTarget target, CancellationToken ct)
    {
        var reversible = PlanAction.Find(plan.Action).Reversible;
        try
        {
            await using var tx = await _context.Store.BeginTransactionAsync(ct);
            await PlatformContext.LockSiteAsync(tx, target.Site, ct);
            // Destructive writes of this transaction count against the breaker's per-plan limit.
            await using (var operation = tx.Command("SELECT set_config('lifeboat.operation', $1, true)"))
            {
                operation.Parameters.Add(new() { Value = plan.Id.Value });
                await operation.ExecuteNonQueryAsync(ct);
            }

            await using (var check = tx.Command("SELECT state FROM platform.plans WHERE plan_id = $1 FOR SHARE"))
            {
                check.Parameters.Add(new() { Value = plan.Id.Value });
                if ((string?)await check.ExecuteScalarAsync(ct) != nameof(PlanState.Running))
                {
                    return ApplyOutcome.Stopped;
                }
            }

            await using (var pending = tx.Command("SELECT state FROM platform.plan_targets WHERE plan_id = $1 AND target_id = $2 FOR UPDATE"))
            {
                pending.Parameters.Add(new() { Value = plan.Id.Value });
                pending.Parameters.Add(new() { Value = target.Id });
                if ((string?)await pending.ExecuteScalarAsync(ct) != nameof(TargetState.Pending))
                {
                    return ApplyOutcome.Done; // applied meanwhile (by this run before a crash, or by another runner)
                }
            }

            var changed = await _actions.ApplyAsync(plan, target, tx, ct);
            long? position = null;
            if (changed && reversible)
            {
                await using var pos = tx.Command("SELECT pos FROM lifeboat.take_position()");
                position = (long)(await pos.ExecuteScalarAsync(ct))!;
            }

            await using (var mark = tx.Command("""
                UPDATE platform.plan_targets SET state = $3, before_position = coalesce(before_position, $4 - 1), applied_position = $4, applied_at = $5, error = NULL
                WHERE plan_id = $1 AND target_id = $2
                """))
            {
                mark.Parameters.Add(new() { Value = plan.Id.Value });
                mark.Parameters.Add(new() { Value = target.Id });
                mark.Parameters.Add(new() { Value = (changed ? TargetState.Applied : TargetState.Unchanged).ToString() });
                mark.Parameters.Add(new() { Value = (object?)position ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
                mark.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
                await mark.ExecuteNonQueryAsync(ct);
            }

            await _audit.WriteAsync(plan.Id.Value, changed ? "applied" : "unchanged", plan.ContentHash, [target.Id], new { site = target.Site.Value, position }, ct, tx);
            await tx.CommitAsync(ct);
            return ApplyOutcome.Done;
        }
        catch (Storage.BreakerTrippedException e)
        {
            return new ApplyOutcome(false, e.Message, e.Trip);
        }
        catch (Exception e) when (e is PlatformException or Storage.StoreException or PostgresException)
        {
            await SetTargetAsync(plan.Id, target.Id, TargetState.Failed, e.Message, ct);
            return new ApplyOutcome(false, e.Message);
        }
    }

    private sealed record ApplyOutcome(bool IsStopped, string? Error, Storage.BreakerTrip? Trip = null)
    {
        public static readonly ApplyOutcome Done = new(false, null);
        public static readonly ApplyOutcome Stopped = new(true, null);
    }

    private async Task<RehearsalResult> RehearseAsync(ChangePlan plan, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var first = (await _plans.TargetsAsync(plan.Id, ct)).Where(t => t.Wave == plan.Waves[0].Wave && t.State == TargetState.Applied).ToList();
        var problems = new List<string>();
        var verified = 0;
        var reapplied = 0;
        if (!PlanAction.Find(plan.Action).Reversible)
        {
            problems.Add($"{plan.Action} is irreversible, so its rollback cannot be rehearsed");
        }
        else
        {
            foreach (var target in first)
            {
                await _actions.UndoAsync(plan, target, ct);
                if (await _actions.VerifyUndoneAsync(plan, target, ct) is { } problem)
                {
                    problems.Add(problem);
                    continue;
                }

                verified++;
                // The rehearsal proved the undo; the wave's change is then made again, as planned.
                await SetTargetAsync(plan.Id, target.Id, TargetState.Pending, null, ct);
                if (await ApplyAsync(plan, target, ct) == ApplyOutcome.Done)
                {
                    reapplied++;
                }
                else
                {
                    problems.Add($"{target.Id}: could not be applied again after the rehearsal");
                }
            }
        }

        var result = new RehearsalResult(problems.Count == 0, first.Count, verified, reapplied, clock.Elapsed.TotalSeconds, problems, _context.Time.GetUtcNow());
        await using (var cmd = _context.Command("UPDATE platform.plans SET rehearsal = $2, updated_at = $3 WHERE plan_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = plan.Id.Value });
            cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(result, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await _audit.WriteAsync(plan.Id.Value, result.Passed ? "rehearsal-passed" : "rehearsal-failed", plan.ContentHash, first.Select(t => t.Id), result, ct);
        return result;
    }

    /// <summary>After a wave: failures, health signals about the plan or its sites, and unacknowledged alerts each halt the plan.</summary>
    private async Task<ChangePlan?> HealthGateAsync(ChangePlan plan, PlanWave wave, DateTimeOffset waveStarted, CancellationToken ct)
    {
        var targets = await _plans.TargetsAsync(plan.Id, ct);
        var failed = targets.Where(t => t.Wave == wave.Wave && t.State == TargetState.Failed).ToList();
        if (failed.Count > 0)
        {
            return await HaltAsync(plan.Id, $"failure:{failed[0].Id}", $"{failed.Count} target(s) of wave {wave.Wave} failed: {failed[0].Error}", ct);
        }

        // Each query's reader is read and closed before the plan is halted: Npgsql reuses a reader for the next
        // command on its connection, so closing it again after its connection went back to the pool would close
        // another command's reader (and hang it).
        (string Code, string Reason)? halt = null;
        await using (var cmd = _context.Command("""
            SELECT signal_id, source, message, site_id FROM platform.health_signals
            WHERE at >= $2 AND (plan_id = $1 OR site_id = ANY($3)) ORDER BY signal_id LIMIT 1
            """))
        {
            cmd.Parameters.Add(new() { Value = plan.Id.Value });
            cmd.Parameters.Add(new() { Value = waveStarted });
            cmd.Parameters.Add(new() { Value = targets.Where(t => t.State != TargetState.Pending).Select(t => t.Site.Value).Distinct().ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                halt = ($"signal:{reader.GetInt64(0)}",
                    $"health signal from {reader.GetString(1)} after wave {wave.Wave}{(reader.IsDBNull(3) ? "" : $" about {reader.GetString(3)}")}: {reader.GetString(2)}.");
            }
        }

        if (halt is null)
        {
            await using var alerts = _context.Command("SELECT alert_id, message FROM platform.alerts WHERE acknowledged_by IS NULL AND detected_at >= $1 ORDER BY detected_at LIMIT 1");
            alerts.Parameters.Add(new() { Value = plan.StartedAt ?? waveStarted });
            await using var reader = await alerts.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                halt = (reader.GetString(0), $"alert {reader.GetString(0)}: {reader.GetString(1)}");
            }
        }

        if (halt is { } h)
        {
            return await HaltAsync(plan.Id, h.Code, h.Reason, ct);
        }

        return null;
    }

    private async Task<ChangePlan?> StoppedAsync(PlanId id, CancellationToken ct)
    {
        var plan = await _plans.GetAsync(id, ct);
        return plan.State == PlanState.Running ? null : plan;
    }

    private async Task<bool> OverHourlyCapAsync(PlanTarget target, int sitesPerHour, CancellationToken ct)
    {
        await using var cmd = _context.Command("""
            SELECT count(DISTINCT site_id) FILTER (WHERE site_id <> $2) FROM platform.plan_targets WHERE applied_at > $1 AND state = 'Applied'
            """);
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() - TimeSpan.FromHours(1) });
        cmd.Parameters.Add(new() { Value = target.Site.Value });
        return (long)(await cmd.ExecuteScalarAsync(ct))! >= sitesPerHour;
    }

    /// <summary>Halts a running plan; a plan someone else stopped meanwhile (the detector, an operator) keeps their reason.</summary>
    private async Task<ChangePlan> HaltAsync(PlanId id, string code, string reason, CancellationToken ct)
    {
        try
        {
            return await _states.TransitionAsync(id, [PlanState.Running], PlanState.Halted, code, reason, "halted", ct);
        }
        catch (PlatformException e) when (e.Kind == PlatformErrorKind.Conflict)
        {
            return await _plans.GetAsync(id, ct);
        }
    }

    private async Task MarkWaveAsync(PlanId id, int wave, string state, CancellationToken ct)
    {
        await using var cmd = _context.Command("""
            UPDATE platform.plan_waves SET state = $3,
                   started_at = CASE WHEN $3 = 'Running' THEN coalesce(started_at, $4) ELSE started_at END,
                   finished_at = CASE WHEN $3 = 'Done' THEN $4 ELSE finished_at END
            WHERE plan_id = $1 AND wave = $2
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = wave });
        cmd.Parameters.Add(new() { Value = state });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task SetTargetAsync(PlanId id, string target, TargetState state, string? error, CancellationToken ct)
    {
        await using var cmd = _context.Command("UPDATE platform.plan_targets SET state = $3, error = $4 WHERE plan_id = $1 AND target_id = $2");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = target });
        cmd.Parameters.Add(new() { Value = state.ToString() });
        cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
