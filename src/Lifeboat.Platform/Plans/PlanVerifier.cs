using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Plans;

/// <summary>A plan that passed verification: its resolved targets, what was dropped, its blast radius, the policy's verdict and its content hash.</summary>
internal sealed record VerifiedPlan(PlanAction Action, IReadOnlyList<PlanActions.Resolved> Targets, IReadOnlyList<string> Dropped, BlastRadius Radius,
    PolicyDecision Decision, string Hash);

/// <summary>
/// Verifies a plan before it is recorded: every ID of the action's kind (a site ID where an app
/// installation ID belongs is refused, naming both kinds, before anything is looked up), existing
/// here, actionable; its blast radius measured and the policy applied. A refusal changes nothing,
/// reports every failing ID and is audited.
/// </summary>
internal sealed class PlanVerifier(PlatformContext context, PlanActions actions, AuditLog audit, Provisioning provisioning, PlanPolicyCheck check)
{
    public async Task<VerifiedPlan> VerifyAsync(PlanRequest request, bool dropUnresolved, PolicyInForce policy, CancellationToken ct)
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
            if ((await provisioning.CatalogAsync(ct)).All(c => c.Id != p))
            {
                throw new PlatformException(PlatformErrorKind.NotFound, $"product {p} is not in the catalog.");
            }
        }

        if (request.Targets.Count > policy.Policy.MaxTargets)
        {
            await RefuseAsync(request,
                $"plan refused: it lists {request.Targets.Count} targets, and {policy.Describe()} allows at most {policy.Policy.MaxTargets} per plan (max-targets). " +
                $"Split the change into plans of at most {policy.Policy.MaxTargets} targets, or propose a policy with a higher max-targets (lifeboat policy propose) for a second person to approve. Nothing was changed.",
                [], [$"it lists {request.Targets.Count} targets; max-targets is {policy.Policy.MaxTargets}."], ct);
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

        var (found, missing, problems) = await actions.ResolveAsync(action, request.Targets, policy.Policy, ct);
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

        var radius = await actions.BlastRadiusAsync(action, found, request.Parameters, ct);
        var hash = PlanContentHash.Of(action.Name, action.TargetKind, found.Select(f => f.Id).ToList(), request.Parameters, request.Reason, context.Actor, request.Override);
        var decision = await check.DecideAsync(policy, action, radius, hash, request.Override, context.Actor, ct);
        if (!decision.Allowed)
        {
            await RefuseAsync(request, $"plan refused by {policy.Describe()}: {string.Join(" ", decision.Violations)} Nothing was changed.", [], decision.Violations, ct);
        }

        return new VerifiedPlan(action, found, missing, radius, decision, hash);
    }

    private async Task RefuseAsync(PlanRequest request, string message, IReadOnlyList<TargetProblem> problems, IReadOnlyList<string> violations, CancellationToken ct)
    {
        await audit.WriteAsync("plan-refused", "refused", null, request.Targets.Take(1000),
            new { request.Action, request.TargetKind, request.Reason, message, problems = problems.Count, violations }, ct);
        throw new PlanRefusedException(message, problems, violations);
    }

    private static string Sample(IReadOnlyList<string> ids) => string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? $" … ({ids.Count - 5} more)" : "");
}
