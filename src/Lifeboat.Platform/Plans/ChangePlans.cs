using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// Change plans: the only door for bulk destructive work. A plan declares an action, the kind of
/// ID it takes and the IDs; it is verified against this environment, its blast radius measured,
/// held to the policy, approved by a second person when the policy says so, and run in waves by
/// <see cref="PlanRunner"/>. Every step goes to the audit log. This class is the entry; the work is
/// done by <see cref="PlanVerifier"/>, <see cref="PlanPolicyCheck"/>, <see cref="WavePlanner"/>,
/// <see cref="PlanContentHash"/>, <see cref="PlanStates"/> and <see cref="PlanStore"/>.
/// </summary>
public sealed class ChangePlans
{
    private readonly PlatformContext _context;
    private readonly AuditLog _audit;
    private readonly PlanVerifier _verifier;
    private readonly PlanStore _store;
    private readonly PlanStates _states;
    private readonly HealthSignals _signals;
    private readonly PolicyStore _policies;
    private readonly ChangeFreezes _freezes;

    internal ChangePlans(PlatformContext context, PlanActions actions, AuditLog audit, Catalog.Provisioning provisioning, PolicyStore policies, ChangeFreezes freezes)
    {
        _freezes = freezes;
        _context = context;
        _audit = audit;
        _policies = policies;
        var check = new PlanPolicyCheck(context);
        _verifier = new PlanVerifier(context, actions, audit, provisioning, check);
        _store = new PlanStore(context);
        _states = new PlanStates(context, _store, audit);
        _signals = new HealthSignals(context, _store, audit);
        Runner = new PlanRunner(context, _store, _states, actions, audit, policies, check, freezes);
    }

    public PlanRunner Runner { get; }

    /// <summary>
    /// Verifies a plan and records it, ready to run; or refuses it, changing nothing, with a report
    /// of every failing ID. IDs of another kind than the action takes are always refused; IDs that do
    /// not exist here are refused unless <paramref name="dropUnresolved"/> says to drop them.
    /// </summary>
    public async Task<ChangePlan> SubmitAsync(PlanRequest request, bool dropUnresolved = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await RequireNotFrozenAsync(request, cancellationToken);
        var policy = await _policies.ReadAsync(cancellationToken);
        var verified = await _verifier.VerifyAsync(request, dropUnresolved, policy, cancellationToken);
        var id = TypedId.New<PlanId>(_context.Time);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await _store.InsertAsync(tx, id, request, verified, policy.Policy.Waves, cancellationToken);
        var radius = verified.Radius;
        await _audit.WriteAsync(id.Value, "submitted", verified.Hash, verified.Targets.Select(t => t.Id),
            new { action = verified.Action.Name, kind = verified.Action.TargetKind.Name, request.Reason, dropped = verified.Dropped, request.Override, radius.Sites, radius.Records, verified.Decision.NeedsSecondApprover, policyVersion = policy.Version },
            cancellationToken, tx);
        if (request.Override is not null)
        {
            await _audit.WriteAsync(id.Value, "guardrails-overridden", verified.Hash, [], new { request.Override, note = "verification of kinds and existence kept; waves, approval, caps and rehearsal bypassed" }, cancellationToken, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return await _store.GetAsync(id, cancellationToken);
    }

    /// <summary>Replaces a plan's content before it runs. An approval given to the old content no longer matches, so the plan must be approved again.</summary>
    public async Task<ChangePlan> AmendAsync(PlanId plan, PlanRequest request, bool dropUnresolved = false, CancellationToken cancellationToken = default)
    {
        var current = await _store.GetAsync(plan, cancellationToken);
        if (current.State != PlanState.Verified)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"plan {plan} is {current.State}; only a plan that has not started can be amended.");
        }

        await RequireNotFrozenAsync(request, cancellationToken);
        var policy = await _policies.ReadAsync(cancellationToken);
        var verified = await _verifier.VerifyAsync(request, dropUnresolved, policy, cancellationToken);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await _store.ReplaceAsync(tx, plan, request, verified, policy.Policy.Waves, cancellationToken);
        await _audit.WriteAsync(plan.Value, "amended", verified.Hash, verified.Targets.Select(t => t.Id), new { previousHash = current.ContentHash, current.ApprovedBy }, cancellationToken, tx);
        await tx.CommitAsync(cancellationToken);
        return await _store.GetAsync(plan, cancellationToken);
    }

    private async Task RequireNotFrozenAsync(PlanRequest request, CancellationToken ct)
    {
        if (await _freezes.RefusalAsync(request.Incident, ct) is { } refusal)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"{refusal} Nothing was submitted.");
        }
    }

    /// <summary>Approval by a second person of the content they reviewed: <paramref name="contentHash"/> must be the plan's current hash.</summary>
    public Task<ChangePlan> ApproveAsync(PlanId plan, string contentHash, CancellationToken cancellationToken = default) =>
        _states.ApproveAsync(plan, contentHash, cancellationToken);

    public Task<ChangePlan> PauseAsync(PlanId plan, string reason, CancellationToken cancellationToken = default) =>
        _states.PauseAsync(plan, reason, cancellationToken);

    /// <summary>
    /// Lets a paused or halted plan run again. A halted plan needs its halt acknowledged: pass the
    /// halt's code (an alert ID, "signal:…", "failure:…"), which proves the reader saw why it stopped.
    /// </summary>
    public Task<ChangePlan> ResumeAsync(PlanId plan, string? acknowledge, CancellationToken cancellationToken = default) =>
        _states.ResumeAsync(plan, acknowledge, cancellationToken);

    public Task<ChangePlan> AbortAsync(PlanId plan, string reason, CancellationToken cancellationToken = default) =>
        _states.AbortAsync(plan, reason, cancellationToken);

    /// <summary>A signal from outside (support desk, a site's error monitor) that a running plan is hurting someone; the next health gate halts on it.</summary>
    public Task SignalAsync(PlanId? plan, SiteId? site, string source, string message, CancellationToken cancellationToken = default) =>
        _signals.SignalAsync(plan, site, source, message, cancellationToken);

    public Task<ChangePlan> GetAsync(PlanId plan, CancellationToken cancellationToken = default) => _store.GetAsync(plan, cancellationToken);

    public Task<IReadOnlyList<ChangePlan>> ListAsync(PlanState? state = null, CancellationToken cancellationToken = default) => _store.ListAsync(state, cancellationToken);

    public Task<IReadOnlyList<PlanTarget>> TargetsAsync(PlanId plan, CancellationToken cancellationToken = default) => _store.TargetsAsync(plan, cancellationToken);
}
