namespace Lifeboat.Platform.Plans;

/// <summary>
/// Holds a plan to a policy: whether it needs a second approver, and what it violates (hard caps,
/// bulk limits without an exception written for that plan's content hash, an override the policy
/// does not allow).
/// </summary>
internal static class PlanPolicyCheck
{
    public static PolicyDecision Decide(PlanPolicy policy, PlanAction action, BlastRadius radius, string hash, string? overrideName)
    {
        var violations = new List<string>();
        var reasons = new List<string>();
        string? exceptionUsed = null;
        if (overrideName is not null)
        {
            if (overrideName != "drill" || !policy.AllowDrillOverride)
            {
                violations.Add($"the override '{overrideName}' is not allowed: only a drill may bypass the guardrails, and only where the policy says allow-drill-override: true.");
            }

            return new PolicyDecision(violations.Count == 0, false, ["guardrails overridden for a drill"], violations, null);
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
        return new PolicyDecision(violations.Count == 0, needsApprover, reasons, violations, exceptionUsed);
    }
}
