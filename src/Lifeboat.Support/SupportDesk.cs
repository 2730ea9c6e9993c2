using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;
using Lifeboat.Support.Attachments;
using Lifeboat.Support.Inbound;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Matching;
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

    private TicketBook Book() => new(_context, Platform);

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
