using System.Security.Cryptography;
using System.Text;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// The rules every plan is held to, written as YAML. Every rule has a safe default, so an empty
/// policy is the strictest sensible one; a policy can only change what it names. The environment's
/// policy is kept, versioned and changed by two people, in <see cref="PolicyStore"/>.
/// </summary>
public sealed class PlanPolicy
{
    public static PlanPolicy Default => new();

    /// <summary>The highest max-targets a policy may set: beyond it one plan's verification and audit row grow without bound.</summary>
    public const int MaxTargetsCeiling = 1_000_000;

    /// <summary>Above these, a person other than the requester must approve the plan.</summary>
    public ApprovalThresholds SecondApproverAbove { get; set; } = new();

    /// <summary>Actions that always need a second approver, whatever their size.</summary>
    public List<string> AlwaysSecondApprover { get; set; } = ["purge-site", "erase-site"];

    public Caps HardCaps { get; set; } = new();

    /// <summary>
    /// The most IDs one plan may list, whatever its action: checked before any ID is looked up, so a list
    /// of millions costs nothing. No exception lifts it; a larger change is split into plans.
    /// </summary>
    public int MaxTargets { get; set; } = 10_000;

    /// <summary>Per action, the most targets one plan may have without an explicit exception.</summary>
    public Dictionary<string, int> BulkLimits { get; set; } = new(StringComparer.Ordinal)
    {
        ["delete-site"] = 10,
        ["purge-site"] = 50,
        ["erase-site"] = 1,
    };

    /// <summary>Explicit exceptions, each for one plan's content (its hash), with who allowed it and why.</summary>
    public List<PolicyExceptionRule> Exceptions { get; set; } = [];

    public WavePolicy Waves { get; set; } = new();

    public DetectorPolicy Detector { get; set; } = new();

    public BreakerPolicy Breaker { get; set; } = new();

    /// <summary>A deleted site may be purged by a plan only after this many days.</summary>
    public int PurgeAfterDays { get; set; } = 30;

    /// <summary>Whether a drill may run a plan with the guardrails bypassed (audited as such). Never in production.</summary>
    public bool AllowDrillOverride { get; set; }

    public static PlanPolicy Parse(string yaml, string source)
    {
        PlanPolicy policy;
        try
        {
            policy = new DeserializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance).Build().Deserialize<PlanPolicy?>(yaml) ?? Default;
        }
        catch (YamlException e)
        {
            var problem = YamlErrors.Describe(e, typeof(PlanPolicy));
            throw new PlatformException(PlatformErrorKind.Invalid, problem.StartsWith("unknown key", StringComparison.Ordinal)
                ? $"policy {source}, line {e.Start.Line}: {problem}"
                : $"policy {source}, line {e.Start.Line}: {problem} Keys are written like 'second-approver-above'.");
        }

        // A file changes only the limits it names; the defaults of the others stay.
        foreach (var (action, limit) in Default.BulkLimits)
        {
            policy.BulkLimits.TryAdd(action, limit);
        }

        foreach (var (key, floor) in Default.Detector.Floors)
        {
            policy.Detector.Floors.TryAdd(key, floor);
        }

        foreach (var (key, limit) in Default.Breaker.PerActor)
        {
            policy.Breaker.PerActor.TryAdd(key, limit);
        }

        foreach (var (key, limit) in Default.Breaker.PerPlan)
        {
            policy.Breaker.PerPlan.TryAdd(key, limit);
        }

        foreach (var (key, limit) in Default.Breaker.PerEnvironment)
        {
            policy.Breaker.PerEnvironment.TryAdd(key, limit);
        }

        policy.Validate(source);
        return policy;
    }

    /// <summary>The policy as a YAML file that <see cref="Parse"/> reads back to the same rules.</summary>
    public string ToYaml() =>
        new SerializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance)
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).Build().Serialize(this);

    /// <summary>The SHA-256 of a policy's text, as proposed: the hash its approver names.</summary>
    public static string ContentHashOf(string yaml) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));

    private void Validate(string source)
    {
        var problems = new List<string>();
        foreach (var action in BulkLimits.Keys.Concat(AlwaysSecondApprover).Concat(Exceptions.Select(e => e.Action ?? "")))
        {
            if (PlanAction.All.All(a => a.Name != action))
            {
                problems.Add($"unknown action '{action}'");
            }
        }

        if (BulkLimits.Values.Any(v => v < 0) || HardCaps.SitesPerPlan < 1 || HardCaps.SitesPerHour < 1)
        {
            problems.Add("limits and caps must be positive");
        }

        if (MaxTargets is < 1 or > MaxTargetsCeiling)
        {
            problems.Add($"max-targets must be 1 to {MaxTargetsCeiling}");
        }

        if (Waves.CanaryPercent is <= 0 or > 100 || Waves.Growth < 1 || Waves.PaceMilliseconds < 0)
        {
            problems.Add("waves: canary-percent must be 1 to 100, growth at least 1, pace-milliseconds 0 or more");
        }

        if (Detector.WindowSeconds < 10 || Detector.Factor < 1 || Detector.Floors.Values.Any(v => v < 1))
        {
            problems.Add("detector: window-seconds must be at least 10, factor at least 1, floors at least 1");
        }

        problems.AddRange(Breaker.Problems());

        foreach (var e in Exceptions.Where(e => string.IsNullOrWhiteSpace(e.PlanHash) || string.IsNullOrWhiteSpace(e.ApprovedBy) || string.IsNullOrWhiteSpace(e.Reason)))
        {
            problems.Add($"exception for '{e.Action}' needs plan-hash, approved-by and reason");
        }

        if (problems.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"policy {source} is not valid: {string.Join("; ", problems)}.");
        }
    }

    public sealed class ApprovalThresholds
    {
        public int Sites { get; set; } = 5;

        public long Records { get; set; } = 10_000;
    }

    public sealed class Caps
    {
        public int SitesPerPlan { get; set; } = 1000;

        /// <summary>Sites all plans together may touch in any hour; a plan that would pass it halts.</summary>
        public int SitesPerHour { get; set; } = 2000;
    }

    public sealed class WavePolicy
    {
        /// <summary>Share of the customer targets in the first (canary) wave; at least one target.</summary>
        public double CanaryPercent { get; set; } = 5;

        /// <summary>Each following wave is this many times the previous one.</summary>
        public double Growth { get; set; } = 2;

        /// <summary>Pause between targets, so detectors and people can keep up.</summary>
        public int PaceMilliseconds { get; set; }
    }

    public sealed class DetectorPolicy
    {
        public int WindowSeconds { get; set; } = 60;

        /// <summary>Whether an alert halts the running plans (a drill may watch a burst run its course).</summary>
        public bool HaltRunningPlans { get; set; } = true;

        /// <summary>A rate is unusual above max(floor, factor × the trailing hour's average per window).</summary>
        public double Factor { get; set; } = 5;

        /// <summary>Per destructive action (per actor, per window): tenant.delete, record.delete, or record.delete:&lt;collection&gt;.</summary>
        public Dictionary<string, int> Floors { get; set; } = new(StringComparer.Ordinal)
        {
            ["tenant.delete"] = 3,
            ["tenant.purge"] = 5,
            ["record.delete:site.apps"] = 20,
            ["record.delete"] = 1000,
        };

        public int FloorOf(string key) =>
            Floors.TryGetValue(key, out var f) ? f : Floors.TryGetValue(key.Split(':')[0], out var g) ? g : 1000;
    }
}

/// <summary>
/// The breaker's limits, enforced by the database in the transaction of every destructive write
/// (the store's <see cref="Storage.Breaker"/>): per action key, at most so many writes per window by
/// one actor, by one plan, and by the whole environment. By default the same floors the detector
/// alerts above, so a burst is stopped at the write that would have made it an alert.
/// </summary>
public sealed class BreakerPolicy
{
    /// <summary>False turns the breaker off (a drill that lets a deletion run its course).</summary>
    public bool Enabled { get; set; } = true;

    public int WindowSeconds { get; set; } = 60;

    public Dictionary<string, int> PerActor { get; set; } = new(StringComparer.Ordinal)
    {
        ["tenant.delete"] = 3,
        ["record.delete:site.apps"] = 20,
        ["record.delete"] = 1000,
    };

    public Dictionary<string, int> PerPlan { get; set; } = new(StringComparer.Ordinal)
    {
        ["tenant.delete"] = 3,
        ["record.delete:site.apps"] = 20,
        ["record.delete"] = 1000,
    };

    public Dictionary<string, int> PerEnvironment { get; set; } = new(StringComparer.Ordinal)
    {
        ["tenant.delete"] = 9,
        ["record.delete:site.apps"] = 60,
        ["record.delete"] = 3000,
    };

    /// <summary>The limits the store enforces (none when the breaker is off).</summary>
    public IReadOnlyList<BreakerLimit> Limits() => !Enabled ? [] :
    [
        .. PerActor.Select(l => new BreakerLimit(BreakerScope.Actor, l.Key, l.Value, WindowSeconds)),
        .. PerPlan.Select(l => new BreakerLimit(BreakerScope.Operation, l.Key, l.Value, WindowSeconds)),
        .. PerEnvironment.Select(l => new BreakerLimit(BreakerScope.Environment, l.Key, l.Value, WindowSeconds)),
    ];

    internal IEnumerable<string> Problems()
    {
        if (WindowSeconds is < 1 or > 86400)
        {
            yield return "breaker: window-seconds must be 1 to 86400";
        }

        foreach (var (key, limit) in PerActor.Concat(PerPlan).Concat(PerEnvironment))
        {
            if (key is not ("tenant.delete" or "record.delete") && !(key.StartsWith("record.delete:", StringComparison.Ordinal) && key.Length > "record.delete:".Length))
            {
                yield return $"breaker: '{key}' is not an action it can limit (tenant.delete, record.delete, record.delete:<collection>)";
            }

            if (limit < 1)
            {
                yield return $"breaker: the limit for '{key}' must be at least 1";
            }
        }
    }
}

public sealed class PolicyExceptionRule
{
    public string? Action { get; set; }

    /// <summary>The content hash of the one plan this exception allows.</summary>
    public string? PlanHash { get; set; }

    public string? ApprovedBy { get; set; }

    public string? Reason { get; set; }
}
