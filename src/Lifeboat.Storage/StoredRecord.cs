using System.Text.Json;

namespace Lifeboat.Storage;

/// <summary>One version of a record: its content (or a tombstone), when it was committed and by whom.</summary>
public sealed record StoredRecord(
    string Collection,
    string Id,
    long Position,
    DateTimeOffset Stamp,
    string Actor,
    bool Deleted,
    JsonElement? Document,
    BlobReference? Blob)
{
    public T As<T>(JsonSerializerOptions? options = null) =>
        Document is { } doc
            ? doc.Deserialize<T>(options ?? Json.Web) ?? throw new RecordStateException($"record '{Id}' of '{Collection}' holds null.")
            : throw new RecordStateException($"record '{Id}' of '{Collection}' is deleted (tombstone at position {Position}).");
}

/// <summary>The content of a blob: its SHA-256 (lowercase hex) and length in bytes.</summary>
public sealed record BlobReference(string Sha256, long Size);

/// <summary>The commit position and database time of a write; restoring to the position before it undoes it.</summary>
public readonly record struct WriteResult(long Position, DateTimeOffset Stamp);

/// <summary>How many live records a delete turned into tombstones, and the position it committed at.</summary>
public readonly record struct DeleteResult(int Deleted, long Position, DateTimeOffset Stamp);

internal static class Json
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}

/// <summary>A collection's live records, counted and hashed (see <see cref="RecordStore.DigestAsync"/>).</summary>
public sealed record CollectionDigest(string Collection, long Records, string Sha256);
