using Npgsql;

namespace Lifeboat.Storage.Tests;

/// <summary>A time as a recovery point selects the transactions that had committed by then, and no other.</summary>
public sealed class CommitTimeTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task RestoreToTime_LeavesOutATransactionThatTookItsPositionBeforeTheTimeButCommittedAfterIt()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "base", Docs.Issue("before everything"));

        // The slow transaction takes its position and stamp now, and commits only after the time T.
        await using var slow = await Store.BeginTransactionAsync();
        var slowWrite = await Store.Records.WriteAsync(Store.Records.Batch(t).Put(Docs.Issues, "slow", Docs.Issue("committed after T")), slow);
        var fastWrite = await Store.Records.PutAsync(t, Docs.Issues, "fast", Docs.Issue("committed before T"));
        var time = await DatabaseClockAsync();
        await slow.CommitAsync();

        slowWrite.Stamp.ShouldBeLessThan(time, "the slow write's stamp is before T: a stamp alone would take it in");
        fastWrite.Position.ShouldBeGreaterThan(slowWrite.Position);
        var atTime = await Store.Records.SnapshotAsync(t, RecoveryPoint.AtTime(time));
        atTime.Select(r => r.Id).ShouldBe(["base", "fast"]);

        await Store.Restores.RestoreAsync(t, RecoveryPoint.AtTime(time));

        (await Store.Records.ListAsync(t, "tracker.issues")).Select(r => (r.Id, r.Title())).ShouldBe([("base", "before everything"), ("fast", "committed before T")]);
    }

    [Fact]
    public async Task DigestAtTime_MatchesTheRecordsThatHadCommitted()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("v1"));
        await using var slow = await Store.BeginTransactionAsync();
        await Store.Records.WriteAsync(Store.Records.Batch(t).Put(Docs.Issues, "a", Docs.Issue("v2, committed after T")), slow);
        var time = await DatabaseClockAsync();
        await slow.CommitAsync();
        var before = await DatabaseClockAsync();

        var atTime = await Store.Records.DigestAsync(t, RecoveryPoint.AtTime(time));
        var atV1 = await Store.Records.DigestAsync(t, RecoveryPoint.AtTime(before));

        atTime.ShouldNotBe(atV1, "v2 had not committed at T, but has by the second instant");
        (await Store.Records.SnapshotAsync(t, RecoveryPoint.AtTime(time))).Single().Title().ShouldBe("v1");
    }

    [Fact]
    public async Task RestoreToTime_BeforeATenantsCreationCommitted_IsRefused()
    {
        var id = TenantId.Parse($"late-{Guid.NewGuid():n}");
        await using var creation = await Store.BeginTransactionAsync();
        await Store.Tenants.CreateAsync(id, creation);
        var time = await DatabaseClockAsync();
        await creation.CommitAsync();

        var refused = await Should.ThrowAsync<RecoveryPointException>(() => Store.Restores.CheckPointAsync(id, RecoveryPoint.AtTime(time)));

        refused.Message.ShouldContain("did not exist yet");
    }

    private async Task<DateTimeOffset> DatabaseClockAsync()
    {
        // Apart from the transactions around it by a few milliseconds, so the order of the instants is not a matter of clock resolution.
        await Task.Delay(20, TestContext.Current.CancellationToken);
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        var now = (DateTime)(await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        await Task.Delay(20, TestContext.Current.CancellationToken);
        return new DateTimeOffset(now, TimeSpan.Zero);
    }
}
