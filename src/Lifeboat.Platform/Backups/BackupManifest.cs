using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Platform.Backups.Sealing;
using Lifeboat.Platform.Internal;

namespace Lifeboat.Platform.Backups;

public enum BackupKind
{
    /// <summary>Every version of the scope the store still holds: starts a chain.</summary>
    Full,

    /// <summary>The versions committed since the previous backup of the chain.</summary>
    Incremental,
}

public enum BackupScope
{
    /// <summary>Every tenant and the platform's own tables: enough to rebuild an empty environment.</summary>
    Environment,

    /// <summary>One site's tenant and its directory entries.</summary>
    Site,
}

/// <summary>One file of a backup, as written: its path under the backup's folder, SHA-256 and length.</summary>
public sealed record BackupFileEntry(string Name, string Sha256, long Bytes);

/// <summary>A named number: a schema version, an append-only table's key bound, a sequence's value.</summary>
public sealed record BackupMark(string Name, long Value);

/// <summary>
/// What a backup holds, written last, once, as <c>manifest.json</c>. <see cref="Sha256"/> is the
/// hash of the manifest's canonical JSON with that field null; the next backup of the chain records
/// it as <see cref="PreviousSha256"/>, so the manifests form a hash chain back to the full backup,
/// and every file of the chain is pinned by a hash in a manifest. <see cref="Signature"/> is an
/// HMAC-SHA256 of the same canonical JSON (with the hash in it) under a key derived from the backup key
/// <see cref="KeyId"/> names, so only a holder of that key can write a manifest that verifies: someone
/// who alters a file and recomputes the hashes cannot re-seal it.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>Version 2: files encrypted (AES-GCM) and the manifest signed. Version 1 (neither) is refused: nothing vouches for it.</summary>
    public const string CurrentFormat = "lifeboat-backup/2";
    private const string SignaturePurpose = "lifeboat backup manifest v1";
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = PlatformJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    public string Format { get; init; } = CurrentFormat;

    public required BackupId Id { get; init; }

    public required BackupKind Kind { get; init; }

    public required BackupScope Scope { get; init; }

    public SiteId? Site { get; init; }

    /// <summary>The full backup that starts this backup's chain (itself, for a full backup).</summary>
    public required BackupId Chain { get; init; }

    public BackupId? Previous { get; init; }

    public string? PreviousSha256 { get; init; }

    /// <summary>Versions with a position above this and at most <see cref="UpToPosition"/> are in this backup.</summary>
    public long AfterPosition { get; init; }

    public long UpToPosition { get; init; }

    /// <summary>The platform's clock just before the bound was read: everything committed before it is in the chain.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The database's clock just before the bound was read: every version stamped at or before it is in the chain.</summary>
    public DateTimeOffset CoveredUntil { get; init; }

    /// <summary>The chain restores exactly from this time on (the store's retention window when the full backup was taken).</summary>
    public DateTimeOffset ExactFrom { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>The schema version of every module of the database it was taken from.</summary>
    public IReadOnlyList<BackupMark> Schema { get; init; } = [];

    /// <summary>For each append-only table: the highest key this backup covers.</summary>
    public IReadOnlyList<BackupMark> Bounds { get; init; } = [];

    /// <summary>Sequences as the snapshot saw them (environment backups): a restore sets them back.</summary>
    public IReadOnlyList<BackupMark> Sequences { get; init; } = [];

    public long Tenants { get; init; }

    public long Versions { get; init; }

    public long Rows { get; init; }

    public IReadOnlyList<BackupFileEntry> Files { get; init; } = [];

    public string? Sha256 { get; init; }

    /// <summary>The backup key every file of this backup is sealed with, and this manifest signed with.</summary>
    public string? KeyId { get; init; }

    /// <summary>HMAC-SHA256 (hex) of the canonical JSON with this field null, keyed from <see cref="KeyId"/>'s key.</summary>
    public string? Signature { get; init; }

    [JsonIgnore]
    public long Bytes => Files.Sum(f => f.Bytes);

    /// <summary>The manifest with its own hash and its signature under the ring's current key, as the bytes to write.</summary>
    internal (BackupManifest Sealed, byte[] Bytes) Seal(BackupKeyring keys)
    {
        var key = keys.Current;
        var withHash = this with { KeyId = key.Id, Signature = null };
        withHash = withHash with { Sha256 = withHash.ContentHash() };
        var signed = withHash with { Signature = withHash.SignatureWith(key) };
        return (signed, JsonSerializer.SerializeToUtf8Bytes(signed, Json));
    }

    /// <summary>
    /// Reads a manifest, refusing one whose bytes are not exactly what was written or whose hash does not
    /// match. The <see cref="FormatException"/> says what is wrong in words that finish "manifest of bak_… ",
    /// with the line where the JSON breaks, and nothing of the JSON library's own text.
    /// </summary>
    internal static BackupManifest Parse(byte[] bytes, BackupKeyring keys)
    {
        try
        {
            using var syntax = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new FormatException($"is not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}", e);
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(bytes, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"is not a {CurrentFormat} manifest: a field is missing or holds the wrong kind of value{Where(e)}", e);
        }
        catch (PlatformException e)
        {
            throw new FormatException($"is not a {CurrentFormat} manifest: {e.Message.TrimEnd('.')}", e);
        }

        if (manifest?.Format == "lifeboat-backup/1")
        {
            throw new FormatException(
                "is a lifeboat-backup/1 manifest, written before backups were encrypted and signed, so no key vouches for it; take a new full backup (the Lifeboat that wrote it can still read it)");
        }

        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new FormatException($"is not a {CurrentFormat} manifest (its format is '{manifest?.Format}')");
        }

        if (manifest.Sha256 != manifest.ContentHash() || !JsonSerializer.SerializeToUtf8Bytes(manifest, Json).AsSpan().SequenceEqual(bytes))
        {
            throw new FormatException("was altered: its content no longer matches the hash it was sealed with");
        }

        var key = keys.Find(manifest.KeyId ?? "") ?? throw new FormatException(
            $"is signed with backup key {manifest.KeyId}, which is not among the keys of {keys.Source} ({string.Join(", ", keys.Keys.Select(k => k.Id))}); " +
            "give the key file that holds it (--key-file or LIFEBOAT_BACKUP_KEY_FILE; after a rotation keep the old keys below the new one)");
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(manifest.SignatureWith(key)), System.Text.Encoding.ASCII.GetBytes(manifest.Signature ?? "")))
        {
            throw new FormatException($"was re-sealed without backup key {key.Id}: its signature does not match, so its hashes cannot be trusted");
        }

        return manifest;
    }

    /// <summary>The manifest's bytes exactly as they are written (its canonical JSON).</summary>
    internal byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    private static string Where(JsonException e) =>
        e.Path is { Length: > 1 } path ? $" (at {path}, line {e.LineNumber + 1})" : e.LineNumber is { } line ? $" (line {line + 1})" : "";

    internal string ContentHash() =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this with { Sha256 = null, Signature = null }, Json)));

    private string SignatureWith(BackupKey key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key.Derive([], SignaturePurpose), JsonSerializer.SerializeToUtf8Bytes(this with { Signature = null }, Json)));
}
