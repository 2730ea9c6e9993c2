using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Storage.Tests;

public sealed class BlobTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private const UnixFileMode OthersAndGroup = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task PutThenRead_ReturnsTheBytes_StoredOnceByHash_ReadOnlyOnDisk()
    {
        var t = await fixture.NewTenantAsync();
        var bytes = Encoding.UTF8.GetBytes("a screenshot, say");
        await Store.Blobs.PutAsync(t, Docs.Attachments, "a1", new MemoryStream(bytes), Docs.Json(new { name = "shot.png" }));
        await Store.Blobs.PutAsync(t, Docs.Attachments, "a2", new MemoryStream(bytes));

        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "a1")).ShouldBe(bytes);
        var record = (await Store.Records.GetAsync(t, "tracker.attachments", "a1"))!;
        record.Blob!.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        record.Blob.Size.ShouldBe(bytes.Length);
        record.Document!.Value.GetProperty("name").GetString().ShouldBe("shot.png");
        var files = Directory.EnumerateFiles(fixture.BlobDirectory, record.Blob.Sha256, SearchOption.AllDirectories).ToList();
        files.Count.ShouldBe(1, "identical content is stored once");
        File.GetUnixFileMode(files[0]).ShouldBe(UnixFileMode.UserRead, "read-only, and for the owner alone");
        for (var folder = Path.GetDirectoryName(files[0])!; folder.Length >= fixture.BlobDirectory.Length; folder = Path.GetDirectoryName(folder)!)
        {
            (File.GetUnixFileMode(folder) & OthersAndGroup).ShouldBe((UnixFileMode)0, folder);
        }
    }

    [Fact]
    public async Task FilesOfAWriteInFlight_AreTheOwnersAlone_FromTheMomentTheyAreCreated()
    {
        var modes = new List<UnixFileMode>();
        var incoming = Path.Combine(fixture.BlobDirectory, "incoming");

        // The stream is read while the file it is copied into is open: look at that file then.
        await Store.Blobs.StoreContentAsync(new WatchingStream(Encoding.UTF8.GetBytes("bytes in flight " + Guid.NewGuid()),
            () => modes.AddRange(Directory.EnumerateFiles(incoming).Append(incoming).Select(File.GetUnixFileMode))));

        modes.Count.ShouldBeGreaterThanOrEqualTo(2, "the incoming file and its folder");
        modes.ShouldAllBe(m => (m & OthersAndGroup) == UnixFileMode.None);
    }

    [Fact]
    public async Task Read_WhenTheBytesWereAlteredOnDisk_FailsNamingTheBlobAndTheFile()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Blobs.PutAsync(t, Docs.Attachments, "a1", new MemoryStream(Encoding.UTF8.GetBytes("original bytes " + t)));
        var path = PathOf((await Store.Records.GetAsync(t, "tracker.attachments", "a1"))!.Blob!.Sha256);
        Tamper(path);

        var e = await Should.ThrowAsync<BlobIntegrityException>(() => Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "a1"));

        e.Message.ShouldContain("blob 'a1' of 'tracker.attachments'");
        e.Message.ShouldContain(path);
        e.Message.ShouldContain("altered on disk");
    }

    [Fact]
    public async Task Verify_ReportsAlteredAndMissingFiles_OfEveryVersion()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Blobs.PutAsync(t, Docs.Attachments, "ok", new MemoryStream(Encoding.UTF8.GetBytes("fine " + t)));
        await Store.Blobs.PutAsync(t, Docs.Attachments, "bad", new MemoryStream(Encoding.UTF8.GetBytes("to be altered " + t)));
        await Store.Blobs.PutAsync(t, Docs.Attachments, "old", new MemoryStream(Encoding.UTF8.GetBytes("old version " + t)));
        var oldSha = (await Store.Records.GetAsync(t, "tracker.attachments", "old"))!.Blob!.Sha256;
        await Store.Blobs.PutAsync(t, Docs.Attachments, "old", new MemoryStream(Encoding.UTF8.GetBytes("new version " + t)));
        Tamper(PathOf((await Store.Records.GetAsync(t, "tracker.attachments", "bad"))!.Blob!.Sha256));
        var oldPath = PathOf(oldSha);
        File.Delete(oldPath);

        var report = await Store.Blobs.VerifyAsync(t);

        report.BlobsChecked.ShouldBe(4);
        report.Intact.ShouldBeFalse();
        report.Problems.Select(p => (p.RecordId, p.Problem.Split(':')[0])).OrderBy(p => p.RecordId).ShouldBe([("bad", "altered"), ("old", "missing")]);
        report.Problems.Single(p => p.RecordId == "old").Path.ShouldBe(oldPath);
    }

    private string PathOf(string sha) => Directory.EnumerateFiles(fixture.BlobDirectory, sha, SearchOption.AllDirectories).Single();

    private static void Tamper(string path)
    {
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.AppendAllText(path, "!");
    }

    /// <summary>Bytes to store that call <paramref name="watch"/> once, after the first read, while the writer holds its file open.</summary>
    private sealed class WatchingStream(byte[] bytes, Action watch) : MemoryStream(bytes)
    {
        private bool _watched;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position > 0 && !_watched)
            {
                _watched = true;
                watch();
            }

            return await base.ReadAsync(buffer, cancellationToken);
        }
    }
}
