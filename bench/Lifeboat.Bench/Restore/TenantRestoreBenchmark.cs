using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Storage;

namespace Lifeboat.Bench.Restore;

/// <summary>
/// Restores one tenant of 1,000 whose every record was damaged after the recovery point, and
/// compares it with a binary COPY of the same rows (the tenant as it was at the point) into a table
/// of the same shape holding the other tenants' rows, in the same run. Restore and COPY alternate
/// which goes first, so drift falls on both.
/// </summary>
internal sealed class TenantRestoreBenchmark : IBenchmark
{
    private const double Goal = 0.5;
    private const string CopyTable = "bench.copy_target";

    public string Name => "tenant-restore";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var store = server.Store;
        var sizes = scale.Quick
            ? new[] { (Records: 500, Repeats: 2), (Records: 5_000, Repeats: 2) }
            : [(Records: 1_000, Repeats: 5), (Records: 10_000, Repeats: 3), (Records: 100_000, Repeats: 3)];
        var smallTenants = scale.Pick(1_000, 100) - sizes.Length;
        var population = new Population(store, new Workload(seed: 2));

        var small = await population.CreateSmallTenantsAsync(smallTenants, 20, 100, ct);
        var subjects = sizes.Select(s => (Tenant: TenantId.Parse($"large-{s.Records}"), s.Records, s.Repeats)).ToArray();
        foreach (var subject in subjects)
        {
            await population.CreateTenantAsync(subject.Tenant, subject.Records, ct);
        }

        var point = await Population.LatestPointAsync(server.DataSource, ct);
        Log.Info($"Recovery point {point}; COPY target {CopyTable} gets the other tenants' rows");
        await server.ExecAsync($"""
            CREATE SCHEMA IF NOT EXISTS bench;
            CREATE TABLE {CopyTable} (LIKE lifeboat.records INCLUDING ALL) WITH (fillfactor = 90);
            INSERT INTO {CopyTable} SELECT * FROM lifeboat.records WHERE tenant_id NOT LIKE 'large-%';
            """, ct);
        var atPoint = new Dictionary<TenantId, List<RecordRow>>();
        foreach (var subject in subjects)
        {
            atPoint[subject.Tenant] = await TenantRows.ReadCurrentAsync(server.DataSource, subject.Tenant, ct);
        }

        await server.SettleAsync(ct);

        var results = new List<SizeFigures>();
        foreach (var subject in subjects)
        {
            results.Add(await MeasureAsync(server, population, subject.Tenant, subject.Records, subject.Repeats, point, atPoint[subject.Tenant], ct));
        }

        Report.Table("tenant-restore: restoring one tenant vs binary COPY of the same rows, same run (medians)",
            ["records", "restore s", "copy s", "restore rec/s", "copy rec/s", "share of COPY", "WAL B/rec restore", "WAL B/rec COPY"],
            results.Select(r => (IReadOnlyList<string>)[
                Report.Num(r.Records), Report.Num(r.RestoreSeconds, "0.000"), Report.Num(r.CopySeconds, "0.000"),
                Report.Num(r.RestorePerS), Report.Num(r.CopyPerS), Report.Num(r.ShareOfCopy, "0.00"),
                Report.Num(r.RestoreWalBytesPerRecord), Report.Num(r.CopyWalBytesPerRecord)]));

        var worst = results.MinBy(r => r.ShareOfCopy)!;
        return new BenchOutcome(
            new Goal($"restore throughput >= 1/2 of COPY at every size (lowest: {worst.Records:N0} records, {worst.ShareOfCopy:0.00})", results.All(r => r.ShareOfCopy >= Goal)),
            new TenantRestoreFigures(Goal, smallTenants + subjects.Length, small.Sum(s => s.Records) + subjects.Sum(s => s.Records),
                "every record damaged after the point: even IDs deleted (tombstones), odd IDs overwritten", results));
    }

    private static async Task<SizeFigures> MeasureAsync(BenchServer server, Population population, TenantId tenant, int records, int repeats,
        RecoveryPoint point, List<RecordRow> rowsAtPoint, CancellationToken ct)
    {
        Log.Info($"Size {records:N0}: {repeats} repeats of damage, then restore and COPY in alternating order");
        var repeatsDetail = new List<RepeatFigures>();
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            await population.DamageAsync(tenant, records, ct);
            var restoreFirst = repeat % 2 == 1;
            double restoreSeconds = 0, copySeconds = 0;
            long restoreWal = 0, copyWal = 0;
            for (var step = 0; step < 2; step++)
            {
                var wal = await server.WalPositionAsync(ct);
                if ((step == 0) == restoreFirst)
                {
                    restoreSeconds = await RestoreAsync(server.Store, tenant, records, point, ct);
                    restoreWal = await server.WalPositionAsync(ct) - wal;
                }
                else
                {
                    copySeconds = await Log.WhileRunning($"COPY {records:N0} rows", TenantRows.CopyAsync(server.DataSource, CopyTable, rowsAtPoint, ct));
                    copyWal = await server.WalPositionAsync(ct) - wal;
                    // Take the copied rows out again, so every COPY meets the same table.
                    await server.ExecAsync($"DELETE FROM {CopyTable} WHERE tenant_id = '{tenant}'", ct);
                    await server.ExecAsync($"VACUUM {CopyTable}", ct);
                }
            }

            var differing = TenantRows.CountDifferences(rowsAtPoint, await TenantRows.ReadCurrentAsync(server.DataSource, tenant, ct));
            if (differing != 0)
            {
                throw new InvalidOperationException($"after the restore, {differing} records of {tenant} differ from the recovery point.");
            }

            Log.Info($"  {records:N0} repeat {repeat}/{repeats} ({(restoreFirst ? "restore first" : "COPY first")}): restore {restoreSeconds:0.000}s, COPY {copySeconds:0.000}s, share {copySeconds / restoreSeconds:0.00}; restored tenant verified");
            repeatsDetail.Add(new RepeatFigures(repeat, restoreFirst ? "restore,copy" : "copy,restore",
                Stats.Round(restoreSeconds, 4), Stats.Round(copySeconds, 4), Stats.Round(copySeconds / restoreSeconds),
                restoreWal / records, copyWal / records));
        }

        var restore = Stats.Median(repeatsDetail.Select(r => r.RestoreSeconds).ToList());
        var copy = Stats.Median(repeatsDetail.Select(r => r.CopySeconds).ToList());
        return new SizeFigures(records, Stats.Round(restore, 4), Stats.Round(copy, 4), Stats.Round(copy / restore),
            Stats.Round(records / restore, 0), Stats.Round(records / copy, 0),
            Stats.Median(repeatsDetail.Select(r => (double)r.RestoreWalBytesPerRecord).ToList()),
            Stats.Median(repeatsDetail.Select(r => (double)r.CopyWalBytesPerRecord).ToList()), repeatsDetail);
    }

    private static async Task<double> RestoreAsync(TenantStore store, TenantId tenant, int records, RecoveryPoint point, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await Log.WhileRunning($"restore of {records:N0} records", store.Restores.RestoreAsync(tenant, point, ct));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (result.Records != records)
        {
            throw new InvalidOperationException($"the restore of {tenant} changed {result.Records} records; every one of its {records} records was damaged.");
        }

        return seconds;
    }
}

internal sealed record RepeatFigures(int Repeat, string Order, double RestoreSeconds, double CopySeconds, double ShareOfCopy,
    long RestoreWalBytesPerRecord, long CopyWalBytesPerRecord);

internal sealed record SizeFigures(
    int Records,
    double RestoreSeconds,
    double CopySeconds,
    double ShareOfCopy,
    double RestorePerS,
    double CopyPerS,
    double RestoreWalBytesPerRecord,
    double CopyWalBytesPerRecord,
    IReadOnlyList<RepeatFigures> Repeats);

internal sealed record TenantRestoreFigures(
    double GoalShare,
    int Tenants,
    int RecordsInStore,
    string Damage,
    IReadOnlyList<SizeFigures> Sizes);
