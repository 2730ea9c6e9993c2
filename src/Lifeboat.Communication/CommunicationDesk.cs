using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Customers;
using Lifeboat.Communication.Events;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Progress;
using Lifeboat.Communication.StatusPages;
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
        new("comms.customer_links"),
        new("comms.progress_marks"),
        new("comms.messages"),
        new("comms.subscriptions"),
        new("comms.subscription_tokens"),
        new("comms.webhooks"),
        new("comms.webhook_events"),
        new("comms.webhook_deliveries"),
        new("comms.webhook_attempts"),
        new("comms.restore_progress"),
        new("comms.restore_progress_sites"),
        new("comms.chat_posts"),
        new("comms.chat_attempts"),
    ]);

    /// <summary>Who the product's own drafts (from the restore's progress) are by.</summary>
    public const string ProductActor = "lifeboat";

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

        if (published.Audience == UpdateAudience.Public && Options.StatusFolder is not null)
        {
            try
            {
                await RenderStatusPageAsync(cancellationToken);
            }
            catch (IOException e)
            {
                // The update is out; the page keeps its last state until the next render (the server renders again on start and on every publish).
                await Incidents.NoteAsync(incident, $"the status page could not be rendered after update {published.Number}: {e.Message}", cancellationToken);
            }
        }

        return published;
    }

    /// <summary>What the public status page shows now.</summary>
    public Task<StatusSnapshot> StatusAsync(CancellationToken cancellationToken = default) =>
        new StatusReading(_context, Platform, Incidents).ReadAsync(cancellationToken);

    /// <summary>Renders the status page into <see cref="CommunicationOptions.StatusFolder"/> (HTML, JSON, Atom); refuses when there is none.</summary>
    public async Task<StatusSnapshot> RenderStatusPageAsync(CancellationToken cancellationToken = default)
    {
        var folder = Options.StatusFolder ?? throw new PlatformException(PlatformErrorKind.Conflict,
            "this desk has no status folder (CommunicationOptions.StatusFolder): the server renders into <home>/status.");
        var snapshot = await StatusAsync(cancellationToken);
        StatusPageWriter.Write(folder, snapshot);
        return snapshot;
    }

    /// <summary>
    /// Issues a capability link to <paramref name="account"/>'s own page of the incident (at most 90 days; 14 by default). The
    /// token is in the returned link only: send it to the customer's key contacts.
    /// </summary>
    public async Task<CustomerLink> IssueCustomerLinkAsync(IncidentId incident, string account, TimeSpan? life = null, CancellationToken cancellationToken = default)
    {
        var scope = await Customers.ScopeAsync(account, (await Incidents.GetAsync(incident, cancellationToken)).Sites, cancellationToken);
        if (scope.Sites.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"no site of account {scope.Account} ({scope.Name}) is affected by incident {incident}: a customer page is for a customer the incident affects. Nothing was issued.");
        }

        return await Links().IssueAsync(incident, scope.Account, life, cancellationToken);
    }

    /// <summary>Revokes every active link of the account for the incident and issues a new one (a contact lost theirs, or it leaked).</summary>
    public async Task<CustomerLink> ReissueCustomerLinkAsync(IncidentId incident, string account, string reason, CancellationToken cancellationToken = default)
    {
        var now = _context.Time.GetUtcNow();
        foreach (var active in (await Links().OfIncidentAsync(incident, account, cancellationToken)).Where(l => l.ActiveAt(now)))
        {
            await Links().RevokeAsync(incident, active.Id, $"re-issued: {reason}", cancellationToken);
        }

        return await IssueCustomerLinkAsync(incident, account, null, cancellationToken);
    }

    public Task<CustomerLink> RevokeCustomerLinkAsync(IncidentId incident, string link, string reason, CancellationToken cancellationToken = default) =>
        Links().RevokeAsync(incident, link, reason, cancellationToken);

    /// <summary>The incident's customer links, newest first (tokens are not kept, so none is shown).</summary>
    public Task<IReadOnlyList<CustomerLink>> CustomerLinksAsync(IncidentId incident, string? account = null, CancellationToken cancellationToken = default) =>
        Links().OfIncidentAsync(incident, account, cancellationToken);

    /// <summary>The page a link opens, read live; refuses a forged, altered, expired or revoked link saying which.</summary>
    public async Task<CustomerPage> CustomerPageAsync(string token, CancellationToken cancellationToken = default)
    {
        var link = await Links().CheckAsync(token, cancellationToken);
        var incident = await Incidents.GetAsync(link.Incident, cancellationToken);
        var scope = await Customers.ScopeAsync(link.Account, incident.Sites, cancellationToken);
        var figures = (await new FigureReading(Platform, Incidents, _context.Time).ReadAsync(incident.Id, null, cancellationToken)).ForSites(scope.Sites);
        var updates = (await UpdatesAsync(incident.Id, publishedOnly: true, cancellationToken))
            .Where(u => u.Audience == UpdateAudience.Public || (u.Audience == UpdateAudience.Customer && u.Account == scope.Account)).ToList();
        var title = updates.FirstOrDefault(u => u.Audience == UpdateAudience.Public) is { } p && p.Subject.StartsWith(p.Label, StringComparison.Ordinal)
            ? p.Subject[p.Label.Length..].Trim() : "Service incident";
        return new CustomerPage(incident.Id, scope.Account, scope.Name, title, figures, updates, link.ExpiresAt);
    }

    /// <summary>
    /// Drafts what the incident's progress calls for and has not been drafted yet (each phase, every further 10% restored, each
    /// customer whose sites are all back); publishes them too only when the incident type's runbook says so. Returns the updates.
    /// </summary>
    public Task<IReadOnlyList<IncidentUpdate>> DraftFromProgressAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new ProgressDrafting(_context, this).RunAsync(incident, cancellationToken);

    internal Task<IncidentUpdate> DraftByProductAsync(IncidentId incident, UpdateDraft draft, CancellationToken ct) =>
        Drafting().DraftAsync(incident, draft, UpdateOrigin.Progress, ct);

    internal async Task<IncidentUpdate> PublishByRunbookAsync(IncidentId incident, int number, string runbook, CancellationToken ct)
    {
        await Review().ApproveByRunbookAsync(incident, number, runbook, ct);
        return await PublishUpdateAsync(incident, number, ct);
    }

    private CustomerLinks Links() => new(_context, Options.LinkKey);

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

    #region Channels: e-mail and subscriptions, webhooks, chat

    /// <summary>The e-mail channel (and subscriptions) with <paramref name="options"/>: fan-out, sender, bounces, the message log.</summary>
    public Mail.MailChannel Mail(Mail.MailOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Mail.MailChannel(this, options);
    }

    /// <summary>Webhooks with <paramref name="options"/>: registration, the events of both outboxes, signed deliveries with retries and their log.</summary>
    public Webhooks.WebhookChannel Webhooks(Webhooks.WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Webhooks.WebhookChannel(this, options);
    }

    /// <summary>Chat with <paramref name="options"/>: published internal updates posted to the incident's chat webhooks.</summary>
    public Chat.ChatChannel Chat(Chat.ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Chat.ChatChannel(this, options);
    }

    #endregion
}
