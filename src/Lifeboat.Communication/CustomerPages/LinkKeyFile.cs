using System.Security.Cryptography;
using Lifeboat.Platform;

namespace Lifeboat.Communication.CustomerPages;

/// <summary>
/// The environment's key for customers' capability links, in a file only its owner reads (<c>&lt;home&gt;/comms/link.key</c>):
/// 32 random bytes, made the first time it is needed. The server and the CLI on the same home sign and check the same links.
/// </summary>
public static class LinkKeyFile
{
    public const int Size = 32;

    public static byte[] LoadOrCreate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            try
            {
                using var created = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                created.Write(RandomNumberGenerator.GetBytes(Size));
            }
            catch (IOException) when (File.Exists(path))
            {
                // made by another process starting at the same time: read theirs
            }
        }

        var key = File.ReadAllBytes(path);
        return key.Length == Size ? key : throw new PlatformException(PlatformErrorKind.Conflict,
            $"the link key {path} holds {key.Length} bytes, not {Size}: it is damaged. Move it away (every customer link issued so far stops working) and start again to make a new one.");
    }
}
