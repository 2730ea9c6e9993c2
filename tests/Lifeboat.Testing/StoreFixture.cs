using Lifeboat.Storage;
using Xunit;

namespace Lifeboat.Testing;

/// <summary>A store on its own database and blob folder, shared by the tests of one class.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public TenantStore Store { get; private set; } = null!;

    public TestClock Clock { get; } = new();

    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-test-blobs", Guid.NewGuid().ToString("n"));

    public TestDatabase Database => _database!;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync(GetType().Name);
        Store = await TenantStore.OpenAsync(Options());
    }

    /// <summary>Options for another store on the same database (another process, a different window).</summary>
    public StoreOptions Options(TimeSpan? retention = null, int restoreChunkSize = 1000) => new()
    {
        ConnectionString = Database.ConnectionString,
        OwnerConnectionString = Database.OwnerConnectionString,
        BlobDirectory = BlobDirectory,
        TimeProvider = Clock,
        RetentionWindow = retention ?? TimeSpan.FromDays(30),
        Actor = "test",
        RestoreChunkSize = restoreChunkSize,
    };

    /// <summary>A tenant of its own for one test, so tests of a class never see each other's data.</summary>
    public async Task<TenantId> NewTenantAsync(string prefix = "t")
    {
        var id = TenantId.Parse($"{prefix}-{Guid.NewGuid():n}"[..Math.Min(64, prefix.Length + 33)]);
        await Store.Tenants.CreateAsync(id);
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        TestFiles.DeleteTree(BlobDirectory);
    }
}
