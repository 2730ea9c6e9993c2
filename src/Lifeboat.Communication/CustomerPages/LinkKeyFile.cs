using System.Security.Cryptography;
using Lifeboat.Platform;

namespace Lifeboat.Communication.CustomerPages;

/// <summary>
/// The environment's link key in a file (<c>&lt;home&gt;/comms/link.key</c>): 32 random bytes, readable by its owner only.
/// The server and the CLI on the same home read the same file, so a link one issues opens the page the other serves.
/// </summary>
public static class LinkKeyFile
{
    /// <summary>How long the key is: HMAC-SHA256's own block of security, 256 bits.</summary>
    public const int KeyLength = 32;

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The key in <paramref name="path"/>, created (owner-only from the moment it exists) when there is none. A file of
    /// another length is refused rather than replaced: every link issued under it would stop working.
    /// </summary>
    public static byte[] LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            Create(full);
        }

        var key = File.ReadAllBytes(full);
        return key.Length == KeyLength
            ? key
            : throw new PlatformException(PlatformErrorKind.Invalid,
                $"the customer link key {full} holds {key.Length} byte(s), not {KeyLength}: it is not a file Lifeboat wrote. Put back the key the links were issued under, " +
                "or move this file away so a new key is made (every link issued before then stops working). Nothing was done.");
    }

    private static void Create(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }

        var key = RandomNumberGenerator.GetBytes(KeyLength);
        try
        {
            // CreateNew: two processes starting at once must not each write a key of their own; the loser reads the winner's.
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = OwnerOnlyFile,
            });
            file.Write(key);
            file.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Written by the other process in the meantime: its key is the one.
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
