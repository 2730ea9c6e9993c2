namespace Lifeboat.Storage.Hosting;

/// <summary>
/// Where a Lifeboat process finds its database and files: LIFEBOAT_CONNECTION (or an explicit
/// connection string) for an existing server, otherwise the embedded private server under the home.
/// </summary>
public sealed class LifeboatHome(string? home = null, string? connectionString = null)
{
    public string Path { get; } = System.IO.Path.GetFullPath(home ?? LocalPostgres.DefaultHome());

    public string? ConnectionString { get; } = connectionString ?? (Environment.GetEnvironmentVariable("LIFEBOAT_CONNECTION") is { Length: > 0 } c ? c : null);

    public bool UsesEmbeddedServer => ConnectionString is null;

    public string BlobDirectory => Environment.GetEnvironmentVariable("LIFEBOAT_BLOBS") is { Length: > 0 } b ? b : System.IO.Path.Combine(Path, "blobs");

    /// <summary>Where backups go: LIFEBOAT_BACKUPS, else &lt;home&gt;/backups. Put it on another disk than the database for real use.</summary>
    public string BackupDirectory => Environment.GetEnvironmentVariable("LIFEBOAT_BACKUPS") is { Length: > 0 } b ? b : System.IO.Path.Combine(Path, "backups");

    public LocalPostgres EmbeddedServer => new(Path);

    /// <summary>The connection string to use, starting the embedded server when none is configured.</summary>
    public Task<string> ResolveConnectionAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        ConnectionString is { } configured ? Task.FromResult(configured) : EmbeddedServer.EnsureStartedAsync("lifeboat", progress, cancellationToken);
}
