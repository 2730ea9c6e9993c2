using System.Collections.Concurrent;
using Lifeboat.Incidents;

namespace Lifeboat.Server.Console;

/// <summary>
/// The live part of an incident room, read at most once per <see cref="Freshness"/> for each incident however
/// many people have the room open: thirty responders polling every second would otherwise read the whole room
/// (883 tracked sites among it) thirty times a second, and during a mass restore that load was the restore's
/// own bottleneck (docs/benchmarks.md §11). Concurrent requests share one read in flight, and while it runs they
/// are shown the room read before it. A read that failed is not kept. What a room holds does not depend on who reads it (the endpoint checks the permission), so one
/// read serves every viewer. The page itself, and the page after a form's action, read afresh.
/// </summary>
public sealed class IncidentRoomCache(IncidentDeskLifetime desks, TimeProvider time)
{
    /// <summary>How old a shared read may be before the next is started: with the one-second poll, a change still shows within 2 s.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(500);

    /// <summary>How old (since its read began) the room shown while a fresh read is under way may be.</summary>
    public static readonly TimeSpan ShownAtMost = TimeSpan.FromSeconds(1);

    /// <summary>An incident no one has polled for this long is dropped, so closed incidents' rooms do not stay in memory.</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<IncidentId, Entry> _rooms = new();

    public async Task<IncidentRoom> GetAsync(IncidentId id, CancellationToken ct)
    {
        var entry = _rooms.GetOrAdd(id, _ => new Entry());
        Task<IncidentRoom> answer;
        lock (entry)
        {
            entry.LastAsked = time.GetTimestamp();
            var reading = entry.Reading;
            if (reading is { IsCompletedSuccessfully: true })
            {
                entry.Latest = reading.Result;
                entry.ReadAt = entry.ReadStartedAt;
            }

            var due = reading is null || (reading.IsCompleted && (!reading.IsCompletedSuccessfully || time.GetElapsedTime(entry.ReadAt) > Freshness));
            if (due)
            {
                entry.ReadStartedAt = time.GetTimestamp();
                // Not the request's token: the other viewers await the same read.
                reading = entry.Reading = IncidentRoom.LoadAsync(desks.Desk, id, CancellationToken.None);
            }

            // While a fresh read is under way the room read before it is shown if that read began at most ShownAtMost ago, so
            // a viewer among many waits for the database only when there is nothing recent to show; a lone viewer, who polls
            // less often than that, waits for a fresh read and so still sees a change within 2 s. A failed read is shown as its error
            // only when there is no earlier room; either way the next request reads again.
            answer = entry.Latest is { } latest && !reading!.IsCompletedSuccessfully && time.GetElapsedTime(entry.ReadAt) <= ShownAtMost
                ? Task.FromResult(latest)
                : reading!;
        }

        Sweep();
        return await answer.WaitAsync(ct);
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
        /// <summary>The read under way or last made.</summary>
        public Task<IncidentRoom>? Reading { get; set; }

        public long ReadStartedAt { get; set; }

        /// <summary>The newest room read, and when its read started.</summary>
        public IncidentRoom? Latest { get; set; }

        public long ReadAt { get; set; }

        public long LastAsked { get; set; }
    }
}
