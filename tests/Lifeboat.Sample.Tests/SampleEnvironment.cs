using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Sample.Tests;

/// <summary>A second, empty environment (its own database and blob folder), for comparing two runs.</summary>
internal sealed class SampleEnvironment : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly string _blobs;

    private SampleEnvironment(TestDatabase database, string blobs, LifeboatPlatform platform)
    {
        _database = database;
        _blobs = blobs;
        Platform = platform;
    }

    public LifeboatPlatform Platform { get; }

    /// <summary>An empty environment; its platform takes the time from <paramref name="clock"/> (a clock of its own by default).</summary>
    public static async Task<SampleEnvironment> CreateAsync(TimeProvider? clock = null)
    {
        var database = await PostgresServer.CreateDatabaseAsync("sample");
        var blobs = Path.Combine(Path.GetTempPath(), "lifeboat-test-blobs", Guid.NewGuid().ToString("n"));
        var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = database.ConnectionString,
                OwnerConnectionString = database.OwnerConnectionString,
                BlobDirectory = blobs,
                TimeProvider = clock ?? new TestClock(),
                Actor = "test",
            },
        });
        return new SampleEnvironment(database, blobs, platform);
    }

    public async ValueTask DisposeAsync()
    {
        await Platform.DisposeAsync();
        await _database.DisposeAsync();
        TestFiles.DeleteTree(_blobs);
    }
}
