using System.Security.Cryptography;

namespace Lifeboat.Platform.Backups.Sealing;

/// <summary>
/// Decrypts a sealed file (see <see cref="SealedFormat"/>) as it is read, chunk by chunk, checking each
/// chunk's tag before any of its bytes are handed out, and that the file ends with the chunk sealed as last.
/// </summary>
internal sealed class OpeningStream : Stream
{
    private readonly Stream _inner;
    private readonly BackupKeyring _keys;
    private readonly string _name;
    private readonly bool _leaveOpen;
    private readonly byte[] _sealed = new byte[SealedFormat.SealedChunkSize + 1];
    private readonly byte[] _plain = new byte[SealedFormat.ChunkSize];
    private byte[]? _header;
    private AesGcm? _cipher;
    private int _sealedFilled;
    private int _plainStart;
    private int _plainEnd;
    private long _index;
    private bool _ended;

    public OpeningStream(Stream inner, BackupKeyring keys, string name, bool leaveOpen)
    {
        _inner = inner;
        _keys = keys;
        _name = name;
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_plainStart == _plainEnd && !_ended)
        {
            Fill(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return Take(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_plainStart == _plainEnd && !_ended)
        {
            await Fill(async: true, cancellationToken);
        }

        return Take(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cipher?.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private int Take(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, n).CopyTo(buffer);
        _plainStart += n;
        return n;
    }

    /// <summary>
    /// Reads one sealed chunk and one byte more: a chunk shorter than a full one, or a full one with
    /// nothing after it, must be the last; the extra byte starts the next chunk.
    /// </summary>
    private async ValueTask Fill(bool async, CancellationToken ct)
    {
        if (_header is null)
        {
            await ReadHeader(async, ct);
        }

        while (_sealedFilled < _sealed.Length)
        {
            var n = async ? await _inner.ReadAsync(_sealed.AsMemory(_sealedFilled), ct) : _inner.Read(_sealed.AsSpan(_sealedFilled));
            if (n == 0)
            {
                break;
            }

            _sealedFilled += n;
        }

        var last = _sealedFilled <= SealedFormat.SealedChunkSize;
        var length = Math.Min(_sealedFilled, SealedFormat.SealedChunkSize);
        if (length < SealedFormat.TagSize)
        {
            throw Damaged("it ends before its last chunk (truncated)");
        }

        var plain = length - SealedFormat.TagSize;
        Span<byte> nonce = stackalloc byte[12];
        SealedFormat.Nonce(nonce, _index, last);
        try
        {
            _cipher!.Decrypt(nonce, _sealed.AsSpan(0, plain), _sealed.AsSpan(plain, SealedFormat.TagSize), _plain.AsSpan(0, plain),
                SealedFormat.AssociatedData(_header!, _index, last));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw Damaged(last
                ? $"its chunk {_index} does not open as the file's last: the file was cut short, or altered"
                : $"its chunk {_index} does not open: the file was altered, or its chunks reordered or dropped");
        }

        _plainStart = 0;
        _plainEnd = plain;
        _index++;
        if (last)
        {
            _ended = true;
            _sealedFilled = 0;
        }
        else
        {
            _sealed[0] = _sealed[SealedFormat.SealedChunkSize];
            _sealedFilled = 1;
        }
    }

    private async ValueTask ReadHeader(bool async, CancellationToken ct)
    {
        var header = new byte[SealedFormat.HeaderSize];
        var filled = 0;
        while (filled < header.Length)
        {
            var n = async ? await _inner.ReadAsync(header.AsMemory(filled), ct) : _inner.Read(header.AsSpan(filled));
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        if (filled < header.Length || !header.AsSpan(0, 8).SequenceEqual(SealedFormat.Magic))
        {
            throw Damaged("it is not a sealed backup file (no LBSEAL01 header)");
        }

        var id = "key_" + Convert.ToHexStringLower(header.AsSpan(8, 8));
        var key = _keys.Find(id) ?? throw new BackupSealException(
            $"{_name} is sealed with backup key {id}, which is not among the keys of {_keys.Source} ({string.Join(", ", _keys.Keys.Select(k => k.Id))}): " +
            "give the key file that holds it (--key-file or LIFEBOAT_BACKUP_KEY_FILE; after a rotation keep the old keys below the new one). Nothing was read.");
        _header = header;
        _cipher = SealedFormat.Cipher(key, header.AsSpan(16, 16));
    }

    private BackupSealException Damaged(string what) =>
        new($"{_name} cannot be opened: {what}. It is not what Lifeboat sealed; restore from another backup chain (lifeboat backup list).");
}
