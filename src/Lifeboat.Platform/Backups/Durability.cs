using System.Runtime.InteropServices;
using System.Text;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Makes a directory's entries durable: a file's own fsync does not persist its name, so after a
/// crash a backup could otherwise lose files it had reported written. .NET cannot open a directory,
/// hence libc directly (blittable arguments only, so no unsafe code is needed).
/// </summary>
internal static class Durability
{
    private const int ReadOnly = 0;

    public static void SyncDirectory(string path)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        var fd = NativeMethods.open(ref name[0], ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open {path} to make its entries durable (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                throw new IOException($"fsync of {path} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open(ref byte path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
