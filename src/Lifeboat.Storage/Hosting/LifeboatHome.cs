namespace Lifeboat.Storage.Hosting;

/// <summary>
/// Where a Lifeboat process finds its database and files: LIFEBOAT_CONNECTION (or an explicit
/// connection string) for an existing server, otherwise the embedded private server under the home.
/// </summary>
public sealed class LifeboatHome(string? home = null, string? connectionString = null, string? ownerConnectionString = null)
{
    public string Path { get; } = System.IO.Path.GetFullPath(home ?? LocalPostgres.DefaultHome());

    public string? ConnectionString { get; } = connectionString ?? (Environment.GetEnvironmentVariable("LIFEBOAT_CONNECTION") is { Length: > 0 } c ? c : null);

    /// <summary>With a connection string of your own: the owner role's, for migrations and imports (an explicit one, else LIFEBOAT_OWNER_CONNECTION); else the same one.</summary>
    public string? OwnerConnectionString { get; } = ownerConnectionString ?? DatabaseConnections.OwnerFromEnvironment;

    public bool UsesEmbeddedServer => ConnectionString is null;

    public string BlobDirectory => Environment.GetEnvironmentVariable("LIFEBOAT_BLOBS") is { Length: > 0 } b ? b : System.IO.Path.Combine(Path, "blobs");

    /// <summary>Where backups go: LIFEBOAT_BACKUPS, else &lt;home&gt;/backups. Put it on another disk than the database for real use.</summary>
    public string BackupDirectory => Environment.GetEnvironmentVariable("LIFEBOAT_BACKUPS") is { Length: > 0 } b ? b : System.IO.Path.Combine(Path, "backups");

    public LocalPostgres EmbeddedServer => new(Path);

    /// <summary>The connections to use, starting the embedded server (and creating its two roles) when none is configured.</summary>
    public Task<DatabaseConnections> ResolveConnectionAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        ConnectionString is { } configured
            ? Task.FromResult(new DatabaseConnections(configured, OwnerConnectionString))
            : EmbeddedServer.EnsureStartedAsync("lifeboat", progress, cancellationToken);
}
