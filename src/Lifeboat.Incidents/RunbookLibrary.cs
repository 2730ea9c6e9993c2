using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// The runbooks in a folder, one YAML file per incident type (<c>mass-deletion.yaml</c> has type
/// <c>mass-deletion</c>). Every file is checked when the library is loaded, and the type's file is read
/// and checked again when an incident is declared, so a runbook edited since is not posted broken.
/// </summary>
public sealed class RunbookLibrary
{
    private RunbookLibrary(string folder, IReadOnlyList<Runbook> runbooks)
    {
        Folder = folder;
        Runbooks = runbooks;
    }

    public string Folder { get; }

    /// <summary>The runbooks as loaded, by type.</summary>
    public IReadOnlyList<Runbook> Runbooks { get; }

    /// <summary>Reads and checks every <c>*.yaml</c> file of <paramref name="folder"/>; refuses the first broken one, naming it.</summary>
    public static RunbookLibrary Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the runbook folder {folder} does not exist: give a folder of runbooks (one <type>.yaml each), or none.");
        }

        var runbooks = Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal).Select(Read).ToList();
        return new RunbookLibrary(Path.GetFullPath(folder), runbooks);
    }

    /// <summary>The runbook for <paramref name="type"/> as its file says now, or null when there is none; a broken file is refused.</summary>
    public Runbook? ForType(string type)
    {
        var path = Path.Combine(Folder, $"{type}.yaml");
        return File.Exists(path) ? Read(path) : null;
    }

    private static Runbook Read(string path)
    {
        var name = Path.GetFileName(path);
        var runbook = RunbookFile.Parse(File.ReadAllText(path), name);
        var expected = Path.GetFileNameWithoutExtension(path);
        return string.Equals(runbook.Type, expected, StringComparison.Ordinal)
            ? runbook
            : throw new PlatformException(PlatformErrorKind.Invalid,
                $"runbook {name} says its type is '{runbook.Type}': a runbook's file is named after its type, so rename the file to {runbook.Type}.yaml or fix the type.");
    }
}
