namespace Lifeboat.Platform.Backups.Sealing;

/// <summary>
/// The two stream wrappers every backup file goes through: <see cref="Seal"/> when it is written,
/// <see cref="Open"/> when it is read. Everything else about backups sees plain (gzip) streams.
/// </summary>
internal static class BackupSealing
{
    /// <summary>A write-only stream that encrypts into <paramref name="destination"/> with the ring's current key; dispose it to write the last chunk.</summary>
    public static Stream Seal(Stream destination, BackupKeyring keys, bool leaveOpen = false) => new SealingStream(destination, keys.Current, leaveOpen);

    /// <summary>
    /// A read-only stream of <paramref name="source"/>'s plaintext, with the key its header names. Reading
    /// throws <see cref="BackupSealException"/> (a clear message naming <paramref name="name"/>) for a file
    /// sealed with a key not on the ring, altered, truncated, or with chunks reordered or dropped.
    /// </summary>
    public static Stream Open(Stream source, BackupKeyring keys, string name, bool leaveOpen = false) => new OpeningStream(source, keys, name, leaveOpen);
}

/// <summary>A backup file that cannot be opened: another key, or bytes that are not what was sealed.</summary>
public sealed class BackupSealException(string message) : PlatformException(PlatformErrorKind.Conflict, message);
