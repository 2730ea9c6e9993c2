using Lifeboat.Platform;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Incidents;

/// <summary>
/// Reads a runbook file:
/// <code>
/// type: mass-deletion
/// publish-progress-updates: false     # optional: true publishes the product's progress drafts without review
/// items:
///   - id: name-commander
///     text: Name one commander
///     evidence: commander-named        # optional, one of EvidenceChecks.Allowed
///     double-check: true               # optional: a second person must tick it too
/// </code>
/// Anything else (a key it does not know, an unknown check, an ID used twice) is refused with the file
/// and the line, so a typo cannot quietly drop a step.
/// </summary>
public static class RunbookFile
{
    public const int MaxItems = 200;
    public const int MaxText = 500;

    public static Runbook Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw Refused(source, e.Start.Line, $"{(e.InnerException ?? e).Message} {Shape}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"runbook {source} is empty: give its type and items. {Shape}");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Refused(source, stream.Documents[0].RootNode.Start.Line, $"a runbook is a mapping of type and items. {Shape}");
        }

        string? type = null;
        var publishProgress = false;
        YamlSequenceNode? items = null;
        foreach (var (key, value) in root.Children)
        {
            switch (Key(key))
            {
                case "type":
                    type = Scalar(source, value, "type");
                    break;
                case "items":
                    items = value as YamlSequenceNode ?? throw Refused(source, value.Start.Line, "'items' is a list of items, each a mapping of id, text, evidence and double-check.");
                    break;
                case "publish-progress-updates":
                    publishProgress = Scalar(source, value, "publish-progress-updates") switch
                    {
                        "true" => true,
                        "false" => false,
                        var other => throw Refused(source, value.Start.Line, $"publish-progress-updates is true or false, not '{other}'."),
                    };
                    break;
                default:
                    throw Refused(source, key.Start.Line, $"unknown key '{Key(key)}'; the keys allowed are: type, publish-progress-updates, items.");
            }
        }

        if (string.IsNullOrWhiteSpace(type))
        {
            throw Refused(source, root.Start.Line, $"the runbook has no type: name the incident type it is for (\"mass-deletion\"). {Shape}");
        }

        if (items is null || items.Children.Count == 0)
        {
            throw Refused(source, items?.Start.Line ?? root.Start.Line, $"the runbook has no items: list its steps under 'items'. {Shape}");
        }

        if (items.Children.Count > MaxItems)
        {
            throw Refused(source, items.Start.Line, $"the runbook has {items.Children.Count} items; a runbook has at most {MaxItems}.");
        }

        var parsed = new List<RunbookItem>();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in items.Children)
        {
            var item = ParseItem(source, node);
            if (seen.TryGetValue(item.Id, out var first))
            {
                throw Refused(source, node.Start.Line, $"the item id '{item.Id}' is used twice (first at line {first}): give each item its own id.");
            }

            seen[item.Id] = node.Start.Line;
            parsed.Add(item);
        }

        return new Runbook(type.Trim(), source, parsed) { PublishProgressUpdates = publishProgress };
    }

    private static RunbookItem ParseItem(string source, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw Refused(source, node.Start.Line, "an item is a mapping of id, text, evidence and double-check.");
        }

        string? id = null;
        string? text = null;
        EvidenceCheck? evidence = null;
        var doubleCheck = false;
        foreach (var (key, value) in map.Children)
        {
            switch (Key(key))
            {
                case "id":
                    id = Scalar(source, value, "id");
                    break;
                case "text":
                    text = Scalar(source, value, "text")?.Trim();
                    break;
                case "evidence":
                    var name = Scalar(source, value, "evidence");
                    evidence = EvidenceChecks.Parse(name ?? "")
                        ?? throw Refused(source, value.Start.Line, $"'{name}' is not an evidence check Lifeboat knows; the checks are: {EvidenceChecks.Allowed}.");
                    break;
                case "double-check":
                    doubleCheck = Scalar(source, value, "double-check") switch
                    {
                        "true" => true,
                        "false" => false,
                        var other => throw Refused(source, value.Start.Line, $"double-check is '{other}'; write true or false."),
                    };
                    break;
                default:
                    throw Refused(source, key.Start.Line, $"unknown key '{Key(key)}'; the keys allowed in an item are: id, text, evidence, double-check.");
            }
        }

        if (id is null || !IsSlug(id))
        {
            throw Refused(source, map.Start.Line, $"the item's id '{id}' is not a short slug: give lower-case letters, digits and dashes, at most 60 (\"name-commander\").");
        }

        if (string.IsNullOrEmpty(text) || text.Length > MaxText)
        {
            throw Refused(source, map.Start.Line, $"item '{id}' needs a text of 1 to {MaxText} characters (it has {text?.Length ?? 0}): say what to do.");
        }

        return new RunbookItem(id, text, evidence, doubleCheck);
    }

    private static bool IsSlug(string id) =>
        id.Length is >= 1 and <= 60 && id[0] is (>= 'a' and <= 'z') or (>= '0' and <= '9')
        && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private static string Key(YamlNode key) => (key as YamlScalarNode)?.Value ?? "";

    private static string? Scalar(string source, YamlNode value, string key) =>
        value is YamlScalarNode scalar ? scalar.Value : throw Refused(source, value.Start.Line, $"'{key}' is a single value, not a list or a mapping.");

    private const string Shape = "A runbook has: type, and items (each: id, text, optionally evidence and double-check).";

    private static PlatformException Refused(string source, long line, string problem) =>
        new(PlatformErrorKind.Invalid, $"runbook {source}, line {line}: {problem}");
}
