using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;
using Lifeboat.Support.Accounts;
using Lifeboat.Support.Figures;
using Lifeboat.Support.Attachments;
using Lifeboat.Support.Inbound;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Matching;
using Lifeboat.Support.Sla;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support;

/// <summary>
/// Support for customers who cannot sign in: a request from the public intake is stored at once as an unverified ticket, the
/// requester confirms their address with a one-time code or link, and the ticket then goes to the customer's account, sites and
/// incident, or to triage. Every open incident gets one ticket per affected site. The desk acts as the platform's actor (or the one
/// given with <see cref="WithActor"/>); permissions are the callers' to check (the server), as for the other desks.
/// </summary>
public sealed class SupportDesk : IAsyncDisposable
{
    public static readonly MigrationSource Migrations = new("support", typeof(SupportDesk).Assembly, "Lifeboat.Support.Schema.");

    /// <summary>The module a host names in <see cref="PlatformOptions.Modules"/> after <see cref="CommunicationDesk.Module"/>.</summary>
    public static readonly PlatformModule Module = new(Migrations,
    [
        new("support.tickets"),
        new("support.ticket_history"),
        new("support.verifications"),
        new("support.mails"),
        new("support.honeypot_hits"),
        new("support.sla_alerts"),
        new("support.inbound_messages"),
        new("support.attachments"),
    ]);

    private readonly SupportContext _context;
    private readonly bool _ownsDataSource;

    private SupportDesk(SupportContext context, LifeboatPlatform platform, SupportOptions options, bool ownsDataSource)
    {
        _context = context;
        Platform = platform;
        Options = options;
        _ownsDataSource = ownsDataSource;
    }

    public SupportOptions Options { get; }

    public string Actor => _context.Actor;

    internal LifeboatPlatform Platform { get; }

    internal SupportContext Context => _context;

    /// <summary>Opens the desk on the platform's database: applies the support schema's migrations as the owner role, then works as the application role.</summary>
    public static async Task<SupportDesk> OpenAsync(LifeboatPlatform platform, SupportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var settled = options ?? new SupportOptions();
        if (settled.VerificationKey.Length != VerificationSecrets.KeySize)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the verification key has {settled.VerificationKey.Length} bytes; it needs {VerificationSecrets.KeySize}.");
        }

        settled.Sla.Check();
        settled.Shifts.Check();
        var store = platform.Options.Store;
        if (store.Migrate)
        {
            await using var owner = TenantStore.CreateDataSource(store.OwnerConnectionString ?? store.ConnectionString);
            await SchemaMigrator.MigrateAsync(owner, [IncidentDesk.Migrations, Migrations], cancellationToken);
        }

        return new SupportDesk(new SupportContext(TenantStore.CreateDataSource(store.ConnectionString), store.TimeProvider, platform.Store.Actor), platform,
            settled, ownsDataSource: true);
    }

    /// <summary>The same desk acting as <paramref name="actor"/>.</summary>
    public SupportDesk WithActor(string actor) =>
        new(_context.WithActor(SupportContext.RequirePerson(actor, "the actor")), Platform.WithActor(actor), Options, ownsDataSource: false);

    public SupportDesk As(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return WithActor(principal.Login);
    }

    /// <summary>
    /// Takes a request from someone with no login: stored at once as an unverified ticket, and a code and a link mailed to the
    /// address. The answer is the same whatever the request matches. A bad field is refused naming it, storing nothing.
    /// </summary>
    public Task<IntakeReceipt> SubmitAsync(SupportRequest request, TicketChannel channel = TicketChannel.Form, CancellationToken cancellationToken = default) =>
        new RequestIntake(_context, Options).SubmitAsync(request, channel, cancellationToken);

    /// <summary>A request whose honeypot field was filled (a robot): answered like <see cref="SubmitAsync"/>, counted, nothing else stored.</summary>
    public Task<IntakeReceipt> SubmitHoneypotAsync(SupportRequest request, CancellationToken cancellationToken = default) =>
        new RequestIntake(_context, Options).HoneypotAsync(request, cancellationToken);

    /// <summary>Confirms the request's address with the code of the mail, and routes the ticket.</summary>
    public Task<VerifiedRequest> VerifyCodeAsync(TicketId request, string? code, CancellationToken cancellationToken = default) =>
        Verification().ByCodeAsync(request, code, cancellationToken);

    /// <summary>Confirms an address with the link of the mail (its token), and routes the ticket.</summary>
    public Task<VerifiedRequest> VerifyLinkAsync(string? token, CancellationToken cancellationToken = default) =>
        Verification().ByLinkAsync(token, cancellationToken);

    /// <summary>What a request for <paramref name="email"/> about <paramref name="site"/> matches (accounts, hints, sites, incidents).</summary>
    public Task<IntakeMatch> MatchAsync(string email, string? site, CancellationToken cancellationToken = default) =>
        new IntakeMatcher(_context).MatchAsync(email, site, cancellationToken);

    /// <summary>Makes each open incident's missing tickets, one per affected site (of <paramref name="incident"/> only, when given); returns how many.</summary>
    public Task<int> OpenIncidentTicketsAsync(IncidentId? incident = null, CancellationToken cancellationToken = default) =>
        new IncidentTickets(_context, Platform).EnsureAsync(incident, cancellationToken);

    public Task<TicketView> GetTicketAsync(TicketId ticket, CancellationToken cancellationToken = default) =>
        Book().GetAsync(ticket, cancellationToken);

    /// <summary>Confirmed tickets, newest first, of a queue and/or an account.</summary>
    public Task<IReadOnlyList<Ticket>> TicketsAsync(TicketQueue? queue = null, AccountId? account = null, int limit = 100, CancellationToken cancellationToken = default) =>
        Book().ListAsync(queue, account, limit, cancellationToken);

    /// <summary>Links a ticket nobody's account holds yet (triage) to <paramref name="account"/>, with why.</summary>
    public Task<TicketView> LinkTicketAsync(TicketId ticket, AccountId account, string? reason = null, CancellationToken cancellationToken = default) =>
        Book().LinkAsync(ticket, account, reason, cancellationToken);

    public Task<TicketView> AddMessageAsync(TicketId ticket, string? text, CancellationToken cancellationToken = default) =>
        Book().AddMessageAsync(ticket, text, cancellationToken);

    /// <summary>Confirmed tickets, newest first, by queue, account and owner (a team's open work) together.</summary>
    public Task<IReadOnlyList<Ticket>> TicketsAsync(TicketFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Book().ListAsync(filter with { Owner = filter.Owner is null ? null : Options.Shifts.Team(filter.Owner) }, cancellationToken);
    }

    /// <summary>
    /// One pass of the SLA clocks and the shifts, by the desk's clock: starts the clocks of new work, gives each open ticket the owner
    /// the shift table says (writing each hand-off in its history), and fires the reminders and breaches that are due, each once.
    /// </summary>
    public Task<ClockPass> RunClocksAsync(CancellationToken cancellationToken = default) =>
        new SupportClocks(_context, Options).RunAsync(cancellationToken);

    /// <summary>The newest SLA alerts (of one ticket, when given), newest first.</summary>
    public Task<IReadOnlyList<SlaAlert>> SlaAlertsAsync(TicketId? ticket = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > TicketBook.MaxList)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"limit {limit} is out of range: list 1 to {TicketBook.MaxList} alerts at a time.");
        }

        return SlaAlerts.RecentAsync(_context, ticket, limit, cancellationToken);
    }

    /// <summary>The team on duty now, and every team on shift (the one on duty first).</summary>
    public IReadOnlyList<string> OnShiftNow() => Options.Shifts.OnShift(_context.Time.GetUtcNow());

    /// <summary>
    /// The account view (customer 360): the account, its sites and their states, its incidents with restore progress and data loss
    /// (<paramref name="comms"/>'s figures), its tickets and tasks, the updates mailed to it, its contacts and their history, its SLA alerts.
    /// </summary>
    public Task<AccountOverview> AccountOverviewAsync(AccountId account, CommunicationDesk comms, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(comms);
        return new AccountOverviewReading(_context, Platform).ReadAsync(account, comms, cancellationToken);
    }

    /// <summary>The account's tickets as its customer sees them through their own link: subject, state, last message; nothing else.</summary>
    public Task<IReadOnlyList<CustomerTicket>> CustomerTicketsAsync(AccountId account, CancellationToken cancellationToken = default) =>
        new CustomerTickets(_context).OfAsync(account, cancellationToken);

    /// <summary>An incident's tickets per channel and their SLA breaches, for its retrospective.</summary>
    public Task<IncidentSupportFigures> IncidentFiguresAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new IncidentSupportFigureReading(_context).ReadAsync(incident, cancellationToken);


    /// <summary>
    /// Takes a mail to the support address (its raw bytes, as the SMTP listener received them): a ticket with channel email, or a
    /// message on the ticket its subject names; stored in one transaction with its Message-ID, so a second delivery makes nothing.
    /// </summary>
    public Task<InboundReceipt> ReceiveMailAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken = default) =>
        new InboundMailIntake(_context, Routing()).ReceiveAsync(raw, cancellationToken);

    /// <summary>The files of a ticket: stored ones with their type and size, refused ones with why.</summary>
    public Task<IReadOnlyList<TicketAttachment>> AttachmentsAsync(TicketId ticket, CancellationToken cancellationToken = default) =>
        TicketAttachments.OfAsync(_context, ticket, cancellationToken);

    /// <summary>A stored attachment's bytes, for staff to download.</summary>
    public Task<AttachmentContent> AttachmentAsync(TicketId ticket, int number, CancellationToken cancellationToken = default) =>
        TicketAttachments.ContentAsync(_context, ticket, number, cancellationToken);

    private TicketRouting Routing() => new(_context, Platform, new IntakeMatcher(_context), new IncidentTickets(_context, Platform));

    private TicketBook Book() => new(_context, Platform, Options.Sla);

    private RequestVerification Verification()
    {
        return new RequestVerification(_context, Options, Routing());
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _context.DataSource.DisposeAsync();
        }
    }
}
