using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Storage;

namespace Lifeboat.Bench.Writes;

/// <summary>
/// Versioned writes through the store (gate, commit position, history trigger) against two peers on
/// tables of the same shape, with the same documents, keys and writers, in one run: plain upserts
/// that keep no history, and the periods extension's SQL:2011 system versioning, which keeps it with
/// row-level triggers. Each round applies one plan of writes to all three; the order of the sides
/// rotates through every permutation, so drift of a noisy machine (autovacuum, page cache,
/// neighbours) falls on all of them alike.
/// </summary>
internal sealed class WriteOverheadBenchmark : IBenchmark
{
    private const double PlainGoal = 2.0 / 3.0;

    /// <summary>At least as fast as the peer one row at a time, and several times faster in batches.</summary>
    private static readonly Dictionary<string, double> PeerGoal = new(StringComparer.Ordinal) { ["single"] = 1.0, ["batched"] = 3.0 };

    private static readonly Side[][] Orders =
    [
        [Side.Versioned, Side.Plain, Side.Periods], [Side.Plain, Side.Periods, Side.Versioned], [Side.Periods, Side.Versioned, Side.Plain],
        [Side.Versioned, Side.Periods, Side.Plain], [Side.Periods, Side.Plain, Side.Versioned], [Side.Plain, Side.Versioned, Side.Periods],
    ];

    public string Name => "write-overhead";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var settings = new WriteOverheadSettings(
            Tenants: scale.Pick(200, 16),
            RecordsPerTenant: scale.Pick(200, 50),
            Writers: 8,
            Rounds: scale.Pick(12, 3),
            SingleTransactionsPerWriter: scale.Pick(400, 40),
            BatchTransactionsPerWriter: scale.Pick(40, 4),
            BatchSize: 50,
            UpdateShare: 0.8);
        var workload = new Workload(seed: 1);
        var keys = await SeedAsync(server.Store, workload, settings, ct);
        var plain = await UpsertTable.CreatePlainAsync(server, ct);
        var periods = await UpsertTable.CreateSystemVersionedAsync(server, ct);
        await server.SettleAsync(ct);

        var store = server.Store;
        var collection = Workload.Issues;
        var modes = new List<ModeFigures>
        {
            await MeasureModeAsync(server, "single", settings, settings.SingleTransactionsPerWriter, 1, keys, workload, new Dictionary<Side, Func<Txn, Task>>
            {
                [Side.Versioned] = txn => store.Records.PutAsync(txn.Tenant, collection, txn.Puts[0].Id, txn.Puts[0].Doc.Element, ct),
                [Side.Plain] = txn => plain.UpsertAsync(txn.Tenant.Value, collection.Name, txn.Puts[0], ct),
                [Side.Periods] = txn => periods.UpsertAsync(txn.Tenant.Value, collection.Name, txn.Puts[0], ct),
            }, ct),
            await MeasureModeAsync(server, "batched", settings, settings.BatchTransactionsPerWriter, settings.BatchSize, keys, workload, new Dictionary<Side, Func<Txn, Task>>
            {
                [Side.Versioned] = txn =>
                {
                    var batch = store.Records.Batch(txn.Tenant);
                    foreach (var put in txn.Puts)
                    {
                        batch.Put(collection, put.Id, put.Doc.Element);
                    }

                    return store.Records.WriteAsync(batch, ct);
                },
                [Side.Plain] = txn => plain.UpsertManyAsync(txn.Tenant.Value, collection.Name, txn.Puts, ct),
                [Side.Periods] = txn => periods.UpsertManyAsync(txn.Tenant.Value, collection.Name, txn.Puts, ct),
            }, ct),
        };

        foreach (var peer in new[] { plain, periods })
        {
            var differing = await server.ScalarAsync<long>($"""
                SELECT count(*) FROM lifeboat.records r FULL JOIN {peer.Table} p USING (tenant_id, collection, record_id)
                WHERE r.doc IS DISTINCT FROM p.doc
                """, ct);
            if (differing != 0)
            {
                throw new InvalidOperationException($"lifeboat.records and {peer.Table} differ in {differing} records after the same writes: the comparison is not like for like.");
            }
        }

        var versionsKept = await server.ScalarAsync<long>("SELECT count(*) FROM lifeboat.record_history", ct);
        var peerVersionsKept = await server.ScalarAsync<long>($"SELECT count(*) FROM {periods.Table}_history", ct);
        var docBytes = await server.ScalarAsync<decimal>("SELECT avg(octet_length(doc::text)) FROM lifeboat.records", ct);

        Report.Table("write-overhead: records written per second, versioned (store) vs plain upsert vs periods (SQL:2011 system versioning), same run",
            ["mode", "records/txn", "versioned/s", "plain/s", "periods/s", "vs plain", "rounds", "vs periods", "rounds", "WAL B/rec versioned", "plain", "periods"],
            modes.Select(m => (IReadOnlyList<string>)[
                m.Mode, Report.Num(m.RecordsPerTransaction), Report.Num(m.VersionedPerS), Report.Num(m.PlainPerS), Report.Num(m.PeriodsPerS),
                Report.Num(m.Ratio, "0.00"), $"{m.RatioMinRound:0.00}-{m.RatioMaxRound:0.00}",
                Report.Num(m.RatioToPeriods, "0.00"), $"{m.RatioToPeriodsMinRound:0.00}-{m.RatioToPeriodsMaxRound:0.00}",
                Report.Num(m.VersionedWalBytesPerRecord), Report.Num(m.PlainWalBytesPerRecord), Report.Num(m.PeriodsWalBytesPerRecord)]));

        // Each goal holds only if it holds in every mode: the headline is the mode with the lowest ratio to plain.
        var headline = modes.MinBy(m => m.Ratio)!;
        var plainMet = modes.All(m => m.Ratio >= PlainGoal);
        var peerMet = modes.All(m => m.RatioToPeriods >= PeerGoal[m.Mode]);
        var goal = new Goal(
            $"versioned >= 2/3 of plain throughput in every mode (lowest: {headline.Mode}, {headline.Ratio:0.00}): {(plainMet ? "met" : "not met")}; " +
            $"versioned >= {PeerGoal["single"]:0}x the periods peer for single rows ({modes[0].RatioToPeriods:0.00}x) and >= {PeerGoal["batched"]:0}x for batches of {settings.BatchSize} ({modes[1].RatioToPeriods:0.00}x): {(peerMet ? "met" : "not met")}",
            plainMet && peerMet);
        var figures = new WriteOverheadFigures(
            headline.VersionedPerS, headline.PlainPerS, headline.Ratio, headline.Mode, Stats.Round(PlainGoal),
            new PeerGoals(PeerGoal["single"], PeerGoal["batched"]), plainMet, peerMet,
            settings, Stats.Round((double)docBytes, 0), versionsKept, peerVersionsKept, TablesIdentical: true, modes);
        return new BenchOutcome(goal, figures);
    }

    private static async Task<KeySpace> SeedAsync(TenantStore store, Workload workload, WriteOverheadSettings settings, CancellationToken ct)
    {
        Log.Info($"Seeding {settings.Tenants} tenants x {settings.RecordsPerTenant} records");
        var tenants = new List<TenantId>();
        for (var t = 0; t < settings.Tenants; t++)
        {
            var tenant = TenantId.Parse($"w-{t:D4}");
            await store.Tenants.CreateAsync(tenant, ct);
            var batch = store.Records.Batch(tenant);
            for (var i = 0; i < settings.RecordsPerTenant; i++)
            {
                batch.Put(Workload.Issues, $"seed-{i:D5}", workload.Issue(0).Element);
            }

            await store.Records.WriteAsync(batch, ct);
            tenants.Add(tenant);
            Log.Step("seeded tenants", t + 1, settings.Tenants, 50);
        }

        return new KeySpace(tenants, settings.RecordsPerTenant);
    }

    private static async Task<ModeFigures> MeasureModeAsync(BenchServer server, string mode, WriteOverheadSettings settings, int transactions, int size, KeySpace keys,
        Workload workload, Dictionary<Side, Func<Txn, Task>> sides, CancellationToken ct)
    {
        Log.Info($"Mode {mode}: {settings.Writers} writers x {transactions} transactions of {size} record(s), {settings.Rounds} rounds after a warm-up round");
        var rounds = new List<RoundFigures>();
        var runs = sides.Keys.ToDictionary(s => s, _ => new List<SideRun>());
        for (var round = 0; round <= settings.Rounds; round++)
        {
            var plan = keys.Plan(workload, settings.Writers, transactions, size, settings.UpdateShare);
            // The warm-up round takes the first order; counted round r the (r-1)-th, so each side sits in each place equally often over 6 rounds.
            var order = Orders[Math.Max(0, round - 1) % Orders.Length];
            var result = new Dictionary<Side, SideRun>();
            foreach (var side in order)
            {
                result[side] = await RunSideAsync(server, plan, sides[side], ct);
            }

            var (v, p, q) = (result[Side.Versioned], result[Side.Plain], result[Side.Periods]);
            var label = round == 0 ? "warm-up" : $"round {round}/{settings.Rounds}";
            Log.Info($"  {mode} {label} ({string.Join(",", order.Select(SideName))}): versioned {v.PerSecond:N0}/s, plain {p.PerSecond:N0}/s, periods {q.PerSecond:N0}/s; " +
                $"versioned/plain {v.PerSecond / p.PerSecond:0.00}, versioned/periods {v.PerSecond / q.PerSecond:0.00}");
            if (round == 0)
            {
                continue; // the warm-up round fills caches and prepares statements; it is not counted
            }

            foreach (var (side, run) in result)
            {
                runs[side].Add(run);
            }

            rounds.Add(new RoundFigures(round, string.Join(",", order.Select(SideName)),
                Stats.Round(v.PerSecond, 0), Stats.Round(p.PerSecond, 0), Stats.Round(q.PerSecond, 0),
                Stats.Round(v.PerSecond / p.PerSecond), Stats.Round(v.PerSecond / q.PerSecond)));
        }

        // Every side wrote the same records in every round: a throughput ratio is the ratio of total times.
        double PerSecond(Side side) => runs[side].Sum(r => r.Records) / runs[side].Sum(r => r.Seconds);
        double Latency(Side side, double p) => Stats.Round(Stats.Percentile(runs[side].SelectMany(r => r.LatenciesMs).ToList(), p));
        double WalPerRecord(Side side) => Stats.Round(runs[side].Sum(r => r.WalBytes) / (double)runs[side].Sum(r => r.Records), 0);
        var (versionedPerS, plainPerS, periodsPerS) = (PerSecond(Side.Versioned), PerSecond(Side.Plain), PerSecond(Side.Periods));
        return new ModeFigures(mode, size, settings.Writers * transactions, rounds.Count,
            Stats.Round(versionedPerS, 0), Stats.Round(plainPerS, 0), Stats.Round(periodsPerS, 0),
            Stats.Round(versionedPerS / plainPerS), rounds.Min(r => r.Ratio), rounds.Max(r => r.Ratio),
            Stats.Round(versionedPerS / periodsPerS), rounds.Min(r => r.RatioToPeriods), rounds.Max(r => r.RatioToPeriods),
            Latency(Side.Versioned, 50), Latency(Side.Versioned, 99), Latency(Side.Plain, 50), Latency(Side.Plain, 99), Latency(Side.Periods, 50), Latency(Side.Periods, 99),
            WalPerRecord(Side.Versioned), WalPerRecord(Side.Plain), WalPerRecord(Side.Periods),
            rounds);
    }

    /// <summary>Runs every writer's transactions, each writer one after another, all writers at once.</summary>
    private static async Task<SideRun> RunSideAsync(BenchServer server, Txn[][] plan, Func<Txn, Task> write, CancellationToken ct)
    {
        var latencies = new List<double>[plan.Length];
        var wal = await server.WalPositionAsync(ct);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(plan.Select((transactions, w) => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(transactions.Length);
            foreach (var txn in transactions)
            {
                var t0 = Stopwatch.GetTimestamp();
                await write(txn);
                mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }, ct)));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new SideRun(plan.Sum(w => w.Sum(t => t.Puts.Length)), seconds, [.. latencies.SelectMany(l => l)], await server.WalPositionAsync(ct) - wal);
    }

    private static string SideName(Side side) => side switch
    {
        Side.Versioned => "versioned",
        Side.Plain => "plain",
        _ => "periods",
    };

    private enum Side
    {
        Versioned,
        Plain,
        Periods,
    }

    private sealed record SideRun(int Records, double Seconds, List<double> LatenciesMs, long WalBytes)
    {
        public double PerSecond => Records / Seconds;
    }
}

internal sealed record WriteOverheadSettings(
    int Tenants,
    int RecordsPerTenant,
    int Writers,
    int Rounds,
    int SingleTransactionsPerWriter,
    int BatchTransactionsPerWriter,
    int BatchSize,
    double UpdateShare);

/// <summary>One counted round: the sides in the order they ran, and their throughputs; ratios are versioned over plain and over periods.</summary>
internal sealed record RoundFigures(int Round, string Order, double VersionedPerS, double PlainPerS, double PeriodsPerS, double Ratio, double RatioToPeriods);

/// <summary>How many times the periods peer's throughput the store must reach, per mode.</summary>
internal sealed record PeerGoals(double Single, double Batched);

internal sealed record ModeFigures(
    string Mode,
    int RecordsPerTransaction,
    int TransactionsPerRound,
    int Rounds,
    double VersionedPerS,
    double PlainPerS,
    double PeriodsPerS,
    double Ratio,
    double RatioMinRound,
    double RatioMaxRound,
    double RatioToPeriods,
    double RatioToPeriodsMinRound,
    double RatioToPeriodsMaxRound,
    double VersionedP50Ms,
    double VersionedP99Ms,
    double PlainP50Ms,
    double PlainP99Ms,
    double PeriodsP50Ms,
    double PeriodsP99Ms,
    double VersionedWalBytesPerRecord,
    double PlainWalBytesPerRecord,
    double PeriodsWalBytesPerRecord,
    IReadOnlyList<RoundFigures> RoundsDetail);

internal sealed record WriteOverheadFigures(
    double VersionedPerS,
    double PlainPerS,
    double Ratio,
    string HeadlineMode,
    double GoalRatio,
    PeerGoals GoalRatioToPeriods,
    bool PlainGoalMet,
    bool PeerGoalMet,
    WriteOverheadSettings Settings,
    double AverageDocumentBytes,
    long VersionsKept,
    long PeerVersionsKept,
    bool TablesIdentical,
    IReadOnlyList<ModeFigures> Modes);
