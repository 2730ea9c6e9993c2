using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization.NamingConventions;

namespace Lifeboat.Platform.Internal;

/// <summary>
/// Words a YAML error of a plan or policy file for the person who wrote it: an unknown key is named
/// with the keys allowed where it stands, never with the .NET type it was read into.
/// </summary>
internal static partial class YamlErrors
{
    /// <summary>What is wrong, without the line (the caller names the file and the line).</summary>
    public static string Describe(YamlException e, Type root)
    {
        var message = (e.InnerException ?? e).Message;
        if (UnknownProperty().Match(message) is not { Success: true } unknown)
        {
            return message;
        }

        var where = Reachable(root).FirstOrDefault(t => string.Equals(t.FullName, unknown.Groups["type"].Value, StringComparison.Ordinal));
        var allowed = where?.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .Select(p => HyphenatedNamingConvention.Instance.Apply(p.Name)).ToList();
        return allowed is { Count: > 0 }
            ? $"unknown key '{unknown.Groups["key"].Value}'; the keys allowed {(where == root ? "" : "there ")}are: {string.Join(", ", allowed)}."
            : $"unknown key '{unknown.Groups["key"].Value}'.";
    }

    /// <summary>The type and every type its writable properties hold, at any depth (element types of lists and dictionaries too).</summary>
    private static IEnumerable<Type> Reachable(Type root)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>([root]);
        while (pending.TryPop(out var type))
        {
            if (!seen.Add(type) || type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true && !type.IsGenericType)
            {
                continue;
            }

            yield return type;
            foreach (var inner in type.IsGenericType ? type.GetGenericArguments() : type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.PropertyType))
            {
                pending.Push(inner);
            }
        }
    }

    [GeneratedRegex("^Property '(?<key>[^']*)' not found on type '(?<type>[^']+)'")]
    private static partial Regex UnknownProperty();
}
