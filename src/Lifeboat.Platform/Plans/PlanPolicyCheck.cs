using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// Holds a plan to a policy: whether it needs a second approver, and what it violates (hard caps,
/// bulk limits without an exception written for that plan's content hash, an exception its own
/// requester approved, an override the policy does not allow). A plan is held to the policy in force
/// when it is submitted, when it starts and when each of its waves starts.
/// </summary>
internal sealed class PlanPolicyCheck(PlatformContext context)
{
    public async Task<PolicyDecision> DecideAsync(PolicyInForce inForce, PlanAction action, BlastRadius radius, string hash, string? overrideName, string requestedBy,
        CancellationToken ct)
    {
        var policy = inForce.Policy;
        var violations = new List<string>();
        var reasons = new List<string>();
        string? exceptionUsed = null;
        if (overrideName is not null)
        {
            if (overrideName != "drill" || !policy.AllowDrillOverride)
            {
                violations.Add($"the override '{overrideName}' is not allowed: only a drill may bypass the guardrails, and only where the policy says allow-drill-override: true.");
            }

            return new PolicyDecision(violations.Count == 0, false, ["guardrails overridden for a drill"], violations, null, inForce.Version);
        }

        if (radius.Sites > policy.HardCaps.SitesPerPlan)
        {
            violations.Add($"it touches {radius.Sites} sites; the hard cap is {policy.HardCaps.SitesPerPlan} per plan.");
        }

        if (policy.BulkLimits.TryGetValue(action.Name, out var limit) && radius.Targets > limit)
        {
            var exception = policy.Exceptions.FirstOrDefault(e => e.Action == action.Name && string.Equals(e.PlanHash, hash, StringComparison.Ordinal));
            if (exception is null)
            {
                violations.Add($"{action.Name} on more than {limit} targets ({radius.Targets}) needs an explicit policy exception for this plan: add to the policy an exception with action: {action.Name}, plan-hash: {hash}, approved-by and reason.");
            }
            else if (await context.Store.Principals.SameAsync(exception.ApprovedBy!, requestedBy, ct))
            {
                violations.Add($"the policy exception for this plan names {Principals.Describe(exception.ApprovedBy!, requestedBy)} as its approver, who requested the plan: an exception is never approved by its own requester. A policy whose exception another person approved must be proposed and approved.");
            }
            else if (inForce.ApprovedBy is { } policyApprover && await context.Store.Principals.SameAsync(policyApprover, requestedBy, ct))
            {
                violations.Add($"the policy exception for this plan is in {inForce.Describe()}, which {Principals.Describe(policyApprover, requestedBy)}, the plan's requester, approved: an exception is never approved by its own requester. Another person must approve a policy that holds it.");
            }
            else
            {
                exceptionUsed = $"{exception.ApprovedBy}: {exception.Reason}";
                reasons.Add($"policy exception approved by {exception.ApprovedBy}");
            }
        }

        if (radius.Sites > policy.SecondApproverAbove.Sites)
        {
            reasons.Add($"it touches {radius.Sites} sites (more than {policy.SecondApproverAbove.Sites})");
        }

        if (radius.Records > policy.SecondApproverAbove.Records)
        {
            reasons.Add($"it affects {radius.Records} records (more than {policy.SecondApproverAbove.Records})");
        }

        if (policy.AlwaysSecondApprover.Contains(action.Name))
        {
            reasons.Add($"{action.Name} always needs a second approver");
        }

        if (radius.InternalSites > 0 && radius.InternalSites == radius.Sites && reasons.Count == 0)
        {
            reasons.Add("internal sites only");
        }

        var needsApprover = reasons.Any(r => !r.StartsWith("internal", StringComparison.Ordinal) && !r.StartsWith("policy exception", StringComparison.Ordinal))
            || exceptionUsed is not null;
        return new PolicyDecision(violations.Count == 0, needsApprover, reasons, violations, exceptionUsed, inForce.Version);
    }

    /// <summary>
    /// What the policy in force now says about a plan about to start, or to start its next wave:
    /// null when it may; otherwise why not, naming the policy version, and what to do.
    /// </summary>
    public async Task<PolicyRefusal?> RefusalAsync(ChangePlan plan, PolicyInForce inForce, CancellationToken ct)
    {
        var decision = await DecideAsync(inForce, PlanAction.Find(plan.Action), plan.BlastRadius, plan.ContentHash, plan.Override, plan.RequestedBy, ct);
        if (!decision.Allowed)
        {
            return new PolicyRefusal($"{inForce.Describe()}, the policy in force now, refuses plan {plan.Id}: {string.Join(" ", decision.Violations)} " +
                "The plan was held to the policy in force when it was submitted; nothing more of it runs under this one. " +
                $"Have the policy changed (lifeboat policy propose, approved by another person), or abort the plan (lifeboat plan abort {plan.Id}).", NeedsApprover: false);
        }

        if (decision.NeedsSecondApprover && plan.ApprovedBy is null)
        {
            return new PolicyRefusal($"{inForce.Describe()}, the policy in force now, says plan {plan.Id} needs a second approver ({string.Join("; ", decision.Reasons)}), and it has none: " +
                $"someone other than {plan.RequestedBy} must run lifeboat plan approve {plan.Id} --hash {plan.ContentHash}", NeedsApprover: true);
        }

        return null;
    }
}

/// <summary>Why the policy in force stops a plan: it refuses the plan, or it needs a second approver the plan lacks.</summary>
internal sealed record PolicyRefusal(string Message, bool NeedsApprover);
