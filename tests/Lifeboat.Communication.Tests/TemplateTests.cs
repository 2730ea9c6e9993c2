using Lifeboat.Communication.Templates;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Tests;

/// <summary>Templates are files in Liquid; one that would render a blank where a figure belongs is refused when it is saved.</summary>
public sealed class TemplateTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lifeboat-templates-" + Guid.NewGuid().ToString("n"));

    public TemplateTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public void TheDefaultsComeInEnglishAndJapanese_ForEveryAudience()
    {
        var defaults = UpdateTemplates.Defaults();
        defaults.Languages.ShouldBe(["en", "ja"]);
        foreach (var language in defaults.Languages)
        {
            defaults.List().Where(t => t.Language == language).Select(t => t.Name).Order(StringComparer.Ordinal)
                .ShouldBe(["customer", "customer-restored", "internal", "public"]);
        }
    }

    [Fact]
    public void ATemplateNamingAnUnknownVariable_IsRefusedWithTheLineAndTheName_AndNothingIsWritten()
    {
        var templates = UpdateTemplates.Load(_folder);
        var refused = Should.Throw<PlatformException>(() => templates.Save("en", "public", "{{ incident.title }}\n\nRestored: {{ sites.restored }}\nLost: {{ data_los }}\n"));
        refused.Message.ShouldContain("line 4");
        refused.Message.ShouldContain("'data_los' is not a variable");

        var inLoop = Should.Throw<PlatformException>(() => templates.Save("en", "customer", "{% for site in customer.sites %}\n{{ site.nmae }}\n{% endfor %}"));
        inLoop.Message.ShouldContain("'site.nmae' is not a variable");
        inLoop.Message.ShouldContain("line 2");

        Should.Throw<PlatformException>(() => templates.Save("en", "public", "{{ sites.share_restored }}")).Message.ShouldContain("'sites.share_restored'");
        Should.Throw<PlatformException>(() => templates.Save("en", "public", "Restored {{ sites.restored ")).Message.ShouldContain("does not parse");
        Should.Throw<PlatformException>(() => templates.Save("EN", "public", "x")).Message.ShouldContain("not a language code");
        Should.Throw<PlatformException>(() => templates.Save("en", "../evil", "x")).Message.ShouldContain("not a template name");
        Directory.EnumerateFileSystemEntries(_folder).ShouldBeEmpty("a refused template writes nothing");
        templates.Get("en", "public").Origin.ShouldBe("built-in");
    }

    [Fact]
    public void AValidTemplateIsSavedAsAFile_LocalsAndLoopsAreItsOwn_AndLoadingTheFolderAgainFindsIt()
    {
        var templates = UpdateTemplates.Load(_folder);
        const string Source = "{% assign n = sites.restored %}{{ n }} of {{ sites.affected }}\n{% for site in customer.sites %}{{ forloop.index }} {{ site.name }} {{ site.data_loss }}{% endfor %}{{ customer.sites.size }}";
        var saved = templates.Save("en", "short", Source);
        saved.Origin.ShouldBe(Path.Combine(_folder, "en", "short.liquid"));
        File.ReadAllText(saved.Origin).ShouldBe(Source);
        UpdateTemplates.Load(_folder).Get("en", "short").Source.ShouldBe(Source);

        File.WriteAllText(Path.Combine(_folder, "en", "broken.liquid"), "{{ nope }}");
        Should.Throw<PlatformException>(() => UpdateTemplates.Load(_folder)).Message.ShouldContain("'nope' is not a variable");
    }

    [Fact]
    public void TheBuiltInDefaultsCannotBeSavedOver_WithoutAFolderOfTheEnvironment()
    {
        Should.Throw<PlatformException>(() => UpdateTemplates.Defaults().Save("en", "public", "{{ phase }}")).Message.ShouldContain("built-in templates only");
    }

    [Fact]
    public void EveryDocumentedVariableIsInTheDocs()
    {
        var docs = File.ReadAllText(Path.Combine(TestFiles.RepositoryRoot(), "docs", "templates.md"));
        foreach (var (path, _) in TemplateVariables.All)
        {
            docs.ShouldContain($"`{path}`", customMessage: $"docs/templates.md should document {path}");
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
