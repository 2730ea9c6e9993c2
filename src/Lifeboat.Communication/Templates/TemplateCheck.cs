using System.Text.RegularExpressions;
using Fluid;
using Fluid.Ast;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Templates;

/// <summary>
/// Parses a template and walks it for every variable it reads, refusing one that does not parse or that names a variable
/// <see cref="TemplateVariables"/> does not list (a typo would otherwise render as nothing in a message to customers),
/// with the line and the name.
/// </summary>
internal static partial class TemplateCheck
{
    private static readonly FluidParser Parser = new(new FluidParserOptions { AllowFunctions = false });

    private static readonly Node Known = Node.Of(TemplateVariables.All.Select(v => v.Path));

    public static IFluidTemplate Parse(string name, string source)
    {
        if (!Parser.TryParse(source, out var template, out var error))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"template {name} does not parse: {error}. Nothing was saved.");
        }

        var walker = new Walker();
        walker.VisitTemplate(template);
        if (walker.Unknown.Count > 0)
        {
            var (path, line) = walker.Unknown.Select(p => (p, LineOf(source, p))).OrderBy(x => x.Item2).First();
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"template {name}, line {line}: '{path}' is not a variable an update template has. Nothing was saved. " +
                $"The variables are listed in docs/templates.md ({string.Join(", ", TemplateVariables.All.Where(v => !v.Path.Contains('[', StringComparison.Ordinal)).Select(v => v.Path).Take(8))}, …).");
        }

        return template;
    }

    /// <summary>The first line (1-based) where the name stands inside a tag or an output; 1 when it cannot be found.</summary>
    private static int LineOf(string source, string path)
    {
        // The whole path first (a loop's item is named on the loop's line too), then its first name alone.
        foreach (var name in new[] { path, path.Split('.')[0] })
        {
            var pattern = new Regex(@"(\{\{|\{%)[^}]*?(?<![\w.])" + Regex.Escape(name) + @"(?![\w])", RegexOptions.None, TimeSpan.FromSeconds(1));
            var match = pattern.Match(source);
            if (match.Success)
            {
                return source[..match.Index].Count(c => c == '\n') + 1 + match.Value.Count(c => c == '\n');
            }
        }

        return 1;
    }

    /// <summary>A tree of the known paths: each name, and for a list (<c>[]</c>) the fields of its items.</summary>
    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public Node? Item { get; set; }

        public static Node Of(IEnumerable<string> paths)
        {
            var root = new Node();
            foreach (var path in paths)
            {
                var node = root;
                foreach (var part in path.Split('.'))
                {
                    var isList = part.EndsWith("[]", StringComparison.Ordinal);
                    var key = isList ? part[..^2] : part;
                    if (!node.Children.TryGetValue(key, out var child))
                    {
                        node.Children[key] = child = new Node();
                    }

                    node = isList ? child.Item ??= new Node() : child;
                }
            }

            return root;
        }
    }

    /// <summary>Collects the member paths a template reads that are neither known nor its own (a loop's item, an assign, a capture).</summary>
    private sealed class Walker : AstVisitor
    {
        private readonly Dictionary<string, Node?> _locals = new(StringComparer.Ordinal) { ["forloop"] = null };

        public List<string> Unknown { get; } = [];

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Visit(forStatement.Source);
            var item = ItemOf(forStatement.Source);
            var had = _locals.Remove(forStatement.Identifier, out var previous);
            _locals[forStatement.Identifier] = item;
            foreach (var statement in forStatement.Statements)
            {
                Visit(statement);
            }

            _locals.Remove(forStatement.Identifier);
            if (had)
            {
                _locals[forStatement.Identifier] = previous;
            }

            if (forStatement.Else is { } otherwise)
            {
                Visit(otherwise);
            }

            return forStatement;
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Visit(assignStatement.Value);
            _locals[assignStatement.Identifier] = null;
            return assignStatement;
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            var result = base.VisitCaptureStatement(captureStatement);
            _locals[captureStatement.Identifier] = null;
            return result;
        }

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            var names = memberExpression.Segments.TakeWhile(s => s is IdentifierSegment).Cast<IdentifierSegment>().Select(s => s.Identifier).ToList();
            if (names.Count > 0 && Resolve(names) is null)
            {
                Unknown.Add(string.Join('.', names));
            }

            foreach (var segment in memberExpression.Segments.OfType<IndexerSegment>())
            {
                Visit(segment.Expression);
            }

            return memberExpression;
        }

        /// <summary>The node the path reaches; null when it leaves the known tree. A local of unknown shape (an assign) accepts any field.</summary>
        private Node? Resolve(IReadOnlyList<string> names)
        {
            Node? node;
            if (_locals.TryGetValue(names[0], out var local))
            {
                if (local is null)
                {
                    return new Node();
                }

                node = local;
            }
            else if (!Known.Children.TryGetValue(names[0], out node))
            {
                return null;
            }

            foreach (var name in names.Skip(1))
            {
                if (name is "size" or "first" or "last")
                {
                    return new Node();
                }

                if (!node.Children.TryGetValue(name, out node))
                {
                    return null;
                }
            }

            return node;
        }

        private Node? ItemOf(Expression source) =>
            source is MemberExpression m && m.Segments.All(s => s is IdentifierSegment)
                ? Resolve([.. m.Segments.Cast<IdentifierSegment>().Select(s => s.Identifier)])?.Item
                : null;
    }
}
