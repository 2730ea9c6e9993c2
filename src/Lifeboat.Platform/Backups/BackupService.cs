using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// Backups that survive the loss of the live database: full and incremental, of the environment or
/// of one site, written once as compressed, hashed, hash-chained files; a site restored from them into
/// the live environment, or a whole environment rebuilt in an empty database
/// (<see cref="BackupDirectory.RestoreEnvironmentAsync"/>).
/// </summary>
public sealed class BackupService
{
    private readonly PlatformContext _context;
    private readonly AuditLog _audit;

    internal BackupService(PlatformContext context, AuditLog audit)
    {
        _context = context;
        _audit = audit;
    }

    /// <summary>The configured backup folder.</summary>
    public BackupDirectory Directory => new(_context.Options.Backups.RequireDirectory(), _context.Options.Backups.RequireKeys(), _context.Time);

    /// <summary>A full backup of the environment, or of one site: starts a new chain.</summary>
    public Task<BackupManifest> FullAsync(SiteId? site = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new BackupCreator(_context, _audit).CreateAsync(BackupKind.Full, site, progress, cancellationToken);

    /// <summary>The versions committed since the newest backup of the same scope, which it follows in its chain.</summary>
    public Task<BackupManifest> IncrementalAsync(SiteId? site = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new BackupCreator(_context, _audit).CreateAsync(BackupKind.Incremental, site, progress, cancellationToken);

    /// <summary>
    /// Brings one site of the live environment to <paramref name="point"/> from the newest backup chain
    /// that covers it (the site's own, or the environment's). Nothing of any other site is read or written.
    /// </summary>
    public Task<SiteRestoreReport> RestoreSiteAsync(SiteId site, RecoveryPoint point, bool allowOlderChain = false, IProgress<BackupProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        new SiteRestorer(_context, _audit).RestoreAsync(site, point, allowOlderChain, progress, cancellationToken);

    public Task<BackupListing> ListAsync(CancellationToken cancellationToken = default) => Directory.ListAsync(cancellationToken);

    public Task<BackupVerification> VerifyAsync(BackupId? backup = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Directory.VerifyAsync(backup, progress, cancellationToken);

    public Task<BackupRpoReport> RpoAsync(CancellationToken cancellationToken = default) => Directory.RpoAsync(cancellationToken);

    /// <summary>Applies the configured retention (30 days by default) and records what it removed in the audit log.</summary>
    public async Task<BackupRetentionReport> ApplyRetentionAsync(CancellationToken cancellationToken = default)
    {
        var report = await Directory.ApplyRetentionAsync(_context.Options.Backups.Retention, cancellationToken);
        if (report.Removed.Count > 0)
        {
            await _audit.WriteAsync("backups", "backup.retention", null, report.Removed.Select(r => r.Value), new { report.Cutoff, report.BytesRemoved }, cancellationToken);
        }

        return report;
    }
}
