using System.Diagnostics;
using Lifeboat.Bench;
using Lifeboat.Bench.Auth;
using Lifeboat.Bench.Communication;
using Lifeboat.Bench.Harness;
using Lifeboat.Bench.Incidents;
using Lifeboat.Bench.Restore;
using Lifeboat.Bench.RestoreAll;
using Lifeboat.Bench.Scaling;
using Lifeboat.Bench.Support;
using Lifeboat.Bench.VsPgBackRest;
using Lifeboat.Bench.Writes;

IBenchmark[] benchmarks =
[
    new WriteOverheadBenchmark(), new TenantRestoreBenchmark(), new RestoreInterferenceBenchmark(), new VsPgBackRestBenchmark(),
    new JobScalingBenchmark(), new EnvironmentSizeBenchmark(), new RestoreAllBenchmark(), new TokenCheckBenchmark(), new IncidentRoomBenchmark(),
    new CommunicationBenchmark(),
    new SupportMatchingBenchmark(),
    new SupportBurstBenchmark(),
];
var names = string.Join(" | ", benchmarks.Select(b => b.Name));

string? name = null;
string? outDir = null;
var quick = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            quick = true;
            break;
        case "--out" when i + 1 < args.Length:
            outDir = args[++i];
            break;
        case var arg when name is null && (arg == "all" || benchmarks.Any(b => b.Name == arg)):
            name = arg;
            break;
        default:
            return Usage();
    }
}

if (name is null)
{
    return Usage();
}

outDir ??= quick ? "bench/work/results" : "bench/results";
var selected = name == "all" ? benchmarks : benchmarks.Where(b => b.Name == name).ToArray();

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Let the running benchmark unwind, so its PostgreSQL is stopped.
    e.Cancel = true;
    cancel.Cancel();
};

var scale = new Scale(quick);
foreach (var benchmark in selected)
{
    Log.Info($"== {benchmark.Name}{(quick ? " (quick)" : "")}");
    var started = TimeProvider.System.GetUtcNow();
    var clock = Stopwatch.GetTimestamp();
    BenchOutcome outcome;
    BenchEnvelope envelope;
    await using (var server = await BenchServer.StartAsync(benchmark.Name, benchmark.SharedPreloadLibraries, cancel.Token))
    {
        outcome = await benchmark.RunAsync(server, scale, cancel.Token);
        var s = server.Machine.PostgresSettings;
        envelope = new BenchEnvelope(
            benchmark.Name,
            $"bench/run.sh {benchmark.Name}{(quick ? " --quick" : "")}",
            started,
            Stats.Round(Stopwatch.GetElapsedTime(clock).TotalSeconds, 1),
            $"PostgresTuning.Durable: fsync={s["fsync"]}, synchronous_commit={s["synchronous_commit"]}, full_page_writes={s["full_page_writes"]}; every acknowledged commit was flushed to disk",
            server.Machine,
            outcome.Goal);
    }

    var path = await Report.WriteAsync(outDir, benchmark.Name, envelope, outcome.Figures, cancel.Token);
    Log.Info($"{benchmark.Name}: goal {(outcome.Goal.Met ? "MET" : "NOT MET")} ({outcome.Goal.Text}); wrote {path}");
}

return 0;

int Usage()
{
    Console.Error.WriteLine($"usage: bench/run.sh <{names} | all> [--quick] [--out DIR]");
    Console.Error.WriteLine("  --quick   small sizes, to check the harness (results go to bench/work/results unless --out is given)");
    return 2;
}
