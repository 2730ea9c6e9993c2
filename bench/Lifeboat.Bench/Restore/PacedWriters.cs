using System.Collections.Concurrent;
using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Storage;

namespace Lifeboat.Bench.Restore;

/// <summary>An acknowledged write: the store returned its commit position, so it must be found afterwards.</summary>
internal sealed record AckedWrite(string Tenant, string Collection, string RecordId, long Position, string Doc);

/// <summary>One write's latency, labelled with the phase in which it started.</summary>
internal sealed record Sample(string Phase, double Milliseconds);

/// <summary>
/// Writers of other tenants at a fixed pace: each writes one record every <c>interval</c>, mostly
/// updates of existing records and some new ones, and keeps every acknowledged write. Latency is
/// the time from the call to its acknowledgement. Writers write only while a phase is set, so
/// set-up steps between phases are not measured.
/// </summary>
internal sealed class PacedWriters(TenantStore store, IReadOnlyList<(TenantId Tenant, int Records)> tenants, int writers, TimeSpan interval, int seed)
{
    private const double UpdateShare = 0.8;

    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentQueue<AckedWrite> _acked = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private volatile string? _phase;
    private long _newIds;

    public IReadOnlyCollection<Sample> Samples => _samples;

    public IReadOnlyCollection<AckedWrite> Acked => _acked;

    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Sets the phase new writes are counted in; null pauses the writers.</summary>
    public string? Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriterAsync(w, ct), CancellationToken.None)));

    private async Task WriterAsync(int writer, CancellationToken ct)
    {
        var workload = new Workload(seed + writer);
        var step = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        // Writers start evenly spread over one interval, so their writes arrive one by one, not in bursts.
        var next = Stopwatch.GetTimestamp() + (step * writer / writers);
        while (!ct.IsCancellationRequested)
        {
            next += step;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }

            var phase = _phase;
            if (phase is null)
            {
                continue; // paused: the schedule goes on, so the writers stay spread out
            }

            var (tenant, records) = tenants[workload.Next(tenants.Count)];
            var id = workload.NextDouble() < UpdateShare
                ? Population.RecordId(workload.Next(records))
                : $"new-{Interlocked.Increment(ref _newIds):D7}";
            var doc = workload.Issue(workload.Next(1000));
            var start = Stopwatch.GetTimestamp();
            try
            {
                var result = await store.Records.PutAsync(tenant, Workload.Issues, id, doc.Element, CancellationToken.None);
                _samples.Enqueue(new Sample(phase, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
                _acked.Enqueue(new AckedWrite(tenant.Value, Workload.Issues.Name, id, result.Position, doc.Json));
            }
            catch (Exception e) when (e is StoreException or Npgsql.NpgsqlException)
            {
                // Counted and reported: no write to another tenant may fail because of a restore.
                _errors.Enqueue($"{tenant}/{id}: {e.Message}");
            }
        }
    }
}
