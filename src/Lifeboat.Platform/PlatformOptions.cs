using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

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
}
