using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Storage.Backups;

/// <summary>
/// Decodes a backup's version lines (row_to_json of lifeboat.records) into typed columns in the client, so
/// PostgreSQL receives them by binary COPY ready to store, instead of parsing every line as JSON and then
/// converting it column by column: the line is read once, and only the document is parsed by the server.
/// </summary>
internal static class VersionLines
{
    /// <summary>The columns written, in this order, by <see cref="WriteAsync"/>.</summary>
    public const string Columns = "tenant_id, collection, record_id, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blob_sha256, blob_size";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One version as the backup holds it.</summary>
    public sealed record Version(string? TenantId, string? Collection, string? RecordId, long Position, DateTime Stamp, string? Actor, bool Deleted,
        string? Doc, string? Ix1, string? Ix2, string? Ix3, byte[]? BlobSha256, long? BlobSize);

    /// <summary>Decodes one line; columns the line lacks stay null (the database then refuses a required one), names it does not know are skipped.</summary>
    public static Version Decode(string line)
    {
        var bytes = Utf8.GetBytes(line);
        var reader = new Utf8JsonReader(bytes);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("a backup line is not a JSON object.");
        }

        string? tenantId = null, collection = null, recordId = null, actor = null, doc = null, ix1 = null, ix2 = null, ix3 = null;
        long position = 0;
        long? blobSize = null;
        DateTime stamp = default;
        var deleted = false;
        byte[]? blobSha256 = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            var isNull = reader.TokenType == JsonTokenType.Null;
            switch (name)
            {
                case "tenant_id": tenantId = isNull ? null : reader.GetString(); break;
                case "collection": collection = isNull ? null : reader.GetString(); break;
                case "record_id": recordId = isNull ? null : reader.GetString(); break;
                case "position": position = reader.GetInt64(); break;
                case "stamp": stamp = DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture).UtcDateTime; break;
                case "actor": actor = isNull ? null : reader.GetString(); break;
                case "deleted": deleted = reader.GetBoolean(); break;
                case "doc":
                    if (!isNull)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        doc = Utf8.GetString(bytes, start, (int)reader.BytesConsumed - start);
                    }

                    break;
                case "ix1": ix1 = isNull ? null : reader.GetString(); break;
                case "ix2": ix2 = isNull ? null : reader.GetString(); break;
                case "ix3": ix3 = isNull ? null : reader.GetString(); break;
                // row_to_json writes bytea as "\x" and hex digits.
                case "blob_sha256": blobSha256 = isNull ? null : Convert.FromHexString(reader.GetString()!.AsSpan(2)); break;
                case "blob_size": blobSize = isNull ? null : reader.GetInt64(); break;
                default: reader.Skip(); break;
            }
        }

        return new Version(tenantId, collection, recordId, position, stamp, actor, deleted, doc, ix1, ix2, ix3, blobSha256, blobSize);
    }

    public static async Task WriteAsync(NpgsqlBinaryImporter import, Version v, CancellationToken ct)
    {
        await import.StartRowAsync(ct);
        await Text(import, v.TenantId, ct);
        await Text(import, v.Collection, ct);
        await Text(import, v.RecordId, ct);
        await import.WriteAsync(v.Position, NpgsqlDbType.Bigint, ct);
        await import.WriteAsync(v.Stamp, NpgsqlDbType.TimestampTz, ct);
        await Text(import, v.Actor, ct);
        await import.WriteAsync(v.Deleted, NpgsqlDbType.Boolean, ct);
        if (v.Doc is null)
        {
            await import.WriteNullAsync(ct);
        }
        else
        {
            await import.WriteAsync(v.Doc, NpgsqlDbType.Jsonb, ct);
        }

        await Text(import, v.Ix1, ct);
        await Text(import, v.Ix2, ct);
        await Text(import, v.Ix3, ct);
        if (v.BlobSha256 is null)
        {
            await import.WriteNullAsync(ct);
        }
        else
        {
            await import.WriteAsync(v.BlobSha256, NpgsqlDbType.Bytea, ct);
        }

        if (v.BlobSize is { } size)
        {
            await import.WriteAsync(size, NpgsqlDbType.Bigint, ct);
        }
        else
        {
            await import.WriteNullAsync(ct);
        }
    }

    private static async Task Text(NpgsqlBinaryImporter import, string? value, CancellationToken ct)
    {
        if (value is null)
        {
            await import.WriteNullAsync(ct);
        }
        else
        {
            await import.WriteAsync(value, NpgsqlDbType.Text, ct);
        }
    }
}
