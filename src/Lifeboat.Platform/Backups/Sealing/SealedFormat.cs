using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Lifeboat.Platform.Backups.Sealing;

/// <summary>
/// The layout of a sealed file: a 32-byte header — "LBSEAL01", the key's 8-byte ID, a 16-byte random
/// salt — then chunks of up to 64 KiB of plaintext, each AES-256-GCM ciphertext followed by its 16-byte
/// tag. Each file has a key of its own (HKDF-SHA256 of the backup key and the salt), so nonces never
/// repeat across files. A chunk's nonce is its index (8 bytes, big-endian) and a last-chunk flag; its
/// associated data is the header, the index and the flag. So a chunk moved, dropped or taken from
/// another file fails its tag, and a file cut after a whole chunk lacks the one chunk sealed as last.
/// </summary>
internal static class SealedFormat
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int HeaderSize = 32;
    public const int SealedChunkSize = ChunkSize + TagSize;
    public const string Purpose = "lifeboat backup file v1";

    public static ReadOnlySpan<byte> Magic => "LBSEAL01"u8;

    public static byte[] Header(BackupKey key, ReadOnlySpan<byte> salt)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        key.IdBytes.CopyTo(header, 8);
        salt.CopyTo(header.AsSpan(16));
        return header;
    }

    public static void Nonce(Span<byte> nonce, long index, bool last)
    {
        BinaryPrimitives.WriteInt64BigEndian(nonce, index);
        BinaryPrimitives.WriteInt32BigEndian(nonce[8..], last ? 1 : 0);
    }

    public static byte[] AssociatedData(byte[] header, long index, bool last)
    {
        var data = new byte[HeaderSize + 9];
        header.CopyTo(data, 0);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(HeaderSize), index);
        data[^1] = last ? (byte)1 : (byte)0;
        return data;
    }

    public static AesGcm Cipher(BackupKey key, ReadOnlySpan<byte> salt) => new(key.Derive(salt, Purpose), TagSize);
}
