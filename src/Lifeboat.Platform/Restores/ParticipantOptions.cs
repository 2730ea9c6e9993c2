namespace Lifeboat.Platform.Restores;

/// <summary>Where participants may be, and how much of their answers Lifeboat reads.</summary>
public sealed class ParticipantOptions
{
    /// <summary>The word that, in <see cref="AllowedUrls"/>, allows any loopback address (127.0.0.0/8, ::1, localhost) on any port.</summary>
    public const string Loopback = "loopback";

    /// <summary>The most bytes of a participant's answer Lifeboat reads by default: 1 MiB.</summary>
    public const long DefaultMaxResponseBytes = 1 << 20;

    /// <summary>
    /// The URLs participants may be registered at, and called at: each an http(s) URL whose scheme, host
    /// and port a participant's URL must have, and whose path it must start with (on a '/' boundary), or
    /// <see cref="Loopback"/>. Empty (the default) allows loopback only, so a fresh environment and its
    /// drill need no set-up while no one can point Lifeboat at another machine without the operator's say.
    /// </summary>
    public IReadOnlyList<string> AllowedUrls { get; init; } = [];

    /// <summary>A list written as one string (LIFEBOAT_PARTICIPANT_URLS, --participant-urls): URLs separated by spaces or commas.</summary>
    public static IReadOnlyList<string> Split(string? list) =>
        list is null ? [] : list.Split([' ', ',', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The most bytes of one answer Lifeboat reads; a larger answer fails that call, naming the limit.</summary>
    public long MaxResponseBytes { get; init; } = DefaultMaxResponseBytes;
}
