using Lifeboat.Storage.Backups;
using Lifeboat.Storage.Internal;
using Lifeboat.Storage.Schema;
using Npgsql;

namespace Lifeboat.Storage;

/// <summary>
/// The tenant-safe store. Open it once per process; its parts share one connection pool.
/// No tenant's data can be lost by a mistaken delete, and any one tenant can be brought back to any
/// instant inside the retention window without touching any other tenant.
/// </summary>
public sealed class TenantStore : IAsyncDisposable
{
    private readonly bool _ownsDataSource;
    private readonly StoreContext _context;

    private TenantStore(StoreContext context, bool ownsDataSource)
    {
        _context = context;
        _ownsDataSource = ownsDataSource;
        Principals = new Principals(context.DataSource);
        Tenants = new TenantLifecycle(context);
        Records = new RecordStore(context);
        Blobs = new BlobStore(context, Records);
        Restores = new TenantRestorer(context, Tenants);
        Retention = new RetentionJob(context);
        Erasures = new Erasures(context, Tenants, Principals);
        DestructiveWrites = new DestructiveWrites(context);
        Breaker = new Breaker(context);
        Backups = new StoreBackups(context);
    }

    public TenantLifecycle Tenants { get; }

    public RecordStore Records { get; }

    public BlobStore Blobs { get; }

    public TenantRestorer Restores { get; }

    public RetentionJob Retention { get; }

    public Erasures Erasures { get; }

    public DestructiveWrites DestructiveWrites { get; }

    /// <summary>The limit on the rate of destruction, checked in the transaction of every destructive write.</summary>
    public Breaker Breaker { get; }

    /// <summary>Tenant-aware export and import of versions, for backups that outlive the database.</summary>
    public StoreBackups Backups { get; }

    /// <summary>Who is who, for two-person rules: one comparison for every check and constraint.</summary>
    public Principals Principals { get; }

    /// <summary>The store's own connections: no other code gets raw access to tenant tables.</summary>
    internal NpgsqlDataSource DataSource => _context.DataSource;

    public StoreOptions Options => _context.Options;

    public string Actor => _context.Actor;

    public static async Task<TenantStore> OpenAsync(StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataSource = CreateDataSource(options.ConnectionString);
        try
        {
            return await OpenAsync(dataSource, options, ownsDataSource: true, [MigrationSource.Store], cancellationToken);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the store over a data source the caller owns, applying the given modules' migrations (the store's first).</summary>
    public static async Task<TenantStore> OpenAsync(NpgsqlDataSource dataSource, StoreOptions options, bool ownsDataSource,
        IReadOnlyList<MigrationSource> migrations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RestoreChunkSize < 1)
        {
            throw new StoreConfigurationException($"RestoreChunkSize must be at least 1 record, not {options.RestoreChunkSize}.");
        }

        if (options.RestorePause < TimeSpan.Zero)
        {
            throw new StoreConfigurationException($"RestorePause cannot be negative ({options.RestorePause}).");
        }

        var owner = options.OwnerConnectionString is { } ownerConnection ? CreateDataSource(ownerConnection) : null;
        try
        {
            if (options.Migrate)
            {
                // As the owner: the application role cannot create or alter what it is held to.
                await SchemaMigrator.MigrateAsync(owner ?? dataSource, migrations, cancellationToken);
            }

            if (owner is not null)
            {
                await Settings.ApplyAsync(owner, options, cancellationToken);
            }
        }
        catch
        {
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }

            throw;
        }

        BlobFiles.CreateFolder(options.BlobDirectory);
        return new TenantStore(new StoreContext(dataSource, owner, options, RequireActor(options.Actor), new CollectionRegistry()), ownsDataSource);
    }

    /// <summary>Starts a transaction that store calls and the caller's statements can share.</summary>
    public async Task<StoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _context.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return new StoreTransaction(connection, await connection.BeginTransactionAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The same store, writing as <paramref name="actor"/> (a person or a service), which every version records.</summary>
    public TenantStore WithActor(string actor) => new(_context.WithActor(RequireActor(actor)), ownsDataSource: false);

    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64; // the store's statements are few and hot: prepare them
        }

        // No reset when a connection goes back to the pool: the reset is three statements (SET SESSION AUTHORIZATION
        // DEFAULT, RESET ALL, pg_advisory_unlock_all()) on every return, 4.7 % of the database's time in a drill's restore.
        // It is safe because nothing the product runs on a pooled connection leaves session state behind: settings are
        // transaction-local (SET LOCAL, set_config(..., true), SET TRANSACTION), temporary tables are ON COMMIT DROP, no
        // LISTEN or SET ROLE is used, and the session advisory locks (the migrator's, a plan run's, a backup scope's) are
        // released in a finally on the same connection. Roles and restore workers' step locks use unpooled connections.
        builder.NoResetOnClose = true;

        // The breaker's refusals carry their scope in DETAIL, which Npgsql hides unless asked for.
        builder.IncludeErrorDetail = true;
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "lifeboat";
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _context.DataSource.DisposeAsync();
            if (_context.OwnerDataSource is { } owner)
            {
                await owner.DisposeAsync();
            }
        }
    }

    private static string RequireActor(string actor) =>
        string.IsNullOrWhiteSpace(actor) || actor.Length > 200
            ? throw new StoreConfigurationException("an actor (who writes: a person or a service) is required, up to 200 characters.")
            : actor;
}
