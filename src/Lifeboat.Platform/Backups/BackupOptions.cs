namespace Lifeboat.Platform.Backups;

public sealed class BackupOptions
{
    /// <summary>Where backups are written (the CLI uses &lt;Lifeboat home&gt;/backups). Put it on another disk than the database.</summary>
    public string? Directory { get; init; }

    /// <summary>How long backups are kept: a chain goes only when all of it is older than this and a newer full backup exists.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long a backup waits for transactions that began before it to finish.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    internal string RequireDirectory() =>
        Directory is { Length: > 0 } d
            ? d
            : throw new PlatformException(PlatformErrorKind.Invalid, "no backup directory is configured: set PlatformOptions.Backups.Directory (the CLI uses <home>/backups, or LIFEBOAT_BACKUPS).");
}
