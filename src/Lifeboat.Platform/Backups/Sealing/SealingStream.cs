using System.Security.Cryptography;

namespace Lifeboat.Platform.Backups.Sealing;

/// <summary>
/// Encrypts what is written to it (see <see cref="SealedFormat"/>). A full chunk is sealed only when
/// more bytes follow, so the last chunk — written at dispose, possibly empty — is the one sealed as last.
/// </summary>
internal sealed class SealingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _header;
    private readonly AesGcm _cipher;
    private readonly byte[] _plain = new byte[SealedFormat.ChunkSize];
    private readonly byte[] _sealed = new byte[SealedFormat.SealedChunkSize];
    private int _filled;
    private long _index;
    private bool _headerWritten;
    private bool _finished;

    public SealingStream(Stream inner, BackupKey key, bool leaveOpen)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        var salt = RandomNumberGenerator.GetBytes(16);
        _header = SealedFormat.Header(key, salt);
        _cipher = SealedFormat.Cipher(key, salt);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (buffer.Length > 0)
        {
            if (_filled == _plain.Length)
            {
                _inner.Write(SealChunk(last: false).Span);
            }

            var take = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (buffer.Length > 0)
        {
            if (_filled == _plain.Length)
            {
                await _inner.WriteAsync(SealChunk(last: false), cancellationToken);
            }

            var take = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..take].CopyTo(_plain.AsMemory(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Flushing never seals a partial chunk: only disposing ends the file.</summary>
    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            await _inner.WriteAsync(SealChunk(last: true));
            _finished = true;
            await _inner.FlushAsync();
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync();
            }

            _cipher.Dispose();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            _inner.Write(SealChunk(last: true).Span);
            _finished = true;
            _inner.Flush();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }

            _cipher.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The header (before the first chunk), then the buffered plaintext sealed as chunk <see cref="_index"/>.</summary>
    private ReadOnlyMemory<byte> SealChunk(bool last)
    {
        var offset = 0;
        var output = _sealed;
        if (!_headerWritten)
        {
            output = new byte[SealedFormat.HeaderSize + _filled + SealedFormat.TagSize];
            _header.CopyTo(output, 0);
            offset = SealedFormat.HeaderSize;
            _headerWritten = true;
        }

        Span<byte> nonce = stackalloc byte[12];
        SealedFormat.Nonce(nonce, _index, last);
        _cipher.Encrypt(nonce, _plain.AsSpan(0, _filled), output.AsSpan(offset, _filled), output.AsSpan(offset + _filled, SealedFormat.TagSize),
            SealedFormat.AssociatedData(_header, _index, last));
        var length = offset + _filled + SealedFormat.TagSize;
        _index++;
        _filled = 0;
        return output.AsMemory(0, length);
    }
}
