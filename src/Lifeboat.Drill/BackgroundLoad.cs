using System.Collections.Concurrent;
using System.Diagnostics;
using Lifeboat.Platform;
using Lifeboat.Sample;
using Lifeboat.Storage;

namespace Lifeboat.Drill;

/// <summary>
/// Ordinary writes, from the first act to the last: to the sites the script never touches, and to the
/// targeted sites until each is deleted (as their customers wrote in April 2022 until their site went).
/// The latency is measured, and every write acknowledged, to either, must still be there at the end:
/// a restore that brings a site back to before an earlier site's deletion would lose the later ones.
/// </summary>
internal sealed class BackgroundLoad(LifeboatPlatform platform, IReadOnlyList<SiteId> bystanders, IReadOnlyList<SiteId> targets, int writers) : IDisposable
{
    private readonly SiteId[] _sites = [.. bystanders, .. targets];
    private readonly HashSet<SiteId> _targets = [.. targets];
    private readonly ConcurrentDictionary<SiteId, bool> _closed = new();
    private readonly ConcurrentQueue<(long Ticks, double Ms)> _samples = new();
    private readonly ConcurrentDictionary<(SiteId Site, string Record), string> _acknowledged = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _writers = [];
    private long _errors;
    private long _targetedWrites;

    /// <summary>Writes acknowledged by the sites the script never touches (their latency is sampled).</summary>
    public long Writes => _samples.Count;

    public long Errors => Interlocked.Read(ref _errors);

    public IReadOnlyList<(long Ticks, double Ms)> Samples => [.. _samples];

    /// <summary>The sites the script never touches.</summary>
    public int Sites => bystanders.Count;

    public int TargetedSites => targets.Count;

    /// <summary>Writes acknowledged by targeted sites before their deletion.</summary>
    public long TargetedWrites => Interlocked.Read(ref _targetedWrites);

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

    /// <summary>No more writes to <paramref name="sites"/>: the script deleted them, and their customers stopped there.</summary>
    public void Close(IEnumerable<SiteId> sites)
    {
        foreach (var site in sites)
        {
            _closed[site] = true;
        }
    }

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
            var site = _sites[random.Next(_sites.Length)];
            if (_closed.ContainsKey(site))
            {
                continue;
            }

            var record = $"load-{writer}-{n % 40}";
            var title = $"load write {n} by writer {writer}";
            var started = Stopwatch.GetTimestamp();
            try
            {
                await platform.Store.Records.PutAsync(site.Tenant, TrackerData.Issues, record, new { title, status = "open", body = "Written by the drill's background load." }, ct);
                _acknowledged[(site, record)] = title;
                if (_targets.Contains(site))
                {
                    Interlocked.Increment(ref _targetedWrites);
                }
                else
                {
                    // Latency is measured on the other sites: what a restore must not slow down.
                    _samples.Enqueue((started, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (TenantStateException refused) when (_targets.Contains(site) && refused.State == TenantState.Deleted)
            {
                // The script deleted this site: its customers stop here, as they did. The write was refused, not acknowledged.
                _closed[site] = true;
            }
            catch (Exception e) when (e is StoreException or Npgsql.NpgsqlException)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }
}
