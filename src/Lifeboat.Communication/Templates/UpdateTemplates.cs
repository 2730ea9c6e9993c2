using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Fluid;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Templates;

/// <summary>One template of the library: its language, its name, where it comes from (a file, or the built-in default) and its text.</summary>
public sealed record UpdateTemplate(string Language, string Name, string Origin, string Source);

/// <summary>
/// The update templates: Liquid files (Fluid), one per language and name (<c>en/public.liquid</c>, <c>ja/customer.liquid</c>).
/// The defaults, in English and Japanese, are the repository's <c>templates/updates</c>, built in; a folder of the
/// environment's own (<c>Lifeboat:Communication:Templates</c>) overrides them file by file. Every template is checked
/// when it is loaded or saved (<see cref="TemplateCheck"/>): one that does not parse or names an unknown variable is refused
/// with its line and the name, so nothing is ever rendered from it.
/// </summary>
public sealed partial class UpdateTemplates
{
    /// <summary>The names drafts use by default: per audience, and for a customer whose sites are all back.</summary>
    public const string Public = "public";
    public const string Customer = "customer";
    public const string Internal = "internal";
    public const string CustomerRestored = "customer-restored";

    private static readonly TemplateOptions Options = new() { CultureInfo = CultureInfo.InvariantCulture };

    private readonly Lock _saving = new();
    private ImmutableDictionary<(string Language, string Name), (UpdateTemplate Template, IFluidTemplate Parsed)> _templates;

    private UpdateTemplates(string? folder, ImmutableDictionary<(string, string), (UpdateTemplate, IFluidTemplate)> templates)
    {
        Folder = folder;
        _templates = templates;
    }

    /// <summary>The folder saves go to; null when only the built-in defaults are in use (saving is then refused).</summary>
    public string? Folder { get; }

    /// <summary>The built-in defaults (English and Japanese).</summary>
    public static UpdateTemplates Defaults() => new(null, BuiltIn());

    /// <summary>The defaults overridden by every <c>&lt;language&gt;/&lt;name&gt;.liquid</c> in <paramref name="folder"/>; refuses the first file that does not pass the check.</summary>
    public static UpdateTemplates Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the update templates folder {folder} does not exist: create it (it may be empty) or leave the setting out to use the defaults.");
        }

        var templates = BuiltIn();
        foreach (var file in Directory.EnumerateFiles(folder, "*.liquid", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var language = Path.GetFileName(Path.GetDirectoryName(file))!;
            var name = Path.GetFileNameWithoutExtension(file);
            RequireKey(language, name);
            var template = new UpdateTemplate(language, name, file, File.ReadAllText(file));
            templates = templates.SetItem((language, name), (template, TemplateCheck.Parse(file, template.Source)));
        }

        return new UpdateTemplates(folder, templates);
    }

    public IReadOnlyList<UpdateTemplate> List() =>
        [.. _templates.Values.Select(t => t.Template).OrderBy(t => t.Language, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)];

    public IReadOnlyList<string> Languages => [.. _templates.Keys.Select(k => k.Language).Distinct().Order(StringComparer.Ordinal)];

    public UpdateTemplate Get(string language, string name) => Require(language, name).Template;

    /// <summary>Checks <paramref name="source"/> and writes it to the folder as <c>language/name.liquid</c>; nothing is written when it is refused.</summary>
    public UpdateTemplate Save(string language, string name, string source)
    {
        RequireKey(language, name);
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length > 20_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"template {language}/{name} is {source.Length} characters long; a template is at most 20,000. Nothing was saved.");
        }

        var folder = Folder ?? throw new PlatformException(PlatformErrorKind.Conflict,
            "this environment uses the built-in templates only: set Lifeboat:Communication:Templates (LIFEBOAT_TEMPLATES for the CLI) to a folder to save templates of its own. Nothing was saved.");
        var parsed = TemplateCheck.Parse($"{language}/{name}", source);
        var path = Path.Combine(folder, language, name + ".liquid");
        lock (_saving)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".saving";
            File.WriteAllText(temporary, source);
            File.Move(temporary, path, overwrite: true);
            var template = new UpdateTemplate(language, name, path, source);
            _templates = _templates.SetItem((language, name), (template, parsed));
            return template;
        }
    }

    /// <summary>
    /// Checks a template's text as <see cref="Save"/> would, without saving it: a template that does not parse, or names a
    /// variable an update template does not have, is refused with the line and the name (<paramref name="name"/> says which
    /// template in the message: a file's path, or language/name).
    /// </summary>
    public static void Check(string name, string source)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        TemplateCheck.Parse(name, source);
    }

    /// <summary>Renders a template with the model; plain text (every HTML surface escapes what it shows).</summary>
    internal string Render(string language, string name, IReadOnlyDictionary<string, object?> model)
    {
        var context = new TemplateContext(Options);
        foreach (var (key, value) in model)
        {
            context.SetValue(key, value);
        }

        return Require(language, name).Parsed.Render(context, NullEncoder.Default).Trim();
    }

    private (UpdateTemplate Template, IFluidTemplate Parsed) Require(string language, string name)
    {
        RequireKey(language, name);
        if (_templates.TryGetValue((language, name), out var found))
        {
            return found;
        }

        var known = string.Join(", ", _templates.Keys.Select(k => $"{k.Language}/{k.Name}").Order(StringComparer.Ordinal));
        throw new PlatformException(PlatformErrorKind.NotFound, $"there is no update template {language}/{name}: the templates are {known}.");
    }

    private static void RequireKey(string language, string name)
    {
        if (language is null || !LanguageShape().IsMatch(language))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{language}' is not a language code: use two lower-case letters (en, ja).");
        }

        if (name is null || !NameShape().IsMatch(name))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"'{name}' is not a template name: use lower-case letters, digits and dashes, at most 40 (public, customer-restored).");
        }
    }

    private static ImmutableDictionary<(string, string), (UpdateTemplate, IFluidTemplate)> BuiltIn()
    {
        var assembly = typeof(UpdateTemplates).Assembly;
        var builder = ImmutableDictionary.CreateBuilder<(string, string), (UpdateTemplate, IFluidTemplate)>();
        const string prefix = "Lifeboat.Communication.Templates.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal) && r.EndsWith(".liquid", StringComparison.Ordinal)))
        {
            var parts = resource[prefix.Length..^".liquid".Length].Split('.', 2);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var template = new UpdateTemplate(parts[0], parts[1], "built-in", reader.ReadToEnd());
            builder[(parts[0], parts[1])] = (template, TemplateCheck.Parse($"built-in {parts[0]}/{parts[1]}", template.Source));
        }

        return builder.ToImmutable();
    }

    [GeneratedRegex("^[a-z]{2}$")]
    private static partial Regex LanguageShape();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex NameShape();
}
