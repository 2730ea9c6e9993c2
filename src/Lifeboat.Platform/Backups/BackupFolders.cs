namespace Lifeboat.Platform.Backups;

/// <summary>Creates backup folders for their owner alone, and removes one whose files and folders were made read-only.</summary>
internal static class BackupFolders
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a folder, and the parents it lacks, for the owner alone (existing folders are left as they are).</summary>
    public static void CreateOwnerOnly(string path)
    {
        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only, its new parents get the default.
        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, OwnerOnly);
        }
    }

    public static long Remove(string folder)
    {
        long bytes = 0;
        var writable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        File.SetUnixFileMode(folder, writable);
        foreach (var sub in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(sub, writable);
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            bytes += new FileInfo(file).Length;
        }

        Directory.Delete(folder, recursive: true);
        return bytes;
    }
}
