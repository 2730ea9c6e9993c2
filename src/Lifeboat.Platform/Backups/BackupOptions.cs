using Lifeboat.Platform.Backups.Sealing;

namespace Lifeboat.Platform.Backups;

public sealed class BackupOptions
{
    /// <summary>Where backups are written (the CLI uses &lt;Lifeboat home&gt;/backups). Put it on another disk than the database.</summary>
    public string? Directory { get; init; }

    /// <summary>How long backups are kept: a chain goes only when all of it is older than this and a newer full backup exists.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long a backup waits for transactions that began before it to finish.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The keys backups are sealed with (the current one) and opened with (any): the CLI reads --key-file,
    /// LIFEBOAT_BACKUP_KEY_FILE or LIFEBOAT_BACKUP_KEY, else &lt;home&gt;/backup.key, created on first use.
    /// </summary>
    public BackupKeyring? Keys { get; init; }

    internal BackupKeyring RequireKeys() =>
        Keys ?? throw new PlatformException(PlatformErrorKind.Invalid,
            "no backup key is configured: backups are encrypted and signed. Set PlatformOptions.Backups.Keys (the CLI takes --key-file, LIFEBOAT_BACKUP_KEY_FILE or LIFEBOAT_BACKUP_KEY, else <home>/backup.key).");

    internal string RequireDirectory() =>
        Directory is { Length: > 0 } d
            ? d
            : throw new PlatformException(PlatformErrorKind.Invalid, "no backup directory is configured: set PlatformOptions.Backups.Directory (the CLI uses <home>/backups, or LIFEBOAT_BACKUPS).");
}
