using Lifeboat.Platform.Internal;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// Reads a plan file (YAML, or JSON, which is YAML too):
/// <code>
/// action: uninstall-app
/// target: app-installation      # the kind of ID the targets are
/// targets: [ain_…, ain_…]       # and/or targets-file: ids.txt (one ID per line, # comments)
/// reason: Retire Legacy Insights
/// parameters: { product: prd_wiki }   # for deactivate-product
/// incident: inc_…               # the incident this is work for: passes its change freeze
/// </code>
/// Unknown keys are refused, so a typo cannot silently drop a setting.
/// </summary>
public static class PlanFile
{
    public static PlanRequest Parse(string text, string source, Func<string, string>? readTargetsFile = null)
    {
        Model model;
        try
        {
            model = new DeserializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance).Build().Deserialize<Model?>(text)
                ?? throw new PlatformException(PlatformErrorKind.Invalid, $"plan {source} is empty.");
        }
        catch (YamlException e)
        {
            var problem = YamlErrors.Describe(e, typeof(Model));
            throw new PlatformException(PlatformErrorKind.Invalid, problem.StartsWith("unknown key", StringComparison.Ordinal)
                ? $"plan {source}, line {e.Start.Line}: {problem}"
                : $"plan {source}, line {e.Start.Line}: {problem} A plan has: action, target, targets (or targets-file), reason, and optionally parameters and incident.");
        }

        var missing = new[] { ("action", model.Action), ("target", model.Target), ("reason", model.Reason) }.Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToList();
        if (missing.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"plan {source} has no {string.Join(", no ", missing)}.");
        }

        var targets = new List<string>(model.Targets ?? []);
        if (model.TargetsFile is { } file)
        {
            var content = (readTargetsFile ?? File.ReadAllText)(file);
            var listed = content.Split('\n').Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToList();
            if (listed.Count == 0)
            {
                // A plan that names a file of IDs means those IDs; an empty file is a mistake, not "no targets".
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"plan {source} names the targets-file '{file}', and that file is empty: it lists no ID (one per line; # starts a comment). Put the IDs in it, or list them under 'targets'.");
            }

            targets.AddRange(listed);
        }

        if (targets.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"plan {source} has no targets: list them under 'targets' or name a 'targets-file'.");
        }

        return new PlanRequest(model.Action!.Trim(), model.Target!.Trim(), targets.Select(t => t.Trim()).ToList(), model.Reason!.Trim(),
            model.Parameters ?? new Dictionary<string, string>(StringComparer.Ordinal), string.IsNullOrWhiteSpace(model.Override) ? null : model.Override.Trim(),
            string.IsNullOrWhiteSpace(model.Incident) ? null : model.Incident.Trim());
    }

    /// <summary>Maps "app-installation", "app installation" or "ain" to the kind.</summary>
    public static IdKind KindNamed(string name)
    {
        var n = name.Trim().ToLowerInvariant().Replace(' ', '-').Replace('_', '-');
        return IdKind.All.FirstOrDefault(k => n == k.Name.Replace(' ', '-') || n == k.Prefix)
            ?? throw new PlatformException(PlatformErrorKind.Invalid,
                $"'{name}' is not a kind of ID; kinds are: {string.Join(", ", IdKind.All.Select(k => k.Name.Replace(' ', '-')))}.");
    }

    private sealed class Model
    {
        public string? Action { get; set; }

        public string? Target { get; set; }

        public List<string>? Targets { get; set; }

        public string? TargetsFile { get; set; }

        public string? Reason { get; set; }

        public Dictionary<string, string>? Parameters { get; set; }

        public string? Override { get; set; }

        /// <summary>The incident whose work this is (inc_…): lets the plan through that incident's change freeze.</summary>
        public string? Incident { get; set; }
    }
}
