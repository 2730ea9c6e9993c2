using Lifeboat.Bench.Harness;

namespace Lifeboat.Bench;

/// <summary>One benchmark: a subcommand of the harness with its own server and result file.</summary>
internal interface IBenchmark
{
    string Name { get; }

    /// <summary>Libraries the server must load at start (shared_preload_libraries), such as pg_stat_statements; none by default, so the others measure a plain server.</summary>
    IReadOnlyList<string> SharedPreloadLibraries => [];

    /// <summary>Runs against a started server and returns the figures for the result file (the goal is judged inside).</summary>
    Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct);
}

internal sealed record BenchOutcome(Goal Goal, object Figures);

/// <summary>Full size for the published figures; quick for checking the harness itself in a minute.</summary>
internal sealed record Scale(bool Quick)
{
    public int Pick(int full, int quick) => Quick ? quick : full;
}
