using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Platform.Backups.Sealing;

/// <summary>One 256-bit backup key and its ID (derived from the key, so it names the key without revealing it).</summary>
public sealed class BackupKey
{
    internal const int Size = 32;

    internal BackupKey(byte[] secret)
    {
        Secret = secret;
        IdBytes = HMACSHA256.HashData(secret, "lifeboat backup key id"u8)[..8];
        Id = "key_" + Convert.ToHexStringLower(IdBytes);
    }

    /// <summary>"key_" and 16 hex digits, written in every manifest and file header sealed with it.</summary>
    public string Id { get; }

    internal byte[] IdBytes { get; }

    internal byte[] Secret { get; }

    /// <summary>A key for one purpose (a file's salt, the manifests' signatures), so no two uses share a key.</summary>
    internal byte[] Derive(ReadOnlySpan<byte> salt, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Secret, Size, salt.ToArray(), Encoding.UTF8.GetBytes(purpose));
}

/// <summary>
/// The keys backups are sealed with: the first (current) seals new backups; every key opens what it
/// sealed, so after a rotation older keys stay on the ring to read older backups. A key file holds one
/// key per line, base64 of 32 random bytes, current first; lines starting with '#' are comments.
/// </summary>
public sealed class BackupKeyring
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private BackupKeyring(IReadOnlyList<BackupKey> keys, string source)
    {
        Keys = keys;
        Source = source;
    }

    /// <summary>Current first.</summary>
    public IReadOnlyList<BackupKey> Keys { get; }

    public BackupKey Current => Keys[0];

    /// <summary>Where the keys came from, for messages: "key file /…/backup.key", "LIFEBOAT_BACKUP_KEY".</summary>
    public string Source { get; }

    public BackupKey? Find(string id) => Keys.FirstOrDefault(k => k.Id == id);

    /// <summary>A ring of fresh keys, for tests and one-off use.</summary>
    public static BackupKeyring Generate() => new([new BackupKey(RandomNumberGenerator.GetBytes(BackupKey.Size))], "a generated key");

    /// <summary>Keys written as the key file's lines are (LIFEBOAT_BACKUP_KEY: base64 keys separated by spaces, commas or newlines).</summary>
    public static BackupKeyring Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var keys = new List<BackupKey>();
        var line = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            foreach (var entry in raw.Trim().StartsWith('#') ? [] : raw.Split([' ', ',', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                var bytes = new byte[BackupKey.Size + 1];
                if (!Convert.TryFromBase64String(entry, bytes, out var length) || length != BackupKey.Size)
                {
                    throw new PlatformException(PlatformErrorKind.Invalid,
                        $"{source}, line {line}: a backup key is the base64 of exactly {BackupKey.Size} random bytes (e.g. `openssl rand -base64 32`); this one is not. Nothing was read or written.");
                }

                keys.Add(new BackupKey(bytes[..BackupKey.Size]));
            }
        }

        return keys.Count > 0
            ? new BackupKeyring(keys, source)
            : throw new PlatformException(PlatformErrorKind.Invalid, $"{source} holds no backup key; put one per line (base64 of 32 random bytes, the current one first).");
    }

    public static BackupKeyring ReadFile(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the backup key file {path} does not exist; give the file that holds the backups' key (--key-file or LIFEBOAT_BACKUP_KEY_FILE).");
        }

        if ((File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != UnixFileMode.None)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the backup key file {path} can be read or written by others than its owner; `chmod 600 {path}` (and consider the key exposed: rotate it).");
        }

        return Parse(File.ReadAllText(path), $"key file {path}");
    }

    /// <summary>
    /// The key file at <paramref name="path"/>, created first with one new key when it does not exist:
    /// the owner's alone from the moment it is created (0600), never over an existing file.
    /// </summary>
    public static BackupKeyring ReadOrCreateFile(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                Write(path, FileMode.CreateNew, [RandomNumberGenerator.GetBytes(BackupKey.Size)], "generated by Lifeboat");
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use that one.
            }
        }

        return ReadFile(path);
    }

    /// <summary>
    /// Puts a new current key at the top of the key file and keeps the others below it for reading older
    /// backups. The file is replaced whole (written beside it, owner-only, then renamed over it).
    /// </summary>
    public static BackupKeyring Rotate(string path)
    {
        var ring = ReadFile(path);
        var fresh = Path.GetFullPath(path) + ".new";
        File.Delete(fresh);
        Write(fresh, FileMode.CreateNew, [RandomNumberGenerator.GetBytes(BackupKey.Size), .. ring.Keys.Select(k => k.Secret)], "rotated by Lifeboat");
        File.Move(fresh, path, overwrite: true);
        return ReadFile(path);
    }

    private static void Write(string path, FileMode mode, IEnumerable<byte[]> keys, string note)
    {
        var text = new StringBuilder($"# Lifeboat backup keys ({note}). The first seals new backups; keep every line: each opens the backups it sealed.\n");
        foreach (var key in keys)
        {
            text.Append(Convert.ToBase64String(key)).Append('\n');
        }

        using var file = new FileStream(path, new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = OwnerOnly });
        file.Write(Encoding.UTF8.GetBytes(text.ToString()));
        file.Flush(flushToDisk: true);
    }
}
