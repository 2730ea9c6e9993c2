using Lifeboat.Communication.Events;
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

    private readonly CommsContext _context;
    private readonly bool _ownsDataSource;

    private CommunicationDesk(CommsContext context, LifeboatPlatform platform, IncidentDesk incidents, bool ownsDataSource)
    {
        _context = context;
        Platform = platform;
        Incidents = incidents;
        _ownsDataSource = ownsDataSource;
        Outbox = new CommsOutbox(context);
    }

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
    public static async Task<CommunicationDesk> OpenAsync(LifeboatPlatform platform, IncidentDesk incidents, CancellationToken cancellationToken = default)
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
        return new CommunicationDesk(new CommsContext(dataSource, store.TimeProvider, platform.Store.Actor), platform, incidents, ownsDataSource: true);
    }

    /// <summary>The same desk acting as <paramref name="actor"/>, with the incident desk acting as the same person.</summary>
    public CommunicationDesk WithActor(string actor)
    {
        var who = CommsContext.RequirePerson(actor, "the actor");
        return new CommunicationDesk(_context.WithActor(who), Platform.WithActor(who), Incidents.WithActor(who), ownsDataSource: false);
    }

    /// <summary>The same desk, acting as an authenticated <paramref name="principal"/>.</summary>
    public CommunicationDesk As(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return WithActor(principal.Login);
    }

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
