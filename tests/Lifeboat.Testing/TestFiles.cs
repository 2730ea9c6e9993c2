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
}
