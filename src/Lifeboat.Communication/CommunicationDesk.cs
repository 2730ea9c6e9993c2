using Lifeboat.Communication.Customers;
using Lifeboat.Communication.Events;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;

namespace Lifeboat.Communication;

/// <summary>
/// Customer communication over incident command: updates drafted from templates bound to the live restore
/// figures, reviewed by two people, published to the status page, the customers' own pages, e-mail, webhooks
/// and chat. It acts as the platform's actor (or the one given with <see cref="WithActor"/>) and records it;
/// permissions are the callers' to check (the server and the CLI), as for the incident desk.
/// </summary>
public sealed class CommunicationDesk : IAsyncDisposable
{
    public static readonly MigrationSource Migrations = new("comms", typeof(CommunicationDesk).Assembly, "Lifeboat.Communication.Schema.");

    /// <summary>The module a host names in <see cref="PlatformOptions.Modules"/> after <see cref="IncidentDesk.Module"/> (its tables refer to incidents).</summary>
    public static readonly PlatformModule Module = new(Migrations,
    [
        new("comms.updates"),
        new("comms.events"),
        new("comms.event_cursors"),
    ]);

    private readonly CommsContext _context;
    private readonly bool _ownsDataSource;

    private CommunicationDesk(CommsContext context, LifeboatPlatform platform, IncidentDesk incidents, CommunicationOptions options, bool ownsDataSource)
    {
        _context = context;
        Platform = platform;
        Incidents = incidents;
        Options = options;
        _ownsDataSource = ownsDataSource;
        Outbox = new CommsOutbox(context);
        Customers = new AccountCustomers(platform);
    }

    public CommunicationOptions Options { get; }

    internal ICustomerDirectory Customers { get; }

    public string Actor => _context.Actor;

    internal CommsContext Context => _context;

    internal LifeboatPlatform Platform { get; }

    internal IncidentDesk Incidents { get; }

    /// <summary>The module's outbox, read by the channels (mail, webhooks, status pages) each from its own cursor.</summary>
    public CommsOutbox Outbox { get; }

    /// <summary>
    /// Opens the desk on the platform's database: applies the comms schema's migrations as the owner role (after the
    /// incidents schema, which it refers to), then works as the application role through a pool of its own.
    /// </summary>
    public static async Task<CommunicationDesk> OpenAsync(LifeboatPlatform platform, IncidentDesk incidents, CommunicationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(incidents);
        var store = platform.Options.Store;
        if (store.Migrate)
        {
            await using var owner = TenantStore.CreateDataSource(store.OwnerConnectionString ?? store.ConnectionString);
            await SchemaMigrator.MigrateAsync(owner, [IncidentDesk.Migrations, Migrations], cancellationToken);
        }

        var dataSource = TenantStore.CreateDataSource(store.ConnectionString);
        return new CommunicationDesk(new CommsContext(dataSource, store.TimeProvider, platform.Store.Actor), platform, incidents, options ?? new CommunicationOptions(), ownsDataSource: true);
    }

    /// <summary>The same desk acting as <paramref name="actor"/>, with the incident desk acting as the same person.</summary>
    public CommunicationDesk WithActor(string actor)
    {
        var who = CommsContext.RequirePerson(actor, "the actor");
        return new CommunicationDesk(_context.WithActor(who), Platform.WithActor(who), Incidents.WithActor(who), Options, ownsDataSource: false);
    }

    /// <summary>The same desk, acting as an authenticated <paramref name="principal"/>.</summary>
    public CommunicationDesk As(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return WithActor(principal.Login);
    }

    /// <summary>The incident's recovery figures now: what an update drafted now would be bound to.</summary>
    public async Task<RecoveryFigures> FiguresAsync(IncidentId incident, CancellationToken cancellationToken = default)
    {
        var sites = (await Incidents.GetAsync(incident, cancellationToken)).Sites;
        return await new FigureReading(Platform, Incidents, _context.Time).ReadAsync(incident, await Customers.AccountsOfAsync(sites, cancellationToken), cancellationToken);
    }

    /// <summary>Drafts an update bound to the figures of now; it waits for review (<see cref="ApproveUpdateAsync"/>, <see cref="DoubleCheckUpdateAsync"/>).</summary>
    public Task<IncidentUpdate> DraftUpdateAsync(IncidentId incident, UpdateDraft draft, CancellationToken cancellationToken = default) =>
        Drafting().DraftAsync(incident, draft, UpdateOrigin.Person, cancellationToken);

    /// <summary>The communications lead or the commander (holder or backup) approves a draft.</summary>
    public Task<IncidentUpdate> ApproveUpdateAsync(IncidentId incident, int number, CancellationToken cancellationToken = default) =>
        Review().ApproveAsync(incident, number, cancellationToken);

    /// <summary>Another person than the approver reads the approved update before it can go out.</summary>
    public Task<IncidentUpdate> DoubleCheckUpdateAsync(IncidentId incident, int number, CancellationToken cancellationToken = default) =>
        Review().DoubleCheckAsync(incident, number, cancellationToken);

    public Task<IncidentUpdate> WithdrawUpdateAsync(IncidentId incident, int number, string reason, CancellationToken cancellationToken = default) =>
        Review().WithdrawAsync(incident, number, reason, cancellationToken);

    /// <summary>
    /// Publishes an approved, double-checked update: it never changes again. A customer-facing one goes on the incident's
    /// timeline as a customer update (the customers' cadence starts again), an internal one as a note; the status page is
    /// rendered again at once when it is public. The channels (mail, webhooks, chat) take it from the outbox.
    /// </summary>
    public async Task<IncidentUpdate> PublishUpdateAsync(IncidentId incident, int number, CancellationToken cancellationToken = default)
    {
        var published = await Review().PublishAsync(incident, number, cancellationToken);
        var record = $"update {published.Number} ({published.Audience.ToString().ToLowerInvariant()}{(published.Account is { } a ? " " + a : "")}) published: {published.Subject}";
        if (published.Audience == UpdateAudience.Internal)
        {
            await (published.Stream is { } stream
                ? Incidents.StreamUpdateAsync(incident, stream, record, cancellationToken)
                : Incidents.NoteAsync(incident, record, cancellationToken));
        }
        else
        {
            await Incidents.RecordCustomerUpdateAsync(incident, record, cancellationToken);
        }

        return published;
    }

    private UpdateDrafting Drafting() =>
        new(_context, Options, Incidents, new FigureReading(Platform, Incidents, _context.Time), Customers, Outbox);

    private UpdateReview Review() => new(_context, Incidents, Outbox);

    public Task<IncidentUpdate> GetUpdateAsync(IncidentId incident, int number, CancellationToken cancellationToken = default) =>
        new UpdateBook(_context).GetAsync(incident, number, cancellationToken);

    /// <summary>An incident's updates, newest first (only the published ones when <paramref name="publishedOnly"/>).</summary>
    public Task<IReadOnlyList<IncidentUpdate>> UpdatesAsync(IncidentId incident, bool publishedOnly = false, CancellationToken cancellationToken = default) =>
        new UpdateBook(_context).OfIncidentAsync(incident, publishedOnly, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _context.DataSource.DisposeAsync();
        }
    }
}
