using System.Text;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The retention job's collection of blob files, against writers and readers that are in flight. The
/// clock is the fixture's: a file's age and the grace period are both read from it.
/// </summary>
public sealed class BlobCollectionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly TimeSpan PastTheGracePeriod = new StoreOptions { ConnectionString = "-", BlobDirectory = "-" }.BlobGracePeriod + TimeSpan.FromMinutes(1);

    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task ADedupHit_ThenRetention_ThenTheWritersCommit_LeavesTheRecordWithItsBytes()
    {
        var t = await fixture.NewTenantAsync();
        var bytes = Unique("a logo uploaded twice");
        // A file nothing refers to (its first write was refused by the gate, say), older than the grace period.
        await Store.Blobs.StoreContentAsync(new MemoryStream(bytes));
        fixture.Clock.Advance(PastTheGracePeriod);
        // A writer stores the same bytes (a dedup hit); retention runs before the writer commits.
        var reference = await Store.Blobs.StoreContentAsync(new MemoryStream(bytes));
        await Store.Retention.RunAsync();

        await Store.Records.WriteAsync(Store.Records.Batch(t).PutBlob(Docs.Attachments, "logo", reference, Docs.Json(new { name = "logo.png" })));

        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "logo")).ShouldBe(bytes);
        await RunRetentionTwiceAsync();
        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "logo")).ShouldBe(bytes, "a file a record refers to is never collected");
        File.Exists(InPlace(reference.Sha256)).ShouldBeTrue();
    }

    [Fact]
    public async Task AnUnreferencedFile_IsSetAsideFirst_AndRemovedOnlyAGracePeriodLater()
    {
        var sha = (await Store.Blobs.StoreContentAsync(new MemoryStream(Unique("never referred to")))).Sha256;
        fixture.Clock.Advance(PastTheGracePeriod);

        var first = await Store.Retention.RunAsync();

        File.Exists(InPlace(sha)).ShouldBeFalse("it is set aside from where readers look");
        SetAside(sha).ShouldNotBeEmpty("but kept, so that a late reader or writer can bring it back");
        first.BlobFilesQuarantined.ShouldBeGreaterThanOrEqualTo(1);
        await Store.Retention.RunAsync();
        SetAside(sha).ShouldNotBeEmpty("a file set aside stays there for a whole grace period");

        fixture.Clock.Advance(PastTheGracePeriod);
        var last = await Store.Retention.RunAsync();

        Directory.EnumerateFiles(fixture.BlobDirectory, sha, SearchOption.AllDirectories).ShouldBeEmpty();
        last.BlobFilesRemoved.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task AWriterOfBytesThatWereSetAside_BringsTheFileBack()
    {
        var t = await fixture.NewTenantAsync();
        var bytes = Unique("set aside, then uploaded again");
        var sha = (await Store.Blobs.StoreContentAsync(new MemoryStream(bytes))).Sha256;
        fixture.Clock.Advance(PastTheGracePeriod);
        await Store.Retention.RunAsync();
        SetAside(sha).ShouldNotBeEmpty();

        await Store.Blobs.PutAsync(t, Docs.Attachments, "again", new MemoryStream(bytes));

        File.Exists(InPlace(sha)).ShouldBeTrue();
        SetAside(sha).ShouldBeEmpty("the file set aside was moved back, not copied");
        await RunRetentionTwiceAsync();
        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "again")).ShouldBe(bytes);
    }

    [Fact]
    public async Task AReaderOfARecordWhoseFileWasSetAside_BringsItBack()
    {
        var t = await fixture.NewTenantAsync();
        var bytes = Unique("stored just before the collector set it aside");
        var reference = await Store.Blobs.StoreContentAsync(new MemoryStream(bytes));
        fixture.Clock.Advance(PastTheGracePeriod);
        await Store.Retention.RunAsync();
        SetAside(reference.Sha256).ShouldNotBeEmpty();
        // The writer that held the reference commits after the collector moved its file.
        await Store.Records.WriteAsync(Store.Records.Batch(t).PutBlob(Docs.Attachments, "late", reference, Docs.Json(new { })));

        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "late")).ShouldBe(bytes);

        File.Exists(InPlace(reference.Sha256)).ShouldBeTrue();
        (await Store.Blobs.VerifyAsync(t)).Intact.ShouldBeTrue();
    }

    [Fact]
    public async Task AFileSetAside_ThatARecordNowRefersTo_IsPutBackByTheNextRun_NotRemoved()
    {
        var t = await fixture.NewTenantAsync();
        var bytes = Unique("referred to while set aside");
        var reference = await Store.Blobs.StoreContentAsync(new MemoryStream(bytes));
        fixture.Clock.Advance(PastTheGracePeriod);
        await Store.Retention.RunAsync();
        await Store.Records.WriteAsync(Store.Records.Batch(t).PutBlob(Docs.Attachments, "late", reference, Docs.Json(new { })));
        fixture.Clock.Advance(PastTheGracePeriod);

        var report = await Store.Retention.RunAsync();

        File.Exists(InPlace(reference.Sha256)).ShouldBeTrue();
        report.BlobFilesBroughtBack.ShouldBeGreaterThanOrEqualTo(1);
        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "late")).ShouldBe(bytes);
    }

    private async Task RunRetentionTwiceAsync()
    {
        for (var i = 0; i < 2; i++)
        {
            fixture.Clock.Advance(PastTheGracePeriod);
            await Store.Retention.RunAsync();
        }
    }

    private string InPlace(string sha) => Path.Combine(fixture.BlobDirectory, "sha256", sha[..2], sha[2..4], sha);

    private List<string> SetAside(string sha) =>
        [.. Directory.EnumerateFiles(fixture.BlobDirectory, sha, SearchOption.AllDirectories).Where(p => p != InPlace(sha))];

    private static byte[] Unique(string text) => Encoding.UTF8.GetBytes($"{text} {Guid.NewGuid():n}");
}
