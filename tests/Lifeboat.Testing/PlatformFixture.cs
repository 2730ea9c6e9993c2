using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Plans;
using Lifeboat.Retrospectives;
using Lifeboat.Storage;
using Lifeboat.Support;
using Xunit;

namespace Lifeboat.Testing;

/// <summary>A platform on its own database, with the sample's two products and one marketplace app in the catalog.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly ProductId Tracker = ProductId.Parse("prd_tracker");
    public static readonly ProductId Wiki = ProductId.Parse("prd_wiki");
    public static readonly AppId LegacyApp = AppId.Parse("app_legacyinsights");

    private readonly bool _withoutBreaker;
    private TestDatabase? _database;

    /// <summary>An environment under <see cref="WithoutBreaker"/>, put in force as its first policy version.</summary>
    public PlatformFixture()
        : this(withoutBreaker: true)
    {
    }

    /// <summary>With <paramref name="withoutBreaker"/> false, a fresh environment: version 0, the built-in defaults.</summary>
    private PlatformFixture(bool withoutBreaker) => _withoutBreaker = withoutBreaker;

    /// <summary>A fresh environment under version 0 of the policy, the built-in defaults (breaker on), for tests of the policy itself.</summary>
    public static PlatformFixture UnderTheDefaults() => new(withoutBreaker: false);

    public LifeboatPlatform Platform { get; private set; } = null!;

    public TestClock Clock { get; } = new();

    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-test-blobs", Guid.NewGuid().ToString("n"));

    public TestDatabase Database => _database!;

    public PlatformOptions Options => new()
    {
        Store = new StoreOptions
        {
            ConnectionString = Database.ConnectionString,
            OwnerConnectionString = Database.OwnerConnectionString,
            BlobDirectory = BlobDirectory,
            TimeProvider = Clock,
            Actor = "test",
        },
        // As Lifeboat's own hosts set an environment up: with every module, so a CLI run on the application
        // role alone later finds nothing to migrate.
        Modules = [IncidentDesk.Module, CommunicationDesk.Module, SupportDesk.Module, RetrospectiveDesk.Module],
    };

    /// <summary>
    /// The default policy with the breaker off: tests of other things delete many sites within a
    /// minute. Tests of the breaker (and the drill) open the platform with a policy of their own.
    /// </summary>
    public static PlanPolicy WithoutBreaker => new() { Breaker = { Enabled = false } };

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("platform");
        Platform = await LifeboatPlatform.OpenAsync(Options);
        if (_withoutBreaker)
        {
            await PutInForceAsync(WithoutBreaker);
        }
        await Platform.Provisioning.RegisterProductAsync(Tracker, "Tracker");
        await Platform.Provisioning.RegisterProductAsync(Wiki, "Wiki");
        await Platform.Apps.RegisterAsync(LegacyApp, "Legacy Insights", "Example Vendor");
    }

    /// <summary>
    /// Puts <paramref name="policy"/> in force in this fixture's environment (proposed and approved by
    /// two people, as any policy is), then opens another platform on the same database: another
    /// process, with its own clock.
    /// </summary>
    public async Task<LifeboatPlatform> OpenAsync(PlanPolicy policy, TimeProvider? clock = null, string actor = "test", Lifeboat.Platform.Restores.ParticipantOptions? participants = null)
    {
        await PutInForceAsync(policy);
        return await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = Database.ConnectionString,
                OwnerConnectionString = Database.OwnerConnectionString,
                BlobDirectory = BlobDirectory,
                TimeProvider = clock ?? Clock,
                Actor = actor,
            },
            Participants = participants ?? new(),
            Modules = [IncidentDesk.Module, CommunicationDesk.Module, SupportDesk.Module, RetrospectiveDesk.Module],
        });
    }

    /// <summary>Makes <paramref name="policy"/> the environment's policy, unless its rules are in force already.</summary>
    public Task PutInForceAsync(PlanPolicy policy) => PutInForceAsync(Platform, policy);

    /// <summary>Makes <paramref name="policy"/> the policy of <paramref name="platform"/>'s environment as two people would, unless its rules are in force already.</summary>
    public static async Task PutInForceAsync(LifeboatPlatform platform, PlanPolicy policy)
    {
        var yaml = policy.ToYaml();
        if ((await platform.Policy.ReadAsync()).Policy.ToYaml() == yaml)
        {
            return;
        }

        var proposed = await platform.WithActor("policy-author").Policy.ProposeAsync(yaml, "the test's policy");
        await platform.WithActor("policy-approver").Policy.ApproveAsync(proposed.Version, proposed.ContentHash);
    }

    /// <summary>A site of its own for one test, with a unique name.</summary>
    public async Task<SiteProfile> NewSiteAsync(string region = "eu-west", bool isInternal = false) =>
        await Platform.Sites.CreateAsync($"Site {Guid.NewGuid():n}", region, isInternal);

    public async ValueTask DisposeAsync()
    {
        await Platform.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        TestFiles.DeleteTree(BlobDirectory);
    }
}
