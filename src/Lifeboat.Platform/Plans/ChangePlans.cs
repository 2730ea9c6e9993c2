using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// Change plans: the only door for bulk destructive work. A plan declares an action, the kind of
/// ID it takes and the IDs; it is verified against this environment, its blast radius measured,
/// held to the policy, approved by a second person when the policy says so, and run in waves by
/// <see cref="PlanRunner"/>. Every step goes to the audit log.
/// </summary>
public sealed class ChangePlans
{
    private const string Columns = """
        plan_id, action, target_kind, parameters::text, reason, requested_by, override, created_at, content_hash, state, halt_code, state_reason,
        approved_by, approved_hash, dropped::text, blast_radius::text, decision::text, rehearsal::text, started_at, finished_at
        """;

    private readonly PlatformContext _context;
    private readonly PlanActions _actions;
    private readonly AuditLog _audit;
    private readonly Catalog.Provisioning _provisioning;

    internal ChangePlans(PlatformContext context, PlanActions actions, AuditLog audit, Catalog.Provisioning provisioning)
    {
        _context = context;
        _actions = actions;
        _audit = audit;
        _provisioning = provisioning;
        Runner = new PlanRunner(context, this, actions, audit);
    }

    public PlanRunner Runner { get; }

    private PlanPolicy Policy => _context.Options.Policy;

    /// <summary>
    /// Verifies a plan and records it, ready to run; or refuses it, changing nothing, with a report
    /// of every failing ID. IDs of another kind than the action takes are always refused; IDs that do
    /// not exist here are refused unless <paramref name="dropUnresolved"/> says to drop them.
    /// </summary>
    public async Task<ChangePlan> SubmitAsync(PlanRequest request, bool dropUnresolved = false, CancellationToken cancellationToken = default)
    {
        var (action, targets, dropped, radius, decision, hash) = await VerifyAsync(request, dropUnresolved, cancellationToken);
        var id = TypedId.New<PlanId>(_context.Time);
        var now = _context.Time.GetUtcNow();
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("""
            INSERT INTO platform.plans (plan_id, action, target_kind, parameters, reason, requested_by, override, created_at, content_hash, state, dropped, blast_radius, decision, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'Verified', $10, $11, $12, $8)
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = action.Name });
            cmd.Parameters.Add(new() { Value = action.TargetKind.Prefix });
            cmd.Parameters.Add(Jsonb(request.Parameters));
            cmd.Parameters.Add(new() { Value = request.Reason });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = (object?)request.Override ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = hash });
            cmd.Parameters.Add(Jsonb(dropped));
            cmd.Parameters.Add(Jsonb(radius));
            cmd.Parameters.Add(Jsonb(decision));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await InsertTargetsAsync(tx, id, targets, request.Override is not null, cancellationToken);
        await _audit.WriteAsync(id.Value, "submitted", hash, targets.Select(t => t.Id),
            new { action = action.Name, kind = action.TargetKind.Name, request.Reason, dropped, request.Override, radius.Sites, radius.Records, decision.NeedsSecondApprover },
            cancellationToken, tx);
        if (request.Override is not null)
        {
            await _audit.WriteAsync(id.Value, "guardrails-overridden", hash, [], new { request.Override, note = "verification of kinds and existence kept; waves, approval, caps and rehearsal bypassed" }, cancellationToken, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>Replaces a plan's content before it runs. An approval given to the old content no longer matches, so the plan must be approved again.</summary>
    public async Task<ChangePlan> AmendAsync(PlanId plan, PlanRequest request, bool dropUnresolved = false, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(plan, cancellationToken);
        if (current.State != PlanState.Verified)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan} is {current.State}; only a plan that has not started can be amended.");
        }

        var (action, targets, dropped, radius, decision, hash) = await VerifyAsync(request, dropUnresolved, cancellationToken);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("""
            UPDATE platform.plans SET action = $2, target_kind = $3, parameters = $4, reason = $5, override = $6, content_hash = $7, dropped = $8,
                   blast_radius = $9, decision = $10, updated_at = $11
            WHERE plan_id = $1
            """))
        {
            cmd.Parameters.Add(new() { Value = plan.Value });
            cmd.Parameters.Add(new() { Value = action.Name });
            cmd.Parameters.Add(new() { Value = action.TargetKind.Prefix });
            cmd.Parameters.Add(Jsonb(request.Parameters));
            cmd.Parameters.Add(new() { Value = request.Reason });
            cmd.Parameters.Add(new() { Value = (object?)request.Override ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = hash });
            cmd.Parameters.Add(Jsonb(dropped));
            cmd.Parameters.Add(Jsonb(radius));
            cmd.Parameters.Add(Jsonb(decision));
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var table in new[] { "platform.plan_targets", "platform.plan_waves" })
        {
            await using var clear = tx.Command($"DELETE FROM {table} WHERE plan_id = $1");
            clear.Parameters.Add(new() { Value = plan.Value });
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        await InsertTargetsAsync(tx, plan, targets, request.Override is not null, cancellationToken);
        await _audit.WriteAsync(plan.Value, "amended", hash, targets.Select(t => t.Id), new { previousHash = current.ContentHash, current.ApprovedBy }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(plan, cancellationToken);
    }

    /// <summary>Approval by a second person of the content they reviewed: <paramref name="contentHash"/> must be the plan's current hash.</summary>
    public async Task<ChangePlan> ApproveAsync(PlanId plan, string contentHash, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(plan, cancellationToken);
        if (await _context.Store.Principals.SameAsync(current.RequestedBy, _context.Actor, cancellationToken))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{Principals.Describe(_context.Actor, current.RequestedBy)} requested plan {plan} and cannot also approve it; a second person must.");
        }

        if (current.State != PlanState.Verified)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan} is {current.State}; only a plan that has not started can be approved.");
        }

        if (!string.Equals(contentHash?.Trim(), current.ContentHash, StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"plan {plan}'s content hash is {current.ContentHash}, not {contentHash}: the plan is not what was reviewed. Review it again (lifeboat plan show {plan}) and approve the hash it shows.");
        }

        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await using (var cmd = tx.Command("UPDATE platform.plans SET approved_by = $2, approved_hash = $3, approved_at = $4, updated_at = $4 WHERE plan_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = plan.Value });
            cmd.Parameters.Add(new() { Value = _context.Actor });
            cmd.Parameters.Add(new() { Value = current.ContentHash });
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        await _audit.WriteAsync(plan.Value, "approved", current.ContentHash, [], new { requestedBy = current.RequestedBy }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return await GetAsync(plan, cancellationToken);
    }

    public Task<ChangePlan> PauseAsync(PlanId plan, string reason, CancellationToken cancellationToken = default) =>
        TransitionAsync(plan, [PlanState.Running], PlanState.Paused, "pause", RequireReason(reason), "paused", cancellationToken);

    /// <summary>
    /// Lets a paused or halted plan run again. A halted plan needs its halt acknowledged: pass the
    /// halt's code (an alert ID, "signal:…", "failure:…"), which proves the reader saw why it stopped.
    /// </summary>
    public async Task<ChangePlan> ResumeAsync(PlanId plan, string? acknowledge, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(plan, cancellationToken);
        if (current.State == PlanState.Halted && !string.Equals(acknowledge?.Trim(), current.HaltCode, StringComparison.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"plan {plan} halted: {current.StateReason} To resume it, acknowledge why: lifeboat plan resume {plan} --ack {current.HaltCode}");
        }

        if (current.HaltCode is { } code && code.StartsWith("alr_", StringComparison.Ordinal) && current.State == PlanState.Halted)
        {
            await using var ack = _context.Command("UPDATE platform.alerts SET acknowledged_by = $2, acknowledged_at = $3 WHERE alert_id = $1 AND acknowledged_by IS NULL");
            ack.Parameters.Add(new() { Value = code });
            ack.Parameters.Add(new() { Value = _context.Actor });
            ack.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            await ack.ExecuteNonQueryAsync(cancellationToken);
        }

        if (current.State == PlanState.Halted && current.HaltCode?.StartsWith("failure:", StringComparison.Ordinal) == true)
        {
            // Acknowledging a failure means its cause was dealt with: the failed targets are tried again.
            await using var retry = _context.Command("UPDATE platform.plan_targets SET state = 'Pending', error = NULL WHERE plan_id = $1 AND state = 'Failed'");
            retry.Parameters.Add(new() { Value = plan.Value });
            await retry.ExecuteNonQueryAsync(cancellationToken);
        }

        return await TransitionAsync(plan, [PlanState.Paused, PlanState.Halted], PlanState.Running, null, $"resumed (acknowledged: {acknowledge ?? "-"})", "resumed", cancellationToken);
    }

    public Task<ChangePlan> AbortAsync(PlanId plan, string reason, CancellationToken cancellationToken = default) =>
        TransitionAsync(plan, [PlanState.Verified, PlanState.Running, PlanState.Paused, PlanState.Halted], PlanState.Aborted, "abort", RequireReason(reason), "aborted", cancellationToken);

    /// <summary>A signal from outside (support desk, a site's error monitor) that a running plan is hurting someone; the next health gate halts on it.</summary>
    public async Task SignalAsync(PlanId? plan, SiteId? site, string source, string message, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(source) || string.IsNullOrWhiteSpace(message))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a health signal needs a source (support, monitoring, …) and a message.");
        }

        if (plan is { } p)
        {
            await GetAsync(p, cancellationToken);
        }

        await using var cmd = _context.Command("INSERT INTO platform.health_signals (plan_id, site_id, source, message, at) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.Add(new() { Value = (object?)plan?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)site?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source.Trim() });
        cmd.Parameters.Add(new() { Value = message.Trim() });
        cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await _audit.WriteAsync(plan?.Value ?? site?.Value ?? "health", "health-signal", null, [], new { source, message, site = site?.Value }, cancellationToken);
    }

    public async Task<ChangePlan> GetAsync(PlanId plan, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.plans WHERE plan_id = $1");
        cmd.Parameters.Add(new() { Value = plan.Value });
        ChangePlan? found = null;
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                found = Read(reader, []);
            }
        }

        return found is null
            ? throw new PlatformException(PlatformErrorKind.NotFound, $"plan {plan} does not exist in this environment.")
            : found with { Waves = await WavesAsync(plan, cancellationToken) };
    }

    public async Task<IReadOnlyList<ChangePlan>> ListAsync(PlanState? state = null, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command($"SELECT {Columns} FROM platform.plans WHERE $1::text IS NULL OR state = $1 ORDER BY plan_id DESC LIMIT 200");
        cmd.Parameters.Add(new() { Value = (object?)state?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var list = new List<ChangePlan>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader, []));
        }

        return list;
    }

    public async Task<IReadOnlyList<PlanTarget>> TargetsAsync(PlanId plan, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT target_id, ordinal, site_id, internal, wave, state, before_position, applied_position, applied_at, error
            FROM platform.plan_targets WHERE plan_id = $1 ORDER BY wave, ordinal
            """);
        cmd.Parameters.Add(new() { Value = plan.Value });
        var list = new List<PlanTarget>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new PlanTarget(reader.GetString(0), reader.GetInt32(1), SiteId.Parse(reader.GetString(2)), reader.GetBoolean(3), reader.GetInt32(4),
                Enum.Parse<TargetState>(reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return list;
    }

    /// <summary>The hash of a plan's content as stored now (targets in their order), to catch a plan changed after approval.</summary>
    internal async Task<string> StoredContentHashAsync(ChangePlan plan, CancellationToken ct)
    {
        var targets = (await TargetsAsync(plan.Id, ct)).OrderBy(t => t.Ordinal).Select(t => t.Id).ToList();
        var targetKind = plan.TargetKind;
        return Hash(plan.Action, targetKind, targets, plan.Parameters, plan.Reason, plan.RequestedBy, plan.Override);
    }

    internal async Task<ChangePlan> TransitionAsync(PlanId plan, PlanState[] from, PlanState to, string? haltCode, string? reason, string step, CancellationToken ct,
        object? details = null)
    {
        await using var tx = await _context.Store.BeginTransactionAsync(ct);
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
            cmd.Parameters.Add(new() { Value = _context.Time.GetUtcNow() });
            if (await cmd.ExecuteScalarAsync(ct) is not string hash)
            {
                var current = await GetAsync(plan, ct);
                throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan} is {current.State}; it cannot be {step} now.");
            }

            await _audit.WriteAsync(plan.Value, step, hash, [], details ?? new { reason, haltCode }, ct, tx);
        }

        await tx.CommitAsync(ct);
        return await GetAsync(plan, ct);
    }

    private async Task<(PlanAction Action, List<PlanActions.Resolved> Targets, List<string> Dropped, BlastRadius Radius, PolicyDecision Decision, string Hash)> VerifyAsync(
        PlanRequest request, bool dropUnresolved, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var action = PlanAction.Find(request.Action);
        var declared = PlanFile.KindNamed(request.TargetKind);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a plan needs a reason.");
        }

        foreach (var name in action.Parameters.Where(p => !request.Parameters.ContainsKey(p)))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{action.Name} needs the parameter '{name}'.");
        }

        foreach (var name in request.Parameters.Keys.Where(k => !action.Parameters.Contains(k)))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{action.Name} takes no parameter '{name}'{(action.Parameters.Count > 0 ? $"; it takes: {string.Join(", ", action.Parameters)}" : "")}.");
        }

        if (request.Parameters.TryGetValue("product", out var product))
        {
            var p = ProductId.Parse(product);
            if ((await _provisioning.CatalogAsync(ct)).All(c => c.Id != p))
            {
                throw new PlatformException(PlatformErrorKind.NotFound, $"product {p} is not in the catalog.");
            }
        }

        var duplicates = request.Targets.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            await RefuseAsync(request, $"the plan lists {duplicates.Count} ID(s) more than once: {Sample(duplicates)}. List each target once.",
                duplicates.Select(d => new TargetProblem(d, "listed more than once")).ToList(), [], ct);
        }

        if (declared != action.TargetKind)
        {
            await RefuseAsync(request, $"{action.Name} takes {action.TargetKind.Name} IDs ({action.TargetKind.Prefix}_…), but the plan declares its targets are {declared.Name} IDs. Nothing was changed.", [], [], ct);
        }

        var wrong = request.Targets.Select(t => (Id: t, Error: TypedId.Check(action.TargetKind, t))).Where(t => t.Error is not null).ToList();
        if (wrong.Count > 0)
        {
            var kinds = wrong.GroupBy(w => IdKind.Of(w.Id))
                .Select(g => g.Key is { } k ? $"{g.Count()} are {k.Name} IDs ({k.Prefix}_…)" : $"{g.Count()} are not IDs of any kind");
            await RefuseAsync(request,
                $"plan refused: {wrong.Count} of {request.Targets.Count} targets are not {action.TargetKind.Name} IDs ({action.TargetKind.Prefix}_…): {string.Join(", ", kinds)}. " +
                $"{action.Name} takes {action.TargetKind.Name} IDs. First: {wrong[0].Error} Nothing was changed.",
                wrong.Select(w => new TargetProblem(w.Id, w.Error!)).ToList(), [], ct);
        }

        var (found, missing, problems) = await _actions.ResolveAsync(action, request.Targets, Policy, ct);
        if (problems.Count > 0)
        {
            await RefuseAsync(request, $"plan refused: {problems.Count} target(s) cannot be acted on: {problems[0].Problem}{(problems.Count > 1 ? $" (and {problems.Count - 1} more)" : "")}. Nothing was changed.", problems, [], ct);
        }

        if (found.Count == 0)
        {
            await RefuseAsync(request,
                $"plan refused: none of its {request.Targets.Count} {action.TargetKind.Name} IDs exist in this environment. A plan whose targets do not exist here proves nothing (as a run in staging proved nothing in April 2022). Nothing was changed.",
                missing.Select(m => new TargetProblem(m, "does not exist in this environment")).ToList(), [], ct);
        }

        if (missing.Count > 0 && !dropUnresolved)
        {
            await RefuseAsync(request,
                $"plan refused: {missing.Count} of its {request.Targets.Count} IDs do not exist in this environment (first: {Sample(missing)}). To go on without them, submit again dropping them explicitly (--drop-unresolved); they are recorded on the plan. Nothing was changed.",
                missing.Select(m => new TargetProblem(m, "does not exist in this environment")).ToList(), [], ct);
        }

        var radius = await _actions.BlastRadiusAsync(action, found, request.Parameters, ct);
        var hash = Hash(action.Name, action.TargetKind, found.Select(f => f.Id).ToList(), request.Parameters, request.Reason, _context.Actor, request.Override);
        var decision = Decide(action, radius, hash, request.Override);
        if (!decision.Allowed)
        {
            await RefuseAsync(request, $"plan refused by policy: {string.Join(" ", decision.Violations)} Nothing was changed.", [], decision.Violations, ct);
        }

        return (action, found, missing, radius, decision, hash);
    }

    private PolicyDecision Decide(PlanAction action, BlastRadius radius, string hash, string? overrideName)
    {
        var violations = new List<string>();
        var reasons = new List<string>();
        string? exceptionUsed = null;
        if (overrideName is not null)
        {
            if (overrideName != "drill" || !Policy.AllowDrillOverride)
            {
                violations.Add($"the override '{overrideName}' is not allowed: only a drill may bypass the guardrails, and only where the policy says allow-drill-override: true.");
            }

            return new PolicyDecision(violations.Count == 0, false, ["guardrails overridden for a drill"], violations, null);
        }

        if (radius.Sites > Policy.HardCaps.SitesPerPlan)
        {
            violations.Add($"it touches {radius.Sites} sites; the hard cap is {Policy.HardCaps.SitesPerPlan} per plan.");
        }

        if (Policy.BulkLimits.TryGetValue(action.Name, out var limit) && radius.Targets > limit)
        {
            var exception = Policy.Exceptions.FirstOrDefault(e => e.Action == action.Name && string.Equals(e.PlanHash, hash, StringComparison.Ordinal));
            if (exception is null)
            {
                violations.Add($"{action.Name} on more than {limit} targets ({radius.Targets}) needs an explicit policy exception for this plan: add to the policy an exception with action: {action.Name}, plan-hash: {hash}, approved-by and reason.");
            }
            else
            {
                exceptionUsed = $"{exception.ApprovedBy}: {exception.Reason}";
                reasons.Add($"policy exception approved by {exception.ApprovedBy}");
            }
        }

        if (radius.Sites > Policy.SecondApproverAbove.Sites)
        {
            reasons.Add($"it touches {radius.Sites} sites (more than {Policy.SecondApproverAbove.Sites})");
        }

        if (radius.Records > Policy.SecondApproverAbove.Records)
        {
            reasons.Add($"it affects {radius.Records} records (more than {Policy.SecondApproverAbove.Records})");
        }

        if (Policy.AlwaysSecondApprover.Contains(action.Name))
        {
            reasons.Add($"{action.Name} always needs a second approver");
        }

        if (radius.InternalSites > 0 && radius.InternalSites == radius.Sites && reasons.Count == 0)
        {
            reasons.Add("internal sites only");
        }

        var needsApprover = reasons.Any(r => !r.StartsWith("internal", StringComparison.Ordinal) && !r.StartsWith("policy exception", StringComparison.Ordinal))
            || exceptionUsed is not null;
        return new PolicyDecision(violations.Count == 0, needsApprover, reasons, violations, exceptionUsed);
    }

    private async Task RefuseAsync(PlanRequest request, string message, IReadOnlyList<TargetProblem> problems, IReadOnlyList<string> violations, CancellationToken ct)
    {
        await _audit.WriteAsync("plan-refused", "refused", null, request.Targets.Take(1000),
            new { request.Action, request.TargetKind, request.Reason, message, problems = problems.Count, violations }, ct);
        throw new PlanRefusedException(message, problems, violations);
    }

    private async Task InsertTargetsAsync(StoreTransaction tx, PlanId plan, List<PlanActions.Resolved> targets, bool singleWave, CancellationToken ct)
    {
        var waves = AssignWaves(targets, singleWave);
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

    /// <summary>Internal sites first, then a canary share of the customers, then waves growing by the policy's factor.</summary>
    private (List<int> Assignment, List<(int Wave, string Kind, int Size)> Waves) AssignWaves(List<PlanActions.Resolved> targets, bool singleWave)
    {
        var assignment = new int[targets.Count];
        var waves = new List<(int, string, int)>();
        if (singleWave)
        {
            return ([.. assignment.Select(_ => 1)], [(1, "override", targets.Count)]);
        }

        var wave = 0;
        var internals = Enumerable.Range(0, targets.Count).Where(i => targets[i].Internal).ToList();
        if (internals.Count > 0)
        {
            wave++;
            internals.ForEach(i => assignment[i] = wave);
            waves.Add((wave, "internal", internals.Count));
        }

        var customers = Enumerable.Range(0, targets.Count).Where(i => !targets[i].Internal).ToList();
        var size = Math.Max(1, (int)Math.Ceiling(customers.Count * Policy.Waves.CanaryPercent / 100));
        for (var next = 0; next < customers.Count;)
        {
            wave++;
            var take = Math.Min(size, customers.Count - next);
            customers.Skip(next).Take(take).ToList().ForEach(i => assignment[i] = wave);
            waves.Add((wave, next == 0 ? "canary" : "rollout", take));
            next += take;
            size = Math.Max(size + 1, (int)Math.Ceiling(size * Policy.Waves.Growth));
        }

        return ([.. assignment], waves);
    }

    private async Task<IReadOnlyList<PlanWave>> WavesAsync(PlanId plan, CancellationToken ct)
    {
        await using var cmd = _context.Command("SELECT wave, kind, size, state, started_at, finished_at FROM platform.plan_waves WHERE plan_id = $1 ORDER BY wave");
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

    internal static string Hash(string action, IdKind kind, IReadOnlyList<string> targets, IReadOnlyDictionary<string, string> parameters, string reason, string requestedBy, string? overrideName)
    {
        var canonical = JsonSerializer.Serialize(new
        {
            action,
            kind = kind.Prefix,
            targets,
            parameters = new SortedDictionary<string, string>(parameters.ToDictionary(), StringComparer.Ordinal),
            reason,
            requestedBy,
            overrideName,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static ChangePlan Read(NpgsqlDataReader r, IReadOnlyList<PlanWave> waves) => new(
        PlanId.Parse(r.GetString(0)), r.GetString(1), IdKind.All.Single(k => k.Prefix == r.GetString(2)),
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(3))!, r.GetString(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.GetFieldValue<DateTimeOffset>(7), r.GetString(8), Enum.Parse<PlanState>(r.GetString(9)), r.IsDBNull(10) ? null : r.GetString(10),
        r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13),
        JsonSerializer.Deserialize<List<string>>(r.GetString(14))!, JsonSerializer.Deserialize<BlastRadius>(r.GetString(15), PlatformJson.Options)!,
        JsonSerializer.Deserialize<PolicyDecision>(r.GetString(16), PlatformJson.Options)!,
        r.IsDBNull(17) ? null : JsonSerializer.Deserialize<RehearsalResult>(r.GetString(17), PlatformJson.Options), waves,
        r.IsDBNull(18) ? null : r.GetFieldValue<DateTimeOffset>(18), r.IsDBNull(19) ? null : r.GetFieldValue<DateTimeOffset>(19));

    private static NpgsqlParameter Jsonb(object value) => new() { Value = JsonSerializer.Serialize(value, PlatformJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static string Sample(IReadOnlyList<string> ids) => string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? $" … ({ids.Count - 5} more)" : "");

    private static string RequireReason(string reason) =>
        string.IsNullOrWhiteSpace(reason) ? throw new PlatformException(PlatformErrorKind.Invalid, "say why (a reason is recorded).") : reason.Trim();
}
