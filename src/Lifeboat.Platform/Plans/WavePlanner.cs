namespace Lifeboat.Platform.Plans;

/// <summary>One wave of a plan as planned: its number, kind (internal, canary, rollout, override) and size.</summary>
internal sealed record PlannedWave(int Wave, string Kind, int Size);

/// <summary>The waves of a plan and the wave of each target, in the order of the targets.</summary>
internal sealed record WavePlan(IReadOnlyList<int> Assignment, IReadOnlyList<PlannedWave> Waves);

/// <summary>
/// Splits a plan's targets into waves: internal sites first, then a canary share of the customers,
/// then waves growing by the policy's factor. A drill's override runs in one wave.
/// </summary>
internal static class WavePlanner
{
    public static WavePlan Plan(IReadOnlyList<PlanActions.Resolved> targets, bool singleWave, PlanPolicy.WavePolicy policy)
    {
        var assignment = new int[targets.Count];
        var waves = new List<PlannedWave>();
        if (singleWave)
        {
            return new([.. assignment.Select(_ => 1)], [new(1, "override", targets.Count)]);
        }

        var wave = 0;
        var internals = Enumerable.Range(0, targets.Count).Where(i => targets[i].Internal).ToList();
        if (internals.Count > 0)
        {
            wave++;
            internals.ForEach(i => assignment[i] = wave);
            waves.Add(new(wave, "internal", internals.Count));
        }

        var customers = Enumerable.Range(0, targets.Count).Where(i => !targets[i].Internal).ToList();
        var size = Math.Max(1, (int)Math.Ceiling(customers.Count * policy.CanaryPercent / 100));
        for (var next = 0; next < customers.Count;)
        {
            wave++;
            var take = Math.Min(size, customers.Count - next);
            customers.Skip(next).Take(take).ToList().ForEach(i => assignment[i] = wave);
            waves.Add(new(wave, next == 0 ? "canary" : "rollout", take));
            next += take;
            size = Math.Max(size + 1, (int)Math.Ceiling(size * policy.Growth));
        }

        return new([.. assignment], waves);
    }
}
