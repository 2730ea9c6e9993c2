namespace Lifeboat.Platform.Backups;

/// <summary>Removes a backup folder whose files and folders were made read-only.</summary>
internal static class BackupFolders
{
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
