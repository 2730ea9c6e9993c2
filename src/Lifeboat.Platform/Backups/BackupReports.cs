using Lifeboat.Storage;
using Lifeboat.Storage.Backups;

namespace Lifeboat.Platform.Backups;

/// <summary>Progress of a long step: what is being done, and how far it got.</summary>
public sealed record BackupProgress(string Step, long Done, long? Total);

/// <summary>A newer chain a restore passed over because it is damaged, and why.</summary>
public sealed record SkippedChain(BackupId Chain, IReadOnlyList<BackupFileProblem> Problems);

/// <summary>
/// A site brought back from backups into the live environment. <see cref="Point"/> differs from
/// <see cref="RequestedPoint"/> only when an older chain was allowed and ends before the requested point.
/// </summary>
public sealed record SiteRestoreReport(
    SiteId Site,
    RecoveryPoint RequestedPoint,
    RecoveryPoint Point,
    BackupId Chain,
    IReadOnlyList<BackupId> BackupsUsed,
    IReadOnlyList<SkippedChain> SkippedChains,
    ImportResult Import,
    int BlobsCopied,
    RestoreResult Restore);

/// <summary>An empty environment filled from an environment backup chain, as it was at the chain's last backup.</summary>
public sealed record EnvironmentRestoreReport(
    RecoveryPoint Point,
    BackupId Chain,
    IReadOnlyList<BackupId> BackupsUsed,
    IReadOnlyList<SkippedChain> SkippedChains,
    ImportResult Import,
    int BlobsCopied,
    int Sites);

/// <summary>
/// The recovery point objective a backup schedule achieved for one scope: the worst gap between two
/// consecutive backups, and the age of the newest one (what would be lost if the database vanished now).
/// A site is covered by its own backups and by every environment backup.
/// </summary>
public sealed record RpoLine(
    string Scope,
    int Backups,
    DateTimeOffset Oldest,
    DateTimeOffset Newest,
    TimeSpan? WorstGap,
    DateTimeOffset? WorstGapEndedAt,
    TimeSpan NewestAge)
{
    /// <summary>The data loss this schedule allows: the larger of the worst gap so far and the gap open now.</summary>
    public TimeSpan Rpo => WorstGap is { } gap && gap > NewestAge ? gap : NewestAge;
}

public sealed record BackupRpoReport(DateTimeOffset Now, IReadOnlyList<RpoLine> Lines);

/// <summary>What retention removed, and the chains it kept although they are old, with the reason.</summary>
public sealed record BackupRetentionReport(DateTimeOffset Cutoff, IReadOnlyList<BackupId> Removed, long BytesRemoved, IReadOnlyList<string> Notes);

/// <summary>Every readable backup (oldest first), and the folders whose manifest is missing or altered.</summary>
public sealed record BackupListing(IReadOnlyList<BackupManifest> Backups, IReadOnlyList<BackupChain> Chains, IReadOnlyList<BackupFileProblem> Unreadable);

/// <summary>A backup (or the chain it needs) has a missing or altered file: nothing was restored from it.</summary>
public sealed class BackupIntegrityException(string message, IReadOnlyList<BackupFileProblem> problems) : PlatformException(PlatformErrorKind.Conflict, message)
{
    public IReadOnlyList<BackupFileProblem> Problems { get; } = problems;
}

/// <summary>
/// A restore stopped by its caller (Ctrl-C) before it finished: the message says what it left and that
/// running it again is safe.
/// </summary>
public sealed class RestoreCancelledException(string message, Exception inner) : OperationCanceledException(message, inner);
