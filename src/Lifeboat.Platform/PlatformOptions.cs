using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;

namespace Lifeboat.Platform;

public sealed class PlatformOptions
{
    public required StoreOptions Store { get; init; }

    /// <summary>The regions sites may live in (data residency). The first is the default.</summary>
    public IReadOnlyList<string> Regions { get; init; } = ["us-east", "eu-west", "ap-southeast"];

    /// <summary>Where backups go and how long they are kept.</summary>
    public BackupOptions Backups { get; init; } = new();

    /// <summary>Where participants may be registered (loopback only unless the operator says otherwise), and how much of their answers is read.</summary>
    public ParticipantOptions Participants { get; init; } = new();

    /// <summary>The modules built over the platform that this host runs (incident command): migrated at open, carried by environment backups.</summary>
    public IReadOnlyList<PlatformModule> Modules { get; init; } = [];

    /// <summary>Every migration source this platform applies: the store's, its own, then each module's.</summary>
    internal IReadOnlyList<MigrationSource> MigrationSources => [MigrationSource.Store, LifeboatPlatform.Migrations, .. Modules.Select(m => m.Migrations)];
}
