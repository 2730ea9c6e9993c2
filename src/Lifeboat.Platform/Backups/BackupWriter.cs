using System.IO.Compression;
using Lifeboat.Platform.Backups.Sealing;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Writes one backup's folder, once. Files go into a hidden staging folder, each created new (never
/// over an existing file), flushed to disk and made read-only; the manifest is written last, and the
/// folder is renamed into place and made read-only too. A crash leaves only a staging folder, which
/// no listing shows and retention removes. Every file and folder is the owner's alone from the moment
/// it is created: a backup holds every tenant's data.
/// </summary>
internal sealed class BackupWriter : IAsyncDisposable
{
    internal const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead;
    internal const UnixFileMode ReadOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserExecute;
    private const UnixFileMode WritableFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _root;
    private readonly string _staging;
    private readonly string _final;
    private readonly BackupKeyring _keys;
    private readonly List<BackupFileEntry> _files = [];
    private bool _finished;

    private BackupWriter(string root, string staging, string final, BackupKeyring keys)
    {
        _keys = keys;
        _root = root;
        _staging = staging;
        _final = final;
    }

    public IReadOnlyList<BackupFileEntry> Files => _files;

    public static BackupWriter Create(string root, BackupId id, BackupKeyring keys)
    {
        root = Path.GetFullPath(root);
        BackupFolders.CreateOwnerOnly(root);
        var final = Path.Combine(root, id.Value);
        var staging = Path.Combine(root, $".{id.Value}.partial");
        if (Directory.Exists(final) || Directory.Exists(staging))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"backup {id} already exists in {root}; a backup is written once and never overwritten.");
        }

        BackupFolders.CreateOwnerOnly(staging);
        return new BackupWriter(root, staging, final, keys);
    }

    /// <summary>Writes a gzip-compressed file, sealed with the current backup key; its hash and length are those of the sealed bytes on disk.</summary>
    public async Task<T> WriteCompressedAsync<T>(string name, Func<Stream, Task<T>> write, CancellationToken ct)
    {
        var path = PathOf(name);
        BackupFolders.CreateOwnerOnly(Path.GetDirectoryName(path)!);
        T result;
        await using (var file = Create(path, 1 << 16))
        {
            await using var hashing = new HashingStream(file);
            await using (var sealing = BackupSealing.Seal(hashing, _keys, leaveOpen: true))
            await using (var gzip = new GZipStream(sealing, CompressionLevel.Fastest, leaveOpen: true))
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
        var (sealedManifest, bytes) = (manifest with { Files = [.. _files] }).Seal(_keys);
        var path = PathOf(BackupManifest.FileName);
        await using (var file = Create(path, 4096))
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

    /// <summary>A new file (never over an existing one), the owner's alone from the start.</summary>
    private static FileStream Create(string path, int bufferSize) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        BufferSize = bufferSize,
        Options = FileOptions.Asynchronous,
        UnixCreateMode = WritableFile,
    });

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(_staging, name));
        return path.StartsWith(_staging + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new ArgumentException($"'{name}' is not a file name inside the backup.", nameof(name));
    }
}
