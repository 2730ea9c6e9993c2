using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Platform;
using Spectre.Console;

namespace Lifeboat.Sample.Tests;

public sealed class SampleCommandTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>, IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("lifeboat-cli-").FullName;

    private LifeboatPlatform Platform => fixture.Platform;

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public async Task SampleSeed_NoSites_ExitsWith2SayingWhy_AndCreatesNothing(string sites)
    {
        var before = (await Platform.Sites.ListAsync()).Count;

        var (exit, output) = await RunAsync("sample", "seed", "--sites", sites);

        exit.ShouldBe(LifeboatCli.BadInput);
        output.ShouldContain($"error: seed at least one site (sites was {sites}).");
        (await Platform.Sites.ListAsync()).Count.ShouldBe(before);
    }

    [Fact]
    public async Task SampleSeed_AnUnknownSize_ExitsWith2()
    {
        var (exit, output) = await RunAsync("sample", "seed", "--sites", "1", "--size", "huge");

        exit.ShouldBe(LifeboatCli.BadInput);
        output.ShouldContain("huge");
    }

    [Fact]
    public async Task SampleSeed_TwoSmallSites_PrintsTheSummary_AndWritesTheJsonReport()
    {
        var report = Path.Combine(_home, "seeding.json");

        var (exit, output) = await RunAsync("sample", "seed", "--sites", "2", "--size", "small", "--internal", "1", "--seed", "9", "--json", report);

        exit.ShouldBe(LifeboatCli.Ok, output);
        output.ShouldContain("Sites/s");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        json.RootElement.GetProperty("sites").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("size").GetString().ShouldBe("small");
        json.RootElement.GetProperty("blobs").GetInt64().ShouldBe(2 * 3);
        (await Platform.Sites.ListAsync(isInternal: true)).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(false, "import")]
    [InlineData(true, "one-call-at-a-time")]
    public async Task SampleSeed_EitherWayOfWriting_SeedsTheSitesAndSaysWhichInTheReport(bool oneCallAtATime, string writes)
    {
        var report = Path.Combine(_home, $"seeding-{writes}.json");
        var before = (await Platform.Sites.ListAsync()).Count;
        string[] args = ["sample", "seed", "--sites", "2", "--size", "small", "--internal", "0", "--seed", "21", "--json", report];

        var (exit, output) = await RunAsync(oneCallAtATime ? [.. args, "--one-call-at-a-time"] : args);

        exit.ShouldBe(LifeboatCli.Ok, output);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        json.RootElement.GetProperty("writes").GetString().ShouldBe(writes);
        (await Platform.Sites.ListAsync()).Count.ShouldBe(before + 2);
    }

    public void Dispose() => TestFiles.DeleteTree(_home);

    private async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        var exit = await LifeboatCli.RunAsync([.. args, "--connection", fixture.Database.ConnectionString, "--home", _home], console);
        return (exit, output.ToString());
    }
}
