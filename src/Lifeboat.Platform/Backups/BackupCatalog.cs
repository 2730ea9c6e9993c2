using Lifeboat.Platform.Backups.Sealing;

namespace Lifeboat.Platform.Backups;

/// <summary>A file that is missing, altered, or does not fit its chain, and the backup it makes unusable.</summary>
public sealed record BackupFileProblem(BackupId? Backup, string Path, string Problem)
{
    public override string ToString() => $"{Path}: {Problem}";
}

/// <summary>
/// Where a chain breaks: <see cref="Backup"/> is missing, cannot be read, or forks the chain, so the
/// backups of <see cref="Unrestorable"/>, which depend on it, can no longer be restored.
/// <see cref="AfterPosition"/> and <see cref="UpToPosition"/> are the positions the backups after the
/// break lack (those the missing backup held, as far as the backups around it tell).
/// </summary>
public sealed record BackupChainGap(BackupId Backup, BackupGapKind Kind, BackupFileProblem Cause, long AfterPosition, long UpToPosition, IReadOnlyList<BackupId> Unrestorable)
{
    /// <summary>What is wrong with <see cref="Backup"/>, in words: "its folder is gone", "manifest of bak_… is not valid JSON at line 3, byte 5"…</summary>
    public string Describe() => DetailOf(Cause);

    /// <summary>"missing backup bak_…", "damaged backup bak_…" or "forking backup bak_…".</summary>
    public string Name() => $"{Kind switch { BackupGapKind.Missing => "missing", BackupGapKind.Damaged => "damaged", _ => "forking" }} backup {Backup}";

    /// <summary>A problem's text without its leading kind ("missing: ", "altered: "…).</summary>
    internal static string DetailOf(BackupFileProblem problem) => problem.Problem[(problem.Problem.IndexOf(": ", StringComparison.Ordinal) + 2)..];
}

public enum BackupGapKind
{
    /// <summary>Its folder or its manifest is gone.</summary>
    Missing,

    /// <summary>Its manifest cannot be read (not JSON, not a manifest, or altered since it was sealed).</summary>
    Damaged,

    /// <summary>It follows a backup another backup of the chain already follows.</summary>
    Fork,
}

/// <summary>
/// A full backup and the incrementals that follow it, in link order; backups that follow a break come
/// last. <see cref="Problems"/> holds, for each backup that cannot be restored, why (a manifest it
/// depends on missing or unreadable, or not the one it was chained to); <see cref="Gaps"/> the breaks
/// themselves.
/// </summary>
public sealed record BackupChain(BackupId Id, BackupScope Scope, SiteId? Site, IReadOnlyList<BackupManifest> Members, IReadOnlyList<BackupFileProblem> Problems,
    IReadOnlyList<BackupChainGap> Gaps)
{
    public BackupManifest? Full => Members.Count > 0 && Members[0].Kind == BackupKind.Full && Members[0].Id == Id ? Members[0] : null;

    /// <summary>
    /// The last backup a restore can still go through: it and every backup before it are linked without a
    /// break. Null when none is (the full backup is gone). This reads the manifests only; verifying checks the files.
    /// </summary>
    public BackupManifest? LastRestorable =>
        Full is null || Problems.Any(p => p.Backup == Id) ? null : Members.TakeWhile(m => !Problems.Any(p => p.Backup == m.Id)).LastOrDefault();

    public BackupManifest Tip => Members[^1];

    public DateTimeOffset StartedAt => Members[0].StartedAt;

    /// <summary>The members up to and including <paramref name="last"/>.</summary>
    public IReadOnlyList<BackupManifest> Through(BackupId last) => [.. Members.TakeWhile(m => m.Id != last), Members.First(m => m.Id == last)];

    /// <summary>The chain's problems that make a restore through <paramref name="last"/> unsafe.</summary>
    public IEnumerable<BackupFileProblem> ProblemsThrough(BackupId last)
    {
        var ids = Through(last).Select(m => m.Id).Append(Id).ToHashSet();
        return Problems.Where(p => p.Backup is { } b && ids.Contains(b));
    }

    public string Describe() => Scope == BackupScope.Environment ? "the environment" : $"site {Site}";
}

/// <summary>What the backup folder holds: the readable manifests, grouped into chains, and the folders that could not be read.</summary>
internal sealed class BackupCatalog
{
    private BackupCatalog(string root, BackupKeyring keys, IReadOnlyList<BackupManifest> backups, IReadOnlyList<BackupChain> chains, IReadOnlyList<BackupFileProblem> unreadable)
    {
        Root = root;
        Keys = keys;
        Backups = backups;
        Chains = chains;
        Unreadable = unreadable;
    }

    public string Root { get; }

    /// <summary>The keys the manifests were checked with, which open the backups' files.</summary>
    public BackupKeyring Keys { get; }

    /// <summary>Every readable backup, oldest first.</summary>
    public IReadOnlyList<BackupManifest> Backups { get; }

    /// <summary>Chains, oldest first.</summary>
    public IReadOnlyList<BackupChain> Chains { get; }

    public IReadOnlyList<BackupFileProblem> Unreadable { get; }

    public string FolderOf(BackupId id) => System.IO.Path.Combine(Root, id.Value);

    public string PathOf(BackupId id, string file) => System.IO.Path.Combine(Root, id.Value, file);

    /// <summary>
    /// The plaintext (still gzip-compressed) of one file of a backup: the one place backup files are
    /// opened for reading, so every reader decrypts and checks them the same way.
    /// </summary>
    public Stream OpenFile(BackupId id, string file) =>
        BackupSealing.Open(new FileStream(PathOf(id, file), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true), Keys, $"{id}/{file}");

    /// <summary>
    /// The content of one file of a backup, decrypted and decompressed: every restore reads backup files
    /// through here (and <see cref="OpenFile"/>) and nowhere else.
    /// </summary>
    public Stream OpenContent(BackupId id, string file) =>
        new System.IO.Compression.GZipStream(OpenFile(id, file), System.IO.Compression.CompressionMode.Decompress);

    public static async Task<BackupCatalog> ReadAsync(string root, BackupKeyring keys, CancellationToken ct)
    {
        root = System.IO.Path.GetFullPath(root);
        var backups = new List<BackupManifest>();
        var unreadable = new List<BackupFileProblem>();
        if (Directory.Exists(root))
        {
            foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
            {
                var name = System.IO.Path.GetFileName(folder);
                if (!TypedId.TryParse<BackupId>(name, out var id, out _))
                {
                    continue; // staging folders (".bak_….partial") and anything else that is not a backup
                }

                var path = System.IO.Path.Combine(folder, BackupManifest.FileName);
                if (!File.Exists(path))
                {
                    unreadable.Add(new BackupFileProblem(id, path, "missing: the backup has no manifest"));
                    continue;
                }

                try
                {
                    var manifest = BackupManifest.Parse(await File.ReadAllBytesAsync(path, ct), keys);
                    if (manifest.Id != id)
                    {
                        throw new FormatException($"describes backup {manifest.Id}, not {id}");
                    }

                    backups.Add(manifest);
                }
                catch (FormatException e)
                {
                    unreadable.Add(new BackupFileProblem(id, path, $"altered: manifest of {id} {e.Message}"));
                }
            }
        }

        backups.Sort((a, b) => (a.StartedAt, a.UpToPosition).CompareTo((b.StartedAt, b.UpToPosition)));
        var catalog = new BackupCatalog(root, keys, backups, [], unreadable);
        return new BackupCatalog(root, keys, backups, BuildChains(catalog, backups, unreadable), unreadable);
    }

    public BackupManifest? Find(BackupId id) => Backups.FirstOrDefault(b => b.Id == id);

    public BackupChain ChainOf(BackupId id) => Chains.First(c => c.Members.Any(m => m.Id == id));

    /// <summary>Chains of the environment, or of one site, newest first.</summary>
    public IEnumerable<BackupChain> ChainsOf(BackupScope scope, SiteId? site) =>
        Chains.Where(c => c.Scope == scope && c.Site == site).OrderByDescending(c => c.StartedAt);

    private static List<BackupChain> BuildChains(BackupCatalog catalog, List<BackupManifest> backups, List<BackupFileProblem> unreadable)
    {
        var chains = new List<BackupChain>();
        foreach (var group in backups.GroupBy(b => b.Chain))
        {
            var members = new List<BackupManifest>();
            var problems = new List<BackupFileProblem>();
            var byPrevious = group.Where(b => b.Previous is not null).ToLookup(b => b.Previous!.Value);
            var full = group.FirstOrDefault(b => b.Id == group.Key && b.Kind == BackupKind.Full && b.Previous is null && b.AfterPosition == 0);
            if (full is not null)
            {
                members.Add(full);
                var current = full;
                while (byPrevious[current.Id].OrderBy(b => b.CreatedAt).FirstOrDefault(b => !members.Contains(b)) is { } next)
                {
                    if (next.PreviousSha256 != current.Sha256 || next.AfterPosition != current.UpToPosition || next.Scope != current.Scope || next.Site != current.Site)
                    {
                        problems.Add(new BackupFileProblem(next.Id, catalog.PathOf(current.Id, BackupManifest.FileName),
                            $"altered: backup {next.Id} was chained to a different manifest of {current.Id}"));
                    }

                    members.Add(next);
                    current = next;
                }
            }

            // The links do not reach the others: each follows a break (a backup missing or unreadable, or a
            // fork), directly or through backups that follow the same break.
            var linked = members.Count;
            var gaps = new Dictionary<BackupId, Gap>();
            var breakOf = new Dictionary<BackupId, Gap>();
            foreach (var stray in group.Except(members).OrderBy(b => b.AfterPosition).ThenBy(b => b.CreatedAt))
            {
                var previous = stray.Previous ?? stray.Chain;
                if (!breakOf.TryGetValue(previous, out var gap))
                {
                    gap = members.Take(linked).Any(m => m.Id == previous)
                        ? new Gap(stray.Id, BackupGapKind.Fork, new BackupFileProblem(stray.Id, catalog.PathOf(stray.Id, BackupManifest.FileName),
                            $"fork: backup {stray.Id} forks the chain: another backup already follows {previous}"), stray.AfterPosition, stray.UpToPosition)
                        : gaps.GetValueOrDefault(previous) ?? Missing(catalog, unreadable, previous, members.Take(linked), stray);
                    gaps[gap.Backup] = gap;
                }

                gap.Unrestorable.Add(stray.Id);
                if (gap.Kind == BackupGapKind.Fork && gap.Backup == stray.Id)
                {
                    problems.Add(gap.Cause);
                }
                else
                {
                    problems.Add(new BackupFileProblem(stray.Id, gap.Cause.Path,
                        $"unrestorable: {stray.Id} depends on {gap.Name()} ({gap.Describe()}), so it cannot be restored"));
                }

                breakOf[stray.Id] = gap;
                members.Add(stray);
            }

            var first = members[0];
            chains.Add(new BackupChain(group.Key, first.Scope, first.Site, members, problems,
                [.. gaps.Values.Select(g => new BackupChainGap(g.Backup, g.Kind, g.Cause, g.AfterPosition, g.UpToPosition, g.Unrestorable))]));
        }

        return [.. chains.OrderBy(c => c.StartedAt)];
    }

    /// <summary>
    /// The break a backup makes when its predecessor <paramref name="gone"/> is not among the readable
    /// backups: its manifest is unreadable (damaged) or missing, or its folder is gone.
    /// </summary>
    private static Gap Missing(BackupCatalog catalog, List<BackupFileProblem> unreadable, BackupId gone, IEnumerable<BackupManifest> linked, BackupManifest first)
    {
        var after = linked.Where(m => m.UpToPosition <= first.AfterPosition).Select(m => m.UpToPosition).DefaultIfEmpty(0).Max();
        return unreadable.FirstOrDefault(u => u.Backup == gone) is { } known
            ? new Gap(gone, known.Problem.StartsWith("missing", StringComparison.Ordinal) ? BackupGapKind.Missing : BackupGapKind.Damaged, known, after, first.AfterPosition)
            : new Gap(gone, BackupGapKind.Missing, new BackupFileProblem(gone, catalog.PathOf(gone, BackupManifest.FileName), "missing: its folder is gone"), after,
                first.AfterPosition);
    }

    /// <summary>A break being found: its backups that cannot be restored are added as the strays are read.</summary>
    private sealed record Gap(BackupId Backup, BackupGapKind Kind, BackupFileProblem Cause, long AfterPosition, long UpToPosition)
    {
        public List<BackupId> Unrestorable { get; } = [];

        public string Describe() => BackupChainGap.DetailOf(Cause);

        public string Name() => new BackupChainGap(Backup, Kind, Cause, AfterPosition, UpToPosition, Unrestorable).Name();
    }
}
