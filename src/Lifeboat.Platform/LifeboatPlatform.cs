using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Detection;
using Lifeboat.Platform.Events;
using Lifeboat.Platform.Identity;
using Lifeboat.Platform.Internal;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;

namespace Lifeboat.Platform;

/// <summary>
/// The control plane of a multi-tenant SaaS, on the tenant-safe store: every site is a tenant, so
/// everything a site owns is versioned, soft-deleted and restorable per site.
/// </summary>
public sealed class LifeboatPlatform : IAsyncDisposable
{
    public static readonly MigrationSource Migrations = new("platform", typeof(LifeboatPlatform).Assembly, "Lifeboat.Platform.Schema.Platform.");

    private readonly PlatformContext _context;
    private readonly bool _ownsStore;

    private LifeboatPlatform(PlatformContext context, bool ownsStore)
    {
        _context = context;
        _ownsStore = ownsStore;
        Sites = new Sites(context);
        Provisioning = new Provisioning(context);
        Apps = new Apps(context);
        Identity = new IdentityDirectory(context);
        Audit = new AuditLog(context);
        Flags = new FeatureFlags(context, Audit);
        Contacts = new ContactDirectory(context);
        Accounts = new CustomerAccounts(context, Audit, Sites);
        SiteImports = new SiteImports(context, Sites, Provisioning, Apps, Identity, Flags, Contacts, Accounts);
        Events = new LifecycleEvents(context);
        Policy = new PolicyStore(context, Audit);
        Freezes = new ChangeFreezes(context, Audit);
        Plans = new ChangePlans(context, new PlanActions(context, Sites, Apps, Provisioning, Contacts), Audit, Provisioning, Policy, Freezes);
        Detector = new AnomalyDetector(context, Audit, Policy);
        Breaker = new BreakerTrips(context, Audit);
        Restores = new RestoreJobs(context, new Participants(context), Policy);
        Backups = new BackupService(context, Audit);
        Operators = new Operators(context, Audit);
        Tokens = new ApiTokens(context, Audit, Operators);
        EmergencyAccess = new EmergencyAccess(context, Audit, Operators);
        Bootstrap = new BootstrapAdmin(context, Audit, Operators, Tokens);
    }

    public TenantStore Store => _context.Store;

    public PlatformOptions Options => _context.Options;

    public Sites Sites { get; }

    public Provisioning Provisioning { get; }

    public Apps Apps { get; }

    public IdentityDirectory Identity { get; }

    public FeatureFlags Flags { get; }

    public ContactDirectory Contacts { get; }

    /// <summary>Customer accounts: who owns which sites, and their key contacts; outside every site's data.</summary>
    public CustomerAccounts Accounts { get; }

    /// <summary>A whole site in one transaction: what the ordinary operations would write one call at a time.</summary>
    public SiteImports SiteImports { get; }

    public LifecycleEvents Events { get; }

    public ChangePlans Plans { get; }

    /// <summary>Change freezes: while an incident's is on, plans not tagged to that incident are refused.</summary>
    public ChangeFreezes Freezes { get; }

    /// <summary>The environment's policy: the version in force, proposals, approvals, history.</summary>
    public PolicyStore Policy { get; }

    /// <summary>One detector per process: it keeps the recent rate of destructive writes in memory.</summary>
    public AnomalyDetector Detector { get; }

    public AuditLog Audit { get; }

    /// <summary>The breaker's limits and trips: the limit on the rate of destruction the database enforces.</summary>
    public BreakerTrips Breaker { get; }

    /// <summary>Restore jobs: many sites, every store, one recovery point.</summary>
    public RestoreJobs Restores { get; }
    /// <summary>Backups that outlive the database, and restores from them.</summary>
    public BackupService Backups { get; }

    /// <summary>Operator accounts: who may act, with which roles.</summary>
    public Operators Operators { get; }

    /// <summary>API tokens for the CLI and automation.</summary>
    public ApiTokens Tokens { get; }

    /// <summary>Break glass: time-limited emergency access, confirmed by a second admin and audited at every use.</summary>
    public EmergencyAccess EmergencyAccess { get; }

    /// <summary>A fresh environment's first admin and its one-time credential.</summary>
    public BootstrapAdmin Bootstrap { get; }

    public static async Task<LifeboatPlatform> OpenAsync(PlatformOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataSource = TenantStore.CreateDataSource(options.Store.ConnectionString);
        TenantStore? store = null;
        try
        {
            store = await TenantStore.OpenAsync(dataSource, options.Store, ownsDataSource: true, options.MigrationSources, cancellationToken);
            var platform = new LifeboatPlatform(new PlatformContext(store, options), ownsStore: true);
            await platform.Contacts.EnsureAsync(cancellationToken);
            // The database enforces the breaker; the policy in force says its limits.
            await platform.Policy.SyncBreakerAsync(cancellationToken);
            return platform;
        }
        catch
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }
            else
            {
                await dataSource.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The same platform, acting as <paramref name="actor"/>; every change records it.</summary>
    public LifeboatPlatform WithActor(string actor) => new(_context.WithActor(actor), ownsStore: false);

    /// <summary>The same platform, acting as an authenticated <paramref name="principal"/>: every change records its login.</summary>
    public LifeboatPlatform As(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return WithActor(principal.Login);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsStore)
        {
            await _context.Store.DisposeAsync();
        }
    }
}
