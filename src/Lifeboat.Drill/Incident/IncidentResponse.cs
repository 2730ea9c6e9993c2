using System.Globalization;
using System.Text.RegularExpressions;
using System.Security.Cryptography;
using Lifeboat.Communication;
using Lifeboat.Communication.Mail;
using Lifeboat.Communication.Updates;
using Lifeboat.Drill.Report;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Detection;
using Lifeboat.Retrospectives;
using Lifeboat.Support;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Drill.Incident;

/// <summary>
/// The people's half of the drill: the damage becomes an incident as production's would (the platform's signals, read by
/// <see cref="PlatformSignals"/>), a commander and a backup take it, the runbook's checklist is posted and changes are frozen;
/// the first public update goes out through the review step (the communications lead approves, the commander double-checks),
/// every affected customer's key contacts are mailed with their own page and the drill counts what the mail server delivered;
/// a customer whose login went with their site files with only an address and the old URL; the restore drives the product's
/// drafts (each reviewed, then published); the commander hands over to the backup mid-restore; the incident resolves and
/// its retrospective is drafted. Every step runs on the same desks the server and the CLI use.
/// </summary>
internal sealed partial class IncidentResponse : IAsyncDisposable
{
    public const string Commander = "drill-commander";
    public const string BackupCommander = "drill-commander-2";
    public const string CommunicationsLead = "drill-comms";
    public const string SupportAgent = "drill-support";

    /// <summary>Where a drill's customers are told to reach Lifeboat: its links are checked, never opened, so the address only has to be well formed.</summary>
    public const string PublicUrl = "http://127.0.0.1:5080";

    private readonly LifeboatPlatform _platform;
    private readonly IReadOnlyDictionary<string, Principal> _people;
    private readonly DrillMailbox? _mailbox;
    private readonly IDrillObserver _observer;
    private readonly TimeProvider _time;
    private readonly IncidentDesk _incidents;
    private readonly IncidentDesk _incidentsOpened;
    private readonly CommunicationDesk _comms;
    private readonly SupportDesk _support;
    private readonly RetrospectiveDesk _retro;
    private readonly MailOptions _mail;
    private readonly TimeSpan _deliveryWait;
    private string _commander = Commander;
    private int _remindersFired;
    private IncidentUpdate? _acknowledgement;

    /// <summary>The accounts owning a deleted site: the customers who must be reached (an incident may list more sites, such as a plan's untouched targets).</summary>
    private HashSet<string> _affected = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    private IncidentResponse(LifeboatPlatform platform, IReadOnlyDictionary<string, Principal> people, DrillMailbox? mailbox, IDrillObserver observer,
        IncidentDesk incidents, CommunicationDesk comms, SupportDesk support, RetrospectiveDesk retro, MailOptions mail, TimeSpan deliveryWait)
    {
        _deliveryWait = deliveryWait;
        _incidentsOpened = incidents;
        _platform = platform;
        _people = people;
        _mailbox = mailbox;
        _observer = observer;
        _time = platform.Options.Store.TimeProvider;
        _incidents = incidents.WithRolePermissions();
        _comms = comms;
        _support = support;
        _retro = retro;
        _mail = mail;
    }

    /// <summary>The people of the incident, with the roles their part needs.</summary>
    public static IReadOnlyList<(string Login, string Role)> People { get; } =
    [
        (Commander, Roles.IncidentCommander), (BackupCommander, Roles.IncidentCommander), (CommunicationsLead, Roles.Communications), (SupportAgent, Roles.Support),
    ];

    public IncidentId? Incident { get; private set; }

    public IncidentFigures Figures { get; private set; } = new();

    /// <summary>The retrospective's Markdown, written beside the report.</summary>
    public string? RetrospectiveMarkdown { get; private set; }

    public static async Task<IncidentResponse> OpenAsync(LifeboatPlatform platform, IReadOnlyDictionary<string, Principal> people, DrillMailbox? mailbox, DrillOptions options,
        IDrillObserver observer, CancellationToken ct)
    {
        var runbooks = options.RunbookFolder;
        var incidents = runbooks is not null
            ? await IncidentDesk.OpenAsync(platform, new IncidentDeskOptions { RunbookFolder = runbooks }, ct)
            : await IncidentDesk.OpenAsync(platform, ct);
        var mail = new MailOptions
        {
            Host = mailbox?.Host ?? "127.0.0.1", Port = mailbox?.Port ?? 25, From = "status@vendor.example.com", FromName = "Lifeboat drill", PublicUrl = new Uri(PublicUrl + "/"),
            RetryAfter = TimeSpan.FromSeconds(2), MaxRetryDelay = TimeSpan.FromSeconds(10),
        };
        var comms = await CommunicationDesk.OpenAsync(platform, incidents.WithRolePermissions(),
            new CommunicationOptions { LinkKey = RandomNumberGenerator.GetBytes(32) }.AtPublicUrl(PublicUrl, "the drill's public address"), ct);
        var support = await SupportDesk.OpenAsync(platform, new SupportOptions { Mail = mail }, ct);
        var retro = await RetrospectiveDesk.OpenAsync(platform, incidents, comms,
            new RetrospectiveOptions { FigureSources = [new Retrospectives.Drafting.SupportFigureSource(support)] }, ct);
        return new IncidentResponse(platform, people, mailbox, observer, incidents, comms, support, retro, mail, options.DeliveryWait)
        {
            Figures = new IncidentFigures { MailServer = mailbox?.Server ?? "none: no mail server answered on 127.0.0.1:25 and smtp-sink is not installed (bash scripts/setup.sh postfix)" },
        };
    }

    private IncidentDesk IncidentsAs(string login, string permission)
    {
        var who = _people[login];
        who.Require(permission);
        return _incidents.As(who).WithSource("drill");
    }

    private CommunicationDesk CommsAs(string login)
    {
        var who = _people[login];
        who.Require(Permissions.IncidentsDeclare);
        return _comms.As(who);
    }

    /// <summary>
    /// Act 2's aftermath: the platform's signals declare the incident (or, with no signal, the commander declares it from the
    /// plan), every deleted site is tracked on it, the commander and a backup are named, changes are frozen.
    /// </summary>
    public async Task DeclareAsync(Alert? alert, PlanId plan, IReadOnlyCollection<SiteId> deleted, CancellationToken ct)
    {
        IncidentId? declared = null;
        while (await PlatformSignals.TakeNextAsync(_platform, _incidents, (_, outcome) => declared ??= outcome.Incident.Id, ct) > 0)
        {
        }

        var incident = declared is { } id
            ? await _incidents.GetAsync(id, ct)
            : await IncidentsAs(Commander, Permissions.IncidentsDeclare).DeclareAsync(new IncidentDeclaration
            {
                Title = $"{deleted.Count} sites deleted by the cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Plan = plan, Sites = [.. deleted],
            }, ct);
        Incident = incident.Id;
        await _incidents.WithActor(Commander).TrackSitesAsync(incident.Id, [.. deleted], ct);
        var command = IncidentsAs(Commander, Permissions.IncidentsCommand);
        await command.AssignAsync(incident.Id, IncidentRole.Commander, Commander, cancellationToken: ct);
        await command.AssignAsync(incident.Id, IncidentRole.Commander, BackupCommander, RoleSlot.Backup, ct);
        await command.AssignAsync(incident.Id, IncidentRole.CommunicationsLead, CommunicationsLead, cancellationToken: ct);
        await command.AssignAsync(incident.Id, IncidentRole.SupportLead, SupportAgent, cancellationToken: ct);
        if (await command.FreezeOfAsync(incident.Id, ct) is null)
        {
            await command.FreezeAsync(incident.Id, "the drill's incident: no other change runs while the sites are restored", ct);
        }

        await EvidenceAsync(ct);
        var checklist = await _incidents.ChecklistAsync(incident.Id, ct);
        Figures = Figures with
        {
            Incident = incident.Id.Value,
            Title = incident.Title,
            DeclaredAt = incident.DeclaredAt,
            DeclaredBy = declared is null ? Commander : incident.DeclaredBy,
            DeclareSeconds = alert is null ? null : Math.Max(0, (incident.DeclaredAt - alert.DetectedAt).TotalSeconds),
            Commander = Commander,
            BackupCommander = BackupCommander,
            ChecklistItems = checklist.Count,
            FreezeOn = await _incidents.FreezeOfAsync(incident.Id, ct) is not null,
        };
        _observer.Note($"Incident {incident.Id} declared by {Figures.DeclaredBy}: commander {Commander}, backup {BackupCommander}; " +
            (checklist.Count > 0 ? $"the runbook's checklist of {checklist.Count} items posted" : $"no checklist (no runbook for the type {incident.Type})") + "; changes frozen.");
    }

    /// <summary>
    /// The first public update, drafted by the product from the incident's phase and published through the review step, then
    /// handed to the mail server for every affected customer's key contacts, each with their own page.
    /// </summary>
    public async Task AcknowledgeAsync(Alert? alert, CancellationToken ct)
    {
        var id = Incident!.Value;
        var published = await PublishDraftsAsync(ct);
        var first = published.Where(u => u.Audience == UpdateAudience.Public).MinBy(u => u.PublishedAt);
        if (first is null)
        {
            // The product drafted nothing (a phase past Investigating already): the communications lead writes it.
            var drafted = await CommsAs(CommunicationsLead).DraftUpdateAsync(id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Investigating }, ct);
            first = await ReviewAndPublishAsync(drafted, ct);
        }

        _acknowledgement = first;
        // The company hears it from the incident too (the runbook's "tell the company"): support answers from the same facts.
        var internalNote = await CommsAs(CommunicationsLead).DraftUpdateAsync(id, new UpdateDraft
        {
            Audience = UpdateAudience.Internal, Phase = UpdatePhase.Investigating,
            Message = "Customers' sites were deleted by a cleanup script; the breaker stopped it and the restore is starting. Customers are told on the status page and by mail, each with their own page; send their questions to support, who file them on this incident.",
        }, ct);
        await ReviewAndPublishAsync(internalNote, ct);
        await EvidenceAsync(ct);
        await SendMailAsync(ct);
        Figures = Figures with
        {
            FirstPublicUpdate = first.Subject,
            FirstPublicUpdateAt = first.PublishedAt,
            FirstPublicUpdateSeconds = alert is not null && first.PublishedAt is { } p ? Math.Max(0, (p - alert.DetectedAt).TotalSeconds) : null,
        };
        _observer.Note($"First public update \"{first.Subject}\" published through review {Seconds(Figures.FirstPublicUpdateSeconds)} after detection, and handed to the mail server for every affected customer's key contacts.");
    }

    /// <summary>Waits for the mail server to deliver the first public update; a customer is reached when a message to one of its key contacts was delivered.</summary>
    public async Task CountReachedAsync(Alert? alert, IReadOnlyCollection<SiteId> deleted, CancellationToken ct)
    {
        var id = Incident!.Value;
        _affected = [.. (await _platform.Accounts.AccountsOfSitesAsync(deleted, ct)).Values.Select(a => a.Id.Value).Distinct(StringComparer.Ordinal)];
        var reached = await WaitForDeliveryAsync(_acknowledgement!, ct);
        var links = await _comms.CustomerLinksAsync(id, cancellationToken: ct);
        Figures = Figures with
        {
            CustomersAffected = reached.Affected,
            CustomersReached = reached.Reached,
            EveryCustomerReachedAt = reached.EveryoneAt,
            EveryCustomerReachedSeconds = alert is not null && reached.EveryoneAt is { } e ? Math.Max(0, (e - alert.DetectedAt).TotalSeconds) : null,
            CustomerPagesIssued = links.Select(l => l.Account).Distinct(StringComparer.Ordinal).Count(),
        };
        _observer.Note($"{reached.Reached} of {reached.Affected} affected customers reached by mail, each with their own page" +
            (reached.EveryoneAt is null ? "." : $"; the last {Seconds(Figures.EveryCustomerReachedSeconds)} after detection."));
    }

    /// <summary>
    /// A customer whose admin login went with the site files with only an e-mail address and the old URL, reads the code from the
    /// mail the mail server delivered, confirms it, and the drill checks the ticket landed on their account, site and incident.
    /// </summary>
    public async Task SupportAsync(IReadOnlyList<SiteId> deleted, CancellationToken ct)
    {
        var id = Incident!.Value;
        var agent = _people[SupportAgent];
        agent.Require(Permissions.SupportWrite);
        var desk = _support.As(agent);
        var incidentTickets = await desk.OpenIncidentTicketsAsync(id, ct);
        var owners = await _platform.Accounts.AccountsOfSitesAsync(deleted, ct);
        (SiteId Site, CustomerAccount Account, Platform.Catalog.SiteDirectoryEntry Entry, KeyContact Admin)? pick = null;
        foreach (var site in deleted.Where(owners.ContainsKey))
        {
            var view = await _platform.Accounts.ViewAsync(owners[site].Id, ct);
            var entry = view.Sites.FirstOrDefault(s => s.Site.Id == site)?.Site;
            var admin = view.KeyContacts.Where(c => c.Email is not null).OrderBy(c => c.Role == ContactRole.Admin ? 0 : 1).FirstOrDefault();
            if (entry is { Internal: false } && admin is not null)
            {
                pick = (site, owners[site], entry, admin);
                break;
            }
        }

        if (pick is not { } chosen)
        {
            Figures = Figures with { IncidentTickets = incidentTickets, Support = new SupportFigures(false, false, null, null, "no deleted site belongs to a customer with a key contact") };
            return;
        }

        var email = chosen.Admin.Email!;
        var oldUrl = OldUrlOf(chosen.Entry.Name);
        var asked = _time.GetUtcNow();
        var receipt = await _support.SubmitAsync(new SupportRequest(email, chosen.Account.Name, oldUrl,
            "Our site is gone and our admin login no longer works. Please restore it; we cannot sign in to file this."), TicketChannel.Form, ct);
        var code = await WaitForCodeAsync(email, asked, ct);
        string? problem = null;
        var matched = false;
        if (code is null)
        {
            problem = $"the verification mail to {email} was not delivered within {_deliveryWait.TotalSeconds:0} s";
        }
        else
        {
            await _support.VerifyCodeAsync(receipt.Request, code, ct);
            var ticket = (await _support.GetTicketAsync(receipt.Request, ct)).Ticket;
            var landed = ticket.MergedInto is { } merged ? (await _support.GetTicketAsync(merged, ct)).Ticket : ticket;
            matched = landed.Account == chosen.Account.Id && landed.Sites.Contains(chosen.Site) && landed.Incident == id;
            problem = matched ? null : $"ticket {landed.Id} landed on account {landed.Account?.Value ?? "none (triage)"}, sites [{string.Join(", ", landed.Sites)}], incident {landed.Incident?.Value ?? "none"}";
            Figures = Figures with { SupportTicket = landed.Id.Value };
        }

        var seconds = (_time.GetUtcNow() - asked).TotalSeconds;
        Figures = Figures with { IncidentTickets = incidentTickets, Support = new SupportFigures(true, matched, seconds, email, problem) };
        _observer.Note(matched
            ? $"Support: {email} filed with only the address and {oldUrl}, confirmed the mailed code, and ticket {Figures.SupportTicket} is on {chosen.Account.Id}, {chosen.Site} and {id} ({seconds:0.0} s)."
            : $"Support: {email}'s request did not land where it belongs: {problem}.");
    }

    /// <summary>The incident moves to restoring when the job starts; the product drafts its first restoring update.</summary>
    public async Task RestoreStartedAsync(CancellationToken ct)
    {
        var id = Incident!.Value;
        var command = IncidentsAs(_commander, Permissions.IncidentsCommand);
        for (var phase = (await _incidents.GetAsync(id, ct)).Phase + 1; phase <= IncidentPhase.Restoring; phase++)
        {
            await command.MovePhaseAsync(id, phase, cancellationToken: ct);
        }

        await PublishDraftsAsync(ct);
        await SendMailAsync(ct);
    }

    /// <summary>
    /// While the restore runs: the product's progress drafts ([Restoring N%], each customer's "your sites are back"), each
    /// reviewed and published; the commander hands over to the backup once, and the backup acknowledges.
    /// </summary>
    public async Task RestoreProgressAsync(bool handOver, CancellationToken ct)
    {
        var id = Incident!.Value;
        await EvidenceAsync(ct);
        await PublishDraftsAsync(ct, cadence: true);
        await SendMailAsync(ct);
        if (handOver && Figures.Handoff is null)
        {
            var handed = await IncidentsAs(Commander, Permissions.IncidentsCommand).HandOffAsync(id, IncidentRole.Commander, BackupCommander,
                "Restore running: sites coming back in order; drafts reviewed as they come; freeze stays on until every site is validated.", cancellationToken: ct);
            var acknowledged = await IncidentsAs(BackupCommander, Permissions.IncidentsCommand).AcknowledgeHandoffAsync(id, handed.Id, ct);
            _commander = BackupCommander;
            Figures = Figures with { Handoff = new HandoffFigures(handed.From, handed.To, handed.HandedAt, acknowledged.AcknowledgedAt) };
            _observer.Note($"Handoff: {handed.From} handed command to {handed.To}, acknowledged {((acknowledged.AcknowledgedAt ?? handed.HandedAt) - handed.HandedAt).TotalSeconds:0.0} s later.");
        }
    }

    /// <summary>
    /// Every site back: the last drafts published, the freeze lifted, the incident resolved ([Recovered]), the mail delivered and
    /// counted, and the retrospective drafted (marked as a drill's).
    /// </summary>
    public async Task CloseAsync(DateTimeOffset? firstDeletion, bool everySiteBack, CancellationToken ct)
    {
        var id = Incident!.Value;
        await EvidenceAsync(ct);
        await PublishDraftsAsync(ct);
        var command = IncidentsAs(_commander, Permissions.IncidentsCommand);
        if (everySiteBack)
        {
            if (await _incidents.FreezeOfAsync(id, ct) is not null)
            {
                await command.LiftFreezeAsync(id, "every site restored and validated", ct);
            }

            for (var phase = (await _incidents.GetAsync(id, ct)).Phase + 1; phase <= IncidentPhase.Resolved; phase++)
            {
                await command.MovePhaseAsync(id, phase, cancellationToken: ct);
                await PublishDraftsAsync(ct);
            }
        }

        await EvidenceAsync(ct);
        await SendMailAsync(ct);
        var updates = await _comms.UpdatesAsync(id, publishedOnly: true, ct);
        var delivered = await WaitForAllAsync(updates, ct);
        var backAt = CustomersToldBack(updates, _affected, delivered);
        var checklist = await _incidents.ChecklistAsync(id, ct);
        Figures = Figures with
        {
            UpdatesPerAudience = updates.GroupBy(u => u.Audience.ToString().ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            Recovered = updates.Any(u => u.Phase == UpdatePhase.Recovered && u.Audience == UpdateAudience.Public),
            CustomersToldBack = backAt.Told,
            EveryCustomerToldBackSeconds = backAt.Last is { } last && firstDeletion is { } fd && backAt.Told == Figures.CustomersAffected ? Math.Max(0, (last - fd).TotalSeconds) : null,
            MessagesSent = delivered.Sent,
            MessagesDelivered = delivered.Delivered,
            RemindersFired = _remindersFired,
            ChecklistTicked = checklist.Count(c => c.TickedAt is not null),
            ChecklistItems = checklist.Count,
            Phase = (await _incidents.GetAsync(id, ct)).Phase.ToString().ToLowerInvariant(),
        };
        if (everySiteBack)
        {
            var retrospective = await _retro.WithActor(_commander).OpenRetrospectiveAsync(id, drill: true, ct);
            RetrospectiveMarkdown = await _retro.MarkdownAsync(id, ct);
            Figures = Figures with
            {
                Retrospective = new RetrospectiveFigures(retrospective.Drill, retrospective.Draft?.Timeline.Count ?? 0, retrospective.Draft?.Figures.Count ?? 0,
                    retrospective.Draft?.Figures.Count(f => f.Status == FigureStatus.Measured) ?? 0),
            };
        }

        Figures = Figures with { Problems = [.. _problems] };
        _observer.Note($"Incident {id} {Figures.Phase}: {Figures.MessagesDelivered} of {Figures.MessagesSent} messages delivered, {Figures.CustomersToldBack} of {Figures.CustomersAffected} customers told their sites are back" +
            (Figures.Retrospective is { } r ? $"; retrospective drafted with {r.TimelineEvents} timeline events and {r.FiguresMeasured} of {r.Figures} figures measured." : "."));
    }

    /// <summary>
    /// The product's pending drafts of the incident, each approved by the communications lead, double-checked by the commander
    /// and published. With <paramref name="cadence"/>, a <c>[Restoring N%]</c> draft waits until the last public update is
    /// <see cref="PublicCadence"/> old, as a communications lead keeps to a cadence rather than mail every customer at each
    /// tenth of a big restore; a newer one replaces it meanwhile, and the close publishes the last.
    /// </summary>
    private async Task<List<IncidentUpdate>> PublishDraftsAsync(CancellationToken ct, bool cadence = false)
    {
        var id = Incident!.Value;
        await _comms.WithActor(CommunicationDesk.ProductActor).DraftFromProgressAsync(id, ct);
        var updates = await _comms.UpdatesAsync(id, cancellationToken: ct);
        var lastPublic = updates.Where(u => u.Audience == UpdateAudience.Public && u.PublishedAt is not null).Max(u => u.PublishedAt);
        var published = new List<IncidentUpdate>();
        foreach (var draft in updates.Where(u => u.State is UpdateState.Draft or UpdateState.Approved).OrderBy(u => u.Number))
        {
            if (cadence && draft is { Audience: UpdateAudience.Public, Phase: UpdatePhase.Restoring, Origin: UpdateOrigin.Progress }
                && lastPublic is { } last && _time.GetUtcNow() - last < PublicCadence)
            {
                continue;
            }

            published.Add(await ReviewAndPublishAsync(draft, ct));
        }

        return published;
    }

    private static readonly TimeSpan PublicCadence = TimeSpan.FromSeconds(30);

    private async Task<IncidentUpdate> ReviewAndPublishAsync(IncidentUpdate draft, CancellationToken ct)
    {
        var id = Incident!.Value;
        if (draft.State == UpdateState.Draft)
        {
            await CommsAs(CommunicationsLead).ApproveUpdateAsync(id, draft.Number, ct);
        }

        if ((await _comms.GetUpdateAsync(id, draft.Number, ct)).CheckedBy is null)
        {
            await CommsAs(_commander).DoubleCheckUpdateAsync(id, draft.Number, ct);
        }

        return await CommsAs(CommunicationsLead).PublishUpdateAsync(id, draft.Number, ct);
    }

    /// <summary>What the server's evidence pass does: reminders read with the restore's progress, checklist items ticked by what the platform shows.</summary>
    private async Task EvidenceAsync(CancellationToken ct)
    {
        var lifeboat = _incidents.WithActor("lifeboat").WithSource("evidence");
        var evidence = await lifeboat.GatherEvidenceAsync(Incident!.Value, ct);
        _remindersFired += (await lifeboat.RemindersDueAsync(Incident.Value, evidence.Progress, ct)).Count;
        await lifeboat.EvaluateEvidenceAsync(Incident.Value, evidence.Facts, ct);
    }

    /// <summary>What the server's mail worker does: published updates fanned out to their recipients, and the queue handed to the mail server.</summary>
    private async Task SendMailAsync(CancellationToken ct)
    {
        var mail = _comms.WithActor("lifeboat").Mail(_mail);
        while (await mail.FanOutAsync(cancellationToken: ct) > 0)
        {
        }

        if (_mailbox is null)
        {
            return;
        }

        while ((await mail.SendAsync(ct)) is { Taken: > 0 } sent && sent.Retrying + sent.Failed < sent.Taken)
        {
        }
    }

    /// <summary>Waits for the update's messages to be delivered; a customer is reached when a message to one of its key contacts was.</summary>
    private async Task<(int Affected, int Reached, DateTimeOffset? EveryoneAt)> WaitForDeliveryAsync(IncidentUpdate update, CancellationToken ct)
    {
        var id = Incident!.Value;
        var affected = _affected;
        var mail = _comms.WithActor("lifeboat").Mail(_mail);
        var until = _time.GetUtcNow() + _deliveryWait;
        var firstAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (_mailbox is not null)
        {
            await SendMailAsync(ct);
            var log = await mail.MessagesAsync(id, update.Number, cancellationToken: ct);
            var accountOf = log.Where(m => m.Account is not null).GroupBy(m => m.Address, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().Account!, StringComparer.OrdinalIgnoreCase);
            foreach (var m in _mailbox.DeliveredSince(update.PublishedAt ?? Figures.DeclaredAt, m => m.Incident == id.Value && m.Update == update.Number))
            {
                if (accountOf.TryGetValue(m.To, out var account) && (!firstAt.TryGetValue(account, out var at) || m.DeliveredAt < at))
                {
                    firstAt[account] = m.DeliveredAt;
                }
            }

            if (affected.All(firstAt.ContainsKey) || _time.GetUtcNow() > until)
            {
                break;
            }

            await Task.Delay(250, ct);
        }

        var reached = affected.Count(firstAt.ContainsKey);
        if (reached < affected.Count)
        {
            var missed = affected.Where(a => !firstAt.ContainsKey(a)).Order(StringComparer.Ordinal).ToList();
            _problems.Add($"{missed.Count} of {affected.Count} affected customers were not reached by \"{update.Subject}\" ({string.Join(", ", missed.Take(5))}{(missed.Count > 5 ? ", …" : "")}): " +
                (_mailbox is null ? Figures.MailServer : $"nothing was delivered to their key contacts within {_deliveryWait.TotalSeconds:0} s"));
        }

        return (affected.Count, reached, reached == affected.Count && affected.Count > 0 ? firstAt.Values.Max() : null);
    }

    /// <summary>Waits until every message the incident's updates were sent as is delivered (or the wait ends); returns both counts and what was delivered.</summary>
    private async Task<(int Sent, int Delivered, IReadOnlyList<DeliveredMessage> Messages)> WaitForAllAsync(IReadOnlyList<IncidentUpdate> updates, CancellationToken ct)
    {
        var id = Incident!.Value;
        var mail = _comms.WithActor("lifeboat").Mail(_mail);
        var since = updates.Min(u => u.PublishedAt) ?? Figures.DeclaredAt;
        DateTimeOffset? until = null;
        while (true)
        {
            await SendMailAsync(ct);
            var log = new List<MailLogEntry>();
            foreach (var update in updates)
            {
                log.AddRange(await mail.MessagesAsync(id, update.Number, limit: 10_000, cancellationToken: ct));
            }

            var sent = log.Count(m => m.State == MessageState.Sent);
            // A big incident's mail takes the mail server a while: the wait grows with it (postfix delivers some 100 a second here).
            until ??= _time.GetUtcNow() + _deliveryWait + TimeSpan.FromSeconds(log.Count / 50.0);
            var delivered = _mailbox?.DeliveredSince(since, m => m.Incident == id.Value) ?? [];
            var done = _mailbox is null || (log.All(m => m.State != MessageState.Queued) && delivered.Count >= sent);
            if (done || _time.GetUtcNow() > until)
            {
                if (!done)
                {
                    _problems.Add($"{sent - delivered.Count} of {sent} messages the mail server accepted were not delivered within {_deliveryWait.TotalSeconds:0} s");
                }

                return (log.Count, delivered.Count, delivered);
            }

            await Task.Delay(250, ct);
        }
    }

    /// <summary>When each affected customer was told their sites are back: the first delivered message of their own "your sites are back" update.</summary>
    private static (int Told, DateTimeOffset? Last) CustomersToldBack(IReadOnlyList<IncidentUpdate> updates, HashSet<string> affected, (int Sent, int Delivered, IReadOnlyList<DeliveredMessage> Messages) delivered)
    {
        var back = updates.Where(u => u.Audience == UpdateAudience.Customer && u.Phase == UpdatePhase.Recovered && u.Account is not null && affected.Contains(u.Account))
            .ToDictionary(u => u.Number, u => u.Account!);
        var told = delivered.Messages.Where(m => m.Update is { } n && back.ContainsKey(n))
            .GroupBy(m => back[m.Update!.Value], StringComparer.Ordinal)
            .Select(g => g.Min(m => m.DeliveredAt)).ToList();
        return (told.Count, told.Count > 0 ? told.Max() : null);
    }

    private async Task<string?> WaitForCodeAsync(string address, DateTimeOffset since, CancellationToken ct)
    {
        var until = _time.GetUtcNow() + _deliveryWait;
        const string prefix = "Your Lifeboat support code: ";
        while (_mailbox is not null && _time.GetUtcNow() < until)
        {
            var mail = _mailbox.DeliveredSince(since, m => string.Equals(m.To, address, StringComparison.OrdinalIgnoreCase) && m.Subject.StartsWith(prefix, StringComparison.Ordinal))
                .MaxBy(m => m.DeliveredAt);
            if (mail is not null)
            {
                return mail.Subject[prefix.Length..].Trim();
            }

            await Task.Delay(200, ct);
        }

        return null;
    }

    private static string Seconds(double? s) => s is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.0} s") : "—";

    public async ValueTask DisposeAsync()
    {
        await _retro.DisposeAsync();
        await _support.DisposeAsync();
        await _comms.DisposeAsync();
        await _incidentsOpened.DisposeAsync();
    }

    /// <summary>The host a site was reached at before it was deleted, as its admin remembers it: the site's name made an address.</summary>
    private static string OldUrlOf(string siteName) => $"https://{NotAlphanumeric().Replace(siteName.ToLowerInvariant(), "-").Trim('-')}.lifeboat-sample.example/";

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotAlphanumeric();
}
