using System.CommandLine;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Backups;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Identity;

/// <summary>
/// A command's time on the database: the platform opened, the principal resolved and held to the
/// permission the command declares, and the platform acting as that principal, so every change
/// records who made it.
/// </summary>
internal sealed class CliSession : IAsyncDisposable
{
    private readonly LifeboatPlatform _root;

    private CliSession(LifeboatPlatform root, Principal principal)
    {
        _root = root;
        Principal = principal;
        Platform = root.As(principal);
    }

    public Principal Principal { get; }

    /// <summary>The platform, acting as <see cref="Principal"/>.</summary>
    public LifeboatPlatform Platform { get; }

    /// <summary>The store, acting as <see cref="Principal"/>.</summary>
    public TenantStore Store => Platform.Store;

    public static async Task<CliSession> OpenAsync(GlobalOptions globals, ParseResult parse, string permission, BackupOptions? backups, CancellationToken ct)
    {
        var root = backups is null ? await globals.OpenPlatformAsync(parse, ct) : await globals.OpenPlatformAsync(parse, backups, ct);
        try
        {
            var principal = await LocalIdentity.ResolveAsync(root, globals.TokenOf(parse), globals.Environment, ct);
            principal.Require(permission);
            return new CliSession(root, principal);
        }
        catch
        {
            await root.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _root.DisposeAsync();
}
