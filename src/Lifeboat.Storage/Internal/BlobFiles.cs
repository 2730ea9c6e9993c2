namespace Lifeboat.Storage.Internal;

/// <summary>
/// The blob directory's layout, and every move of a file inside it:
/// <code>
/// sha256/ab/cd/abcd…       the bytes, named by their hash, where readers look
/// quarantine/ab/cd/abcd…   files the retention job set aside: removed a grace period later, unless brought back
/// pins/*.pin               hashes an import is about to refer to: the retention job leaves those files alone
/// incoming/                files being written, before they are named by their hash
/// </code>
/// A file's last-write time is when its grace period began, taken from the store's clock (the one the
/// retention job reads "now" from). Files and folders are the owner's alone from the moment they are
/// created: blobs are customers' attachments.
/// </summary>
internal sealed class BlobFiles(string root, TimeProvider time)
{
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A file while it is written; it is made <see cref="ReadOnlyFile"/> before it is named by its hash.</summary>
    public const UnixFileMode WritableFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead;

    /// <summary>A pin older than this was left by an import whose process died; the retention job removes it.</summary>
    private static readonly TimeSpan PinLifetime = TimeSpan.FromDays(1);

    public string Root { get; } = root;

    public string Incoming => Path.Combine(Root, "incoming");

    private string InPlaceRoot => Path.Combine(Root, "sha256");

    private string QuarantineRoot => Path.Combine(Root, "quarantine");

    private string PinsRoot => Path.Combine(Root, "pins");

    public string PathOf(string sha256) => Path.Combine(InPlaceRoot, sha256[..2], sha256[2..4], sha256);

    /// <summary>Creates a folder, and the parents it lacks, for the owner alone (existing folders are left as they are).</summary>
    public static void CreateFolder(string path)
    {
        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only, its new parents get the default.
        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }
    }

    /// <summary>True when the bytes are where readers look; a file the retention job set aside is brought back first.</summary>
    public bool IsInPlace(string sha256) => File.Exists(PathOf(sha256)) || BringBack(sha256);

    /// <summary>
    /// Starts the grace period of a file in place again, because a writer is about to refer to it (a dedup
    /// hit). False when the file is not in place.
    /// </summary>
    public bool Renew(string sha256)
    {
        var path = PathOf(sha256);
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            // The owner may set the times of a read-only file.
            File.SetLastWriteTimeUtc(path, time.GetUtcNow().UtcDateTime);
            return true;
        }
        catch (IOException) when (!File.Exists(path))
        {
            return false; // the retention job set it aside just now
        }
    }

    /// <summary>Names a file written in full by its hash: read-only, its grace period starting now.</summary>
    public void Place(string written, string sha256)
    {
        var path = PathOf(sha256);
        CreateFolder(Path.GetDirectoryName(path)!);
        File.SetUnixFileMode(written, ReadOnlyFile);
        File.SetLastWriteTimeUtc(written, time.GetUtcNow().UtcDateTime);
        try
        {
            File.Move(written, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(written); // another writer placed the same bytes first
            Renew(sha256);
        }
    }

    /// <summary>
    /// Moves a file the retention job set aside back into place, with a new grace period. True when the
    /// bytes are in place afterwards (false: nothing was set aside, or the retention job removed it first).
    /// </summary>
    public bool BringBack(string sha256)
    {
        var aside = QuarantinePathOf(sha256);
        if (!File.Exists(aside))
        {
            return false;
        }

        var path = PathOf(sha256);
        CreateFolder(Path.GetDirectoryName(path)!);
        try
        {
            File.Move(aside, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(aside); // the same bytes are in place already: the copy set aside is redundant
        }
        catch (IOException) when (!File.Exists(aside))
        {
            // Brought back by another process, or removed by the retention job: Renew says which.
        }

        return Renew(sha256);
    }

    /// <summary>
    /// Sets a file aside (the first phase of collecting it), unless its grace period began again at or
    /// after <paramref name="olderThan"/> because a writer renewed it. Its time in quarantine starts now.
    /// </summary>
    public bool Quarantine(string sha256, DateTimeOffset olderThan)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path) || new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero) >= olderThan)
        {
            return false;
        }

        var aside = QuarantinePathOf(sha256);
        CreateFolder(Path.GetDirectoryName(aside)!);
        try
        {
            File.Move(path, aside, overwrite: true);
            File.SetLastWriteTimeUtc(aside, time.GetUtcNow().UtcDateTime);
            return true;
        }
        catch (IOException) when (!File.Exists(aside))
        {
            return false; // gone from place before the move, or brought back right after it
        }
    }

    /// <summary>Removes a file set aside (the second phase); its length, or null when it was brought back meanwhile.</summary>
    public long? Remove(string sha256)
    {
        var aside = QuarantinePathOf(sha256);
        try
        {
            var length = new FileInfo(aside).Length;
            File.Delete(aside);
            return length;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The hashes of files in place whose grace period began before <paramref name="olderThan"/>.</summary>
    public IEnumerable<string> InPlaceBefore(DateTimeOffset olderThan) => Before(InPlaceRoot, olderThan);

    /// <summary>The hashes of files set aside before <paramref name="olderThan"/>.</summary>
    public IEnumerable<string> QuarantinedBefore(DateTimeOffset olderThan) => Before(QuarantineRoot, olderThan);

    /// <summary>
    /// Registers hashes an import will refer to when it commits, before it checks or copies their files:
    /// the retention job neither sets those files aside nor removes them until the pin is released (or is
    /// a day old). The pin is complete before the retention job can see it.
    /// </summary>
    public async Task<BlobPin> PinAsync(IReadOnlyCollection<string> sha256s, CancellationToken ct)
    {
        CreateFolder(PinsRoot);
        var name = Guid.NewGuid().ToString("n");
        var writing = Path.Combine(PinsRoot, name + ".tmp");
        var pin = Path.Combine(PinsRoot, name + ".pin");
        await using (var file = new FileStream(writing, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            UnixCreateMode = WritableFile,
        }))
        await using (var writer = new StreamWriter(file))
        {
            foreach (var sha in sha256s)
            {
                await writer.WriteLineAsync(sha.AsMemory(), ct);
            }
        }

        File.SetLastWriteTimeUtc(writing, time.GetUtcNow().UtcDateTime);
        File.Move(writing, pin);
        return new BlobPin(pin);
    }

    /// <summary>Every pinned hash. Pins a day old, left by imports whose process died, are removed.</summary>
    public HashSet<string> Pinned()
    {
        var pinned = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(PinsRoot))
        {
            return pinned;
        }

        var stale = time.GetUtcNow() - PinLifetime;
        foreach (var file in Directory.EnumerateFiles(PinsRoot))
        {
            try
            {
                if (new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero) < stale)
                {
                    File.Delete(file);
                }
                else if (file.EndsWith(".pin", StringComparison.Ordinal))
                {
                    pinned.UnionWith(File.ReadLines(file).Where(IsSha256));
                }
            }
            catch (FileNotFoundException)
            {
                // released while it was read: its import committed, so versions refer to its files now
            }
        }

        return pinned;
    }

    private string QuarantinePathOf(string sha256) => Path.Combine(QuarantineRoot, sha256[..2], sha256[2..4], sha256);

    private static IEnumerable<string> Before(string folder, DateTimeOffset olderThan) =>
        !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(f => new FileInfo(f))
                .Where(f => IsSha256(f.Name) && new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero) < olderThan)
                .Select(f => f.Name);

    private static bool IsSha256(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);
}

/// <summary>An import's registration of the blobs it will refer to; released when the import ends.</summary>
internal sealed class BlobPin(string path) : IDisposable
{
    public void Dispose() => File.Delete(path);
}
