using System.Collections.Concurrent;
using Lifeboat.Incidents;

namespace Lifeboat.Server.Console;

/// <summary>
/// The live part of an incident room, read at most once per <see cref="Freshness"/> for each incident however
/// many people have the room open: thirty responders polling every second would otherwise read the whole room
/// (883 tracked sites among it) thirty times a second, and during a mass restore that load was the restore's
/// own bottleneck (docs/benchmarks.md §11). Concurrent requests share one read in flight. A read that failed is
/// not kept. What a room holds does not depend on who reads it (the endpoint checks the permission), so one
/// read serves every viewer. The page itself, and the page after a form's action, read afresh.
/// </summary>
public sealed class IncidentRoomCache(IncidentDeskLifetime desks, TimeProvider time)
{
    /// <summary>How old a shared read may be: well under the room's one-second poll, so a change still shows within 2 s.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(500);

    /// <summary>An incident no one has polled for this long is dropped, so closed incidents' rooms do not stay in memory.</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<IncidentId, Entry> _rooms = new();

    public async Task<IncidentRoom> GetAsync(IncidentId id, CancellationToken ct)
    {
        var entry = _rooms.GetOrAdd(id, _ => new Entry());
        Task<IncidentRoom> load;
        lock (entry)
        {
            var stale = entry.Load is null
                || entry.Load.IsFaulted || entry.Load.IsCanceled
                || (entry.Load.IsCompleted && time.GetElapsedTime(entry.StartedAt) > Freshness);
            if (stale)
            {
                entry.StartedAt = time.GetTimestamp();
                // Not the request's token: the other viewers await the same read.
                entry.Load = IncidentRoom.LoadAsync(desks.Desk, id, CancellationToken.None);
            }

            entry.LastAsked = time.GetTimestamp();
            load = entry.Load!;
        }

        Sweep();
        return await load.WaitAsync(ct);
    }

    private void Sweep()
    {
        foreach (var (id, entry) in _rooms)
        {
            if (time.GetElapsedTime(entry.LastAsked) > Idle)
            {
                _rooms.TryRemove(id, out _);
            }
        }
    }

    private sealed class Entry
    {
        public Task<IncidentRoom>? Load { get; set; }

        public long StartedAt { get; set; }

        public long LastAsked { get; set; }
    }
}
