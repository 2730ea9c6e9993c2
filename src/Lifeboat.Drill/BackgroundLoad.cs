using System.Collections.Concurrent;
using System.Diagnostics;
using Lifeboat.Platform;
using Lifeboat.Sample;
using Lifeboat.Storage;

namespace Lifeboat.Drill;

/// <summary>
/// Ordinary writes to the sites the script never touches, from the first act to the last: their
/// latency is measured, and every write acknowledged must still be there at the end.
/// </summary>
internal sealed class BackgroundLoad(LifeboatPlatform platform, IReadOnlyList<SiteId> sites, int writers) : IDisposable
{
    private readonly ConcurrentQueue<(long Ticks, double Ms)> _samples = new();
    private readonly ConcurrentDictionary<(SiteId Site, string Record), string> _acknowledged = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _writers = [];
    private long _errors;

    public long Writes => _samples.Count;

    public long Errors => Interlocked.Read(ref _errors);

    public IReadOnlyList<(long Ticks, double Ms)> Samples => [.. _samples];

    public int Sites => sites.Count;

    public void Start()
    {
        for (var w = 0; w < writers; w++)
        {
            var writer = w;
            _writers.Add(Task.Run(() => WriteAsync(writer, _stop.Token), _stop.Token));
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
    }

    public void Dispose() => _stop.Dispose();

    /// <summary>Acknowledged writes whose content is not what the store holds now (each writer owns its records, so the last acknowledgement is the truth).</summary>
    public async Task<long> CountLostAsync(CancellationToken ct)
    {
        long lost = 0;
        foreach (var ((site, record), title) in _acknowledged)
        {
            var stored = await platform.Store.Records.GetAsync(site.Tenant, TrackerData.Issues.Name, record, ct);
            if (stored?.Document?.GetProperty("title").GetString() != title)
            {
                lost++;
            }
        }

        return lost;
    }

    private async Task WriteAsync(int writer, CancellationToken ct)
    {
        var random = new Random(writer);
        for (var n = 0; !ct.IsCancellationRequested; n++)
        {
            var site = sites[random.Next(sites.Count)];
            var record = $"load-{writer}-{n % 40}";
            var title = $"load write {n} by writer {writer}";
            var started = Stopwatch.GetTimestamp();
            try
            {
                await platform.Store.Records.PutAsync(site.Tenant, TrackerData.Issues, record, new { title, status = "open", body = "Written by the drill's background load." }, ct);
                _samples.Enqueue((started, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                _acknowledged[(site, record)] = title;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StoreException or Npgsql.NpgsqlException)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }
}
