namespace Lifeboat.Testing;

public static class TestFiles
{
    /// <summary>Deletes a folder a test wrote, read-only blob and backup files included.</summary>
    public static void DeleteTree(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories).Prepend(path))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry)
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.Delete(path, recursive: true);
    }

    /// <summary>The repository's own runbooks folder (runbooks/ beside Lifeboat.slnx).</summary>
    public static string RepositoryRunbooks() => Path.Combine(RepositoryRoot(), "runbooks");

    /// <summary>The folder holding Lifeboat.slnx, above the test's own.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lifeboat.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Lifeboat.slnx not found above the test's folder");
    }
}
