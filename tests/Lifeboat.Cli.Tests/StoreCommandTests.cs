namespace Lifeboat.Cli.Tests;

public sealed class StoreCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task Restore_OfAnUnknownTenant_ExitsTwoSayingSo()
    {
        var (exit, output) = await cli.RunAsync("store", "restore", "nope", "--to", "@1");

        exit.ShouldBe(2);
        output.ShouldContain("error: tenant nope does not exist.");
    }

    [Fact]
    public async Task Restore_WithAPointThatIsNotOne_ExitsTwoShowingBothForms()
    {
        var (exit, output) = await cli.RunAsync("store", "restore", "nope", "--to", "yesterday");

        exit.ShouldBe(2);
        output.ShouldContain("'yesterday' is not a recovery point: give a commit position as 'position:123' or '@123', or a time as");
    }

    [Fact]
    public async Task Verify_OnAnEmptyStore_ReportsEverythingIntact()
    {
        var (exit, output) = await cli.RunAsync("store", "verify");

        exit.ShouldBe(0);
        output.ShouldContain("All 0 blob(s) intact");
    }

    [Fact]
    public async Task DbStatus_WithAnExternalConnection_SaysItIsReachable()
    {
        var (exit, output) = await cli.RunAsync("db", "status");

        exit.ShouldBe(0);
        output.ShouldContain("Using an external PostgreSQL at 127.0.0.1:");
        output.ShouldContain("it is reachable");
    }
}
