using System.Collections.Concurrent;

namespace Lifeboat.Platform.Access;

/// <summary>
/// When tokens were last used, kept in memory between flushes: a request only notes its token, and
/// a token's "last used" time is written at most once a minute, so checking a token never waits for
/// a write.
/// </summary>
internal sealed class TokenUsage
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<ApiTokenId, DateTimeOffset> _noted = new();
    private ConcurrentDictionary<ApiTokenId, DateTimeOffset> _pending = new();

    public void Note(ApiTokenId id, DateTimeOffset now)
    {
        if (_noted.TryGetValue(id, out var last) && now - last < Resolution)
        {
            return;
        }

        _noted[id] = now;
        _pending[id] = now;
    }

    /// <summary>The uses noted since the last call.</summary>
    public IReadOnlyList<KeyValuePair<ApiTokenId, DateTimeOffset>> Take() =>
        Interlocked.Exchange(ref _pending, new()).ToList();
}
