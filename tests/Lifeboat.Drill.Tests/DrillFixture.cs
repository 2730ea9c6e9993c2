using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Drill.Tests;

/// <summary>A fresh database per drill: a drill refuses to run among sites it did not create.</summary>
public sealed class DrillFixture : IAsyncLifetime
{
    private readonly List<TestDatabase> _databases = [];

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-drill-tests", Guid.NewGuid().ToString("n"));

    public async Task<LifeboatPlatform> OpenAsync(DrillOptions options)
    {
        var database = await PostgresServer.CreateDatabaseAsync("drill");
        _databases.Add(database);
        var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = database.ConnectionString,
                OwnerConnectionString = database.OwnerConnectionString,
                BlobDirectory = Path.Combine(Home, database.Name),
                Actor = DrillRunner.Actor,
            },
        });
        return platform.WithActor(DrillRunner.Actor);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        TestFiles.DeleteTree(Home);
    }
}
