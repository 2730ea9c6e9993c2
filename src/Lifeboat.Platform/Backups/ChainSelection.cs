using Lifeboat.Storage;

namespace Lifeboat.Platform.Backups;

/// <summary>The backups a restore reads: a prefix of one chain, verified, and the point it restores to.</summary>
internal sealed record ChainSelection(BackupChain Chain, IReadOnlyList<BackupManifest> Members, RecoveryPoint Point, IReadOnlyList<SkippedChain> Skipped)
{
    public BackupManifest Last => Members[^1];

    /// <summary>
    /// Picks the newest chain that covers the point (null: the end of the newest chain) and verifies
    /// every file it needs. A damaged chain is refused, naming its files; only with
    /// <paramref name="allowOlderChain"/> does the newest intact older chain serve instead, and when it
    /// ends before the point, the point becomes its end.
    /// </summary>
    public static async Task<ChainSelection> SelectAsync(BackupCatalog catalog, IReadOnlyList<BackupChain> newestFirst, string what, RecoveryPoint? point,
        bool allowOlderChain, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        if (newestFirst.Count == 0)
        {
            // Backups whose manifests cannot be read (another key, re-sealed, damaged) may be the ones asked for: say so.
            throw catalog.Unreadable.Count > 0
                ? new BackupIntegrityException(
                    $"there is no readable backup of {what} in {catalog.Root}: {catalog.Unreadable.Count} backup(s) cannot be read, the first because {BackupChainGap.DetailOf(catalog.Unreadable[0])}. Nothing was restored.",
                    catalog.Unreadable)
                : new PlatformException(PlatformErrorKind.NotFound, $"there is no backup of {what} in {catalog.Root}.");
        }

        var first = newestFirst.FirstOrDefault(c => CoveringMember(c, point) is not null)
            ?? throw new PlatformException(PlatformErrorKind.Invalid, NotCovered(newestFirst, what, point!.Value));
        var verification = await VerifyAsync(catalog, first, CoveringMember(first, point)!, progress, ct);
        if (verification.Intact)
        {
            return new ChainSelection(first, first.Through(CoveringMember(first, point)!.Id), point ?? End(first.Tip), []);
        }

        var skipped = new List<SkippedChain> { new(first.Id, verification.Problems) };
        if (!allowOlderChain)
        {
            throw Damaged(first, verification.Problems, newestFirst.Any(c => c.StartedAt < first.StartedAt)
                ? " An older chain exists: allow it explicitly to restore from the newest intact older chain (--allow-older-chain)."
                : " No older chain exists.");
        }

        foreach (var older in newestFirst.Where(c => c.StartedAt < first.StartedAt))
        {
            var member = CoveringMember(older, point) ?? (point is { } p && Ends(older.Tip, p) && older.Full is not null ? older.Tip : null);
            if (member is null)
            {
                continue;
            }

            var check = await VerifyAsync(catalog, older, member, progress, ct);
            if (check.Intact)
            {
                var used = point is { } requested && CoveringMember(older, requested) is not null ? requested : End(member);
                return new ChainSelection(older, older.Through(member.Id), used, skipped);
            }

            skipped.Add(new SkippedChain(older.Id, check.Problems));
        }

        throw Damaged(first, verification.Problems, " No older chain is intact either.");
    }

    /// <summary>
    /// The first member whose range reaches the point (the tip when there is no point), or null. A chain
    /// whose full backup is gone still counts, so that it is refused as damaged rather than passed over.
    /// </summary>
    private static BackupManifest? CoveringMember(BackupChain chain, RecoveryPoint? point)
    {
        if (point is not { } p)
        {
            return chain.Tip;
        }

        if (p.Time < chain.Members[0].ExactFrom)
        {
            return null;
        }

        return chain.Members.FirstOrDefault(m => p.Position is { } pos ? pos <= m.UpToPosition : p.Time <= m.CoveredUntil);
    }

    /// <summary>True when the chain ends before the point (so an older chain can stand in, up to its end).</summary>
    private static bool Ends(BackupManifest tip, RecoveryPoint point) =>
        point.Position is { } pos ? tip.UpToPosition < pos : tip.CoveredUntil < point.Time;

    private static RecoveryPoint End(BackupManifest member) => RecoveryPoint.AtPosition(member.UpToPosition);

    private static async Task<BackupVerification> VerifyAsync(BackupCatalog catalog, BackupChain chain, BackupManifest through, IProgress<BackupProgress>? progress,
        CancellationToken ct) =>
        await BackupVerifier.VerifyAsync(catalog, chain, through.Id,
            progress is null ? null : new Reporter<(int Done, int Total)>(p => progress.Report(new BackupProgress($"Verifying chain {chain.Id}", p.Done, p.Total))), ct);

    /// <summary>
    /// Refuses a damaged chain, naming each break once (with the backups that depend on it) and each
    /// missing or altered file, and saying up to which point the chain still restores.
    /// </summary>
    private static BackupIntegrityException Damaged(BackupChain chain, IReadOnlyList<BackupFileProblem> problems, string hint)
    {
        var breaks = chain.Gaps.Where(g => problems.Any(p => p.Backup is { } b && g.Unrestorable.Contains(b))).ToList();
        var files = problems.Where(p => !breaks.Any(g => p.Backup is { } b && g.Unrestorable.Contains(b))).ToList();
        var said = breaks.Select(g => $"it breaks at {g.Name()} ({g.Describe()}), and {string.Join(", ", g.Unrestorable)} depend on it")
            .Concat(files.Take(5).Select(p => p.ToString()))
            .Append(files.Count > 5 ? $"and {files.Count - 5} more" : null)
            .OfType<string>();
        var still = breaks.Count > 0 && chain.LastRestorable is { } last
            ? $" Points up to position {last.UpToPosition} ({last.Id}) can still be restored from this chain."
            : "";
        return new($"backup chain {chain.Id} of {chain.Describe()} is damaged, so nothing was restored: {string.Join("; ", said)}.{still}{hint}", problems);
    }

    private static string NotCovered(IReadOnlyList<BackupChain> chains, string what, RecoveryPoint point)
    {
        var ranges = chains
            .Select(c => $"{c.Id}: from {c.Members[0].ExactFrom:yyyy-MM-dd'T'HH:mm:ss'Z'} to position {c.Tip.UpToPosition} ({c.Tip.CoveredUntil:yyyy-MM-dd'T'HH:mm:ss'Z'})");
        return $"no backup chain of {what} covers {point}. The chains cover: {string.Join("; ", ranges)}. Choose a point inside one of them " +
            "(a point after the newest backup is in the live store: use `lifeboat store restore`).";
    }
}
