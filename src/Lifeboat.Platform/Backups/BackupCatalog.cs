namespace Lifeboat.Platform.Backups;

/// <summary>A file that is missing, altered, or does not fit its chain, and the backup it makes unusable.</summary>
public sealed record BackupFileProblem(BackupId? Backup, string Path, string Problem)
{
    public override string ToString() => $"{Path}: {Problem}";
}

/// <summary>
/// A full backup and the incrementals that follow it, in link order. <see cref="Problems"/> holds
/// what breaks the links (a manifest missing, or not the one the next backup was chained to).
/// </summary>
public sealed record BackupChain(BackupId Id, BackupScope Scope, SiteId? Site, IReadOnlyList<BackupManifest> Members, IReadOnlyList<BackupFileProblem> Problems)
{
    public BackupManifest? Full => Members.Count > 0 && Members[0].Kind == BackupKind.Full && Members[0].Id == Id ? Members[0] : null;

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
    private BackupCatalog(string root, IReadOnlyList<BackupManifest> backups, IReadOnlyList<BackupChain> chains, IReadOnlyList<BackupFileProblem> unreadable)
    {
        Root = root;
        Backups = backups;
        Chains = chains;
        Unreadable = unreadable;
    }

    public string Root { get; }

    /// <summary>Every readable backup, oldest first.</summary>
    public IReadOnlyList<BackupManifest> Backups { get; }

    /// <summary>Chains, oldest first.</summary>
    public IReadOnlyList<BackupChain> Chains { get; }

    public IReadOnlyList<BackupFileProblem> Unreadable { get; }

    public string FolderOf(BackupId id) => System.IO.Path.Combine(Root, id.Value);

    public string PathOf(BackupId id, string file) => System.IO.Path.Combine(Root, id.Value, file);

    public static async Task<BackupCatalog> ReadAsync(string root, CancellationToken ct)
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
                    var manifest = BackupManifest.Parse(await File.ReadAllBytesAsync(path, ct), path);
                    if (manifest.Id != id)
                    {
                        throw new FormatException($"{path} describes backup {manifest.Id}, not {id}.");
                    }

                    backups.Add(manifest);
                }
                catch (FormatException e)
                {
                    unreadable.Add(new BackupFileProblem(id, path, $"altered: {e.Message}"));
                }
            }
        }

        backups.Sort((a, b) => (a.StartedAt, a.UpToPosition).CompareTo((b.StartedAt, b.UpToPosition)));
        var catalog = new BackupCatalog(root, backups, [], unreadable);
        return new BackupCatalog(root, backups, BuildChains(catalog, backups, unreadable), unreadable);
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
            if (full is null)
            {
                problems.Add(Gone(catalog, unreadable, group.Key, group.Key, "missing: the full backup that starts this chain is gone"));
            }
            else
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

            // Members the links do not reach follow a backup that is missing or unreadable (or fork the chain).
            foreach (var stray in group.Except(members).OrderBy(b => b.AfterPosition))
            {
                var previous = stray.Previous ?? stray.Chain;
                problems.Add(members.Any(m => m.Id == previous)
                    ? new BackupFileProblem(stray.Id, catalog.PathOf(stray.Id, BackupManifest.FileName), $"backup {stray.Id} forks the chain: another backup already follows {previous}")
                    : Gone(catalog, unreadable, stray.Id, previous, $"missing: backup {stray.Id} follows {previous}, which is gone"));
                members.Add(stray);
            }

            var first = members[0];
            chains.Add(new BackupChain(group.Key, first.Scope, first.Site, members, problems));
        }

        return [.. chains.OrderBy(c => c.StartedAt)];
    }

    /// <summary>A problem of <paramref name="affected"/>: the manifest of <paramref name="gone"/> is missing or unreadable.</summary>
    private static BackupFileProblem Gone(BackupCatalog catalog, List<BackupFileProblem> unreadable, BackupId affected, BackupId gone, string otherwise) =>
        unreadable.FirstOrDefault(u => u.Backup == gone) is { } known
            ? known with { Backup = affected }
            : new BackupFileProblem(affected, catalog.PathOf(gone, BackupManifest.FileName), otherwise);
}
