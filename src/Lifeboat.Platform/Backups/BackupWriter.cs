using System.IO.Compression;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Writes one backup's folder, once. Files go into a hidden staging folder, each created new (never
/// over an existing file), flushed to disk and made read-only; the manifest is written last, and the
/// folder is renamed into place and made read-only too. A crash leaves only a staging folder, which
/// no listing shows and retention removes.
/// </summary>
internal sealed class BackupWriter : IAsyncDisposable
{
    internal const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    internal const UnixFileMode ReadOnlyFolder = ReadOnlyFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly string _root;
    private readonly string _staging;
    private readonly string _final;
    private readonly List<BackupFileEntry> _files = [];
    private bool _finished;

    private BackupWriter(string root, string staging, string final)
    {
        _root = root;
        _staging = staging;
        _final = final;
    }

    public IReadOnlyList<BackupFileEntry> Files => _files;

    public static BackupWriter Create(string root, BackupId id)
    {
        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root);
        var final = Path.Combine(root, id.Value);
        var staging = Path.Combine(root, $".{id.Value}.partial");
        if (Directory.Exists(final) || Directory.Exists(staging))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"backup {id} already exists in {root}; a backup is written once and never overwritten.");
        }

        Directory.CreateDirectory(staging);
        return new BackupWriter(root, staging, final);
    }

    /// <summary>Writes a gzip-compressed file; its hash and length are those of the compressed bytes on disk.</summary>
    public async Task<T> WriteCompressedAsync<T>(string name, Func<Stream, Task<T>> write, CancellationToken ct)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        T result;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await using var hashing = new HashingStream(file);
            await using (var gzip = new GZipStream(hashing, CompressionLevel.Fastest, leaveOpen: true))
            {
                result = await write(gzip);
            }

            await hashing.FlushAsync(ct);
            file.Flush(flushToDisk: true);
            _files.Add(new BackupFileEntry(name, hashing.Sha256(), hashing.Written));
        }

        File.SetUnixFileMode(path, ReadOnlyFile);
        return result;
    }

    /// <summary>Seals the manifest, writes it, and moves the folder into place.</summary>
    public async Task<BackupManifest> FinishAsync(BackupManifest manifest, CancellationToken ct)
    {
        var (sealedManifest, bytes) = (manifest with { Files = [.. _files] }).Seal();
        var path = PathOf(BackupManifest.FileName);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            await file.WriteAsync(bytes, ct);
            file.Flush(flushToDisk: true);
        }

        File.SetUnixFileMode(path, ReadOnlyFile);
        foreach (var folder in Directory.EnumerateDirectories(_staging, "*", SearchOption.AllDirectories).Append(_staging))
        {
            Durability.SyncDirectory(folder);
        }

        Directory.Move(_staging, _final);
        Durability.SyncDirectory(_root);
        foreach (var folder in Directory.EnumerateDirectories(_final, "*", SearchOption.AllDirectories).Append(_final))
        {
            File.SetUnixFileMode(folder, ReadOnlyFolder);
        }

        _finished = true;
        return sealedManifest;
    }

    public ValueTask DisposeAsync()
    {
        if (!_finished && Directory.Exists(_staging))
        {
            // An unfinished backup leaves nothing behind: it was never listed, and no chain refers to it.
            BackupFolders.Remove(_staging);
        }

        return ValueTask.CompletedTask;
    }

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(_staging, name));
        return path.StartsWith(_staging + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new ArgumentException($"'{name}' is not a file name inside the backup.", nameof(name));
    }
}
