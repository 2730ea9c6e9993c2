using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>
/// Incident command over the platform: declare, set severity, move phases, fill roles, hand them over,
/// keep the timeline, merge duplicates. It acts as the platform's actor (chosen with
/// <see cref="LifeboatPlatform.WithActor"/> or <see cref="LifeboatPlatform.As"/>, or here with
/// <see cref="WithActor"/> and <see cref="As"/>) and records that actor on every row and event.
/// Permissions are the callers' to check (the server and the CLI); this is the library core.
/// </summary>
public sealed class IncidentDesk : IAsyncDisposable
{
    public static readonly MigrationSource Migrations = new("incidents", typeof(IncidentDesk).Assembly, "Lifeboat.Incidents.Schema.");

    /// <summary>
    /// The module a host names in <see cref="PlatformOptions.Modules"/>, so the platform migrates the incidents
    /// schema when it opens and every environment backup carries its tables (a test checks each table is named).
    /// Parents come first; a checklist item and its task name each other, so those two links are checked at commit.
    /// </summary>
    public static readonly PlatformModule Module = new(Migrations,
    [
        new("incidents.incidents"),
        new("incidents.role_holdings"),
        new("incidents.handoffs"),
        new("incidents.timeline"),
        new("incidents.participants"),
        new("incidents.streams"),
        new("incidents.tasks"),
        new("incidents.checklist_items"),
        new("incidents.stream_updates"),
        new("incidents.snoozes"),
        new("incidents.progress_steps"),
        new("incidents.causes"),
        new("incidents.signals"),
        new("incidents.notifications"),
        new("incidents.hypotheses"),
        new("incidents.site_tracking"),
        new("incidents.restore_stream_waits"),
    ]);

    /// <summary>The source of events recorded through the desk when the caller names none: a person's call.</summary>
    public const string DefaultSource = "person";

    private readonly IncidentContext _context;
    private readonly LifeboatPlatform _platform;
    private readonly bool _ownsDataSource;

    /// <summary>Null: the library core gives roles to any name. Set by <see cref="WithRolePermissions"/>: only to operators whose roles allow the role.</summary>
    private RolePermissions? _eligibility;
    private readonly RoleBook _roles;
    private readonly HandoffBook _handoffs;
    private readonly Timeline _timeline;

    private IncidentDesk(IncidentContext context, LifeboatPlatform platform, bool ownsDataSource)
    {
        _context = context;
        _platform = platform;
        _ownsDataSource = ownsDataSource;
        _roles = new RoleBook(context);
        _handoffs = new HandoffBook(context);
        _timeline = new Timeline(context);
    }

    public string Actor => _context.Actor;

    /// <summary>
    /// Opens the desk on the platform's database: applies the incidents schema's migrations as the owner
    /// role (the platform's owner connection, or its connection when it has none), then works as the
    /// application role through a pool of its own (the platform gives out no connection).
    /// </summary>
    public static async Task<IncidentDesk> OpenAsync(LifeboatPlatform platform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var store = platform.Options.Store;
        if (store.Migrate)
        {
            await using var owner = TenantStore.CreateDataSource(store.OwnerConnectionString ?? store.ConnectionString);
            await SchemaMigrator.MigrateAsync(owner, [Migrations], cancellationToken);
        }

        var dataSource = TenantStore.CreateDataSource(store.ConnectionString);
        return new IncidentDesk(new IncidentContext(dataSource, store.TimeProvider, platform.Store.Actor, DefaultSource), platform, ownsDataSource: true);
    }

    /// <summary>The same desk, acting as <paramref name="actor"/>: every row and event it writes records it.</summary>
    public IncidentDesk WithActor(string actor)
    {
        var who = IncidentContext.RequirePerson(actor, "the actor");
        return new IncidentDesk(_context.WithActor(who), _platform, ownsDataSource: false) { _eligibility = _eligibility };
    }

    /// <summary>
    /// The same desk, giving a role (by assignment or handoff) only to an enabled operator whose roles grant what
    /// the role needs (commander and approver: incidents.command; informed: incidents.read; the others:
    /// incidents.declare). The server and the CLI act through it.
    /// </summary>
    public IncidentDesk WithRolePermissions() => new(_context, _platform, ownsDataSource: false) { _eligibility = new RolePermissions(_platform) };

    /// <summary>The same desk, acting as an authenticated <paramref name="principal"/>.</summary>
    public IncidentDesk As(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return WithActor(principal.Login);
    }

    /// <summary>The same desk, recording <paramref name="source"/> (a short slug: "cli", "api", "detector") on its timeline events.</summary>
    public IncidentDesk WithSource(string source)
    {
        if (source is null || source.Length is < 1 or > 40 || source.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the source '{source}' is not a short slug: use lower-case letters, digits and dashes, at most 40 (\"cli\").");
        }

        return new IncidentDesk(_context.WithSource(source), _platform, ownsDataSource: false) { _eligibility = _eligibility };
    }

    public Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken cancellationToken = default) =>
        new Declaration(_context).DeclareAsync(declaration, cancellationToken);

    public Task<Incident> GetAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        _context.RequireAsync(incident, cancellationToken);

    /// <summary>Incidents newest first, each with its commander if any (<see cref="IncidentQuery"/>: open ones by default, at most 100).</summary>
    public Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery? query = null, CancellationToken cancellationToken = default) =>
        new IncidentList(_context).ListAsync(query ?? new IncidentQuery(), cancellationToken);

    /// <summary>A person sets the severity; <see cref="SeveritySuggestion.Suggest"/> only informs the choice.</summary>
    public Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason = null, CancellationToken cancellationToken = default) =>
        new SeverityChange(_context).SetAsync(incident, severity, reason, cancellationToken);

    public Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase to, string? note = null, CancellationToken cancellationToken = default) =>
        new PhaseChange(_context).MoveAsync(incident, to, note, cancellationToken);

    public async Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot = RoleSlot.Holder, CancellationToken cancellationToken = default)
    {
        if (_eligibility is not null)
        {
            await _eligibility.RequireAsync(person, role, "hold", cancellationToken);
        }

        var holding = await new RoleAssignment(_context, _roles).AssignAsync(incident, role, person, slot, cancellationToken);
        await CommanderMayHaveChangedAsync(incident, role, slot, cancellationToken);
        return holding;
    }

    public async Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot = RoleSlot.Holder, CancellationToken cancellationToken = default)
    {
        await new RoleRelease(_context, _roles).ReleaseAsync(incident, role, person, slot, cancellationToken);
        await CommanderMayHaveChangedAsync(incident, role, slot, cancellationToken);
    }

    /// <summary>Who holds which role now.</summary>
    public Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        _roles.CurrentAsync(incident, cancellationToken);

    /// <summary>Every holding the incident has had, with from when to when, in the order they began.</summary>
    public Task<IReadOnlyList<RoleHolding>> RoleHistoryAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        _roles.HistoryAsync(incident, cancellationToken);

    /// <summary>Required roles (commander, communications lead, scribe) and their backups that no one holds.</summary>
    public async Task<IReadOnlyList<RoleGap>> MissingRolesAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        RoleBook.Gaps(await _roles.CurrentAsync(incident, cancellationToken));

    public async Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot = RoleSlot.Holder, CancellationToken cancellationToken = default)
    {
        if (_eligibility is not null)
        {
            await _eligibility.RequireAsync(to, role, "be handed", cancellationToken);
        }

        var handoff = await new HandoffWriting(_context, _roles, _handoffs, _platform).HandOffAsync(incident, role, to, note, slot, cancellationToken);
        await CommanderMayHaveChangedAsync(incident, role, slot, cancellationToken);
        return handoff;
    }

    /// <summary>Acknowledges a handoff as the desk's actor, who must be its receiver.</summary>
    public Task<Handoff> AcknowledgeHandoffAsync(IncidentId incident, long handoff, CancellationToken cancellationToken = default) =>
        new HandoffAcknowledgement(_context, _handoffs).AcknowledgeAsync(incident, handoff, cancellationToken);

    public Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        _handoffs.PendingAsync(incident, cancellationToken);

    /// <summary>The timeline, newest first, at most <paramref name="limit"/> events (1 to 1,000).</summary>
    public Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit = Timeline.DefaultLimit, bool pinnedOnly = false, CancellationToken cancellationToken = default) =>
        _timeline.ListAsync(incident, limit, pinnedOnly, cancellationToken);

    public Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken cancellationToken = default) =>
        _timeline.NoteAsync(incident, text, cancellationToken);

    public Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken cancellationToken = default) =>
        new TimelinePin(_context, _timeline).PinAsync(incident, eventId, cancellationToken);

    public Task<Incident> MergeAsDuplicateAsync(IncidentId duplicate, IncidentId survivor, CancellationToken cancellationToken = default) =>
        new DuplicateMerge(_context).MergeAsync(duplicate, survivor, cancellationToken);

    /// <summary>
    /// Takes what the product saw (an alert, a halted plan, a failed validation): declares an incident for it,
    /// or joins the open one sharing a cause; a signal handed over twice is taken once.
    /// </summary>
    public Task<SignalOutcome> TakeSignalAsync(ProductSignal signal, CancellationToken cancellationToken = default) =>
        new SignalIntake(_context).TakeAsync(signal, cancellationToken);

    /// <summary>
    /// Incidents declared within <paramref name="declaredWithin"/> that a target ("mail:…", "webhook:…") has not
    /// been told of yet: never tried, or failed fewer than <paramref name="maxAttempts"/> times and last tried
    /// <paramref name="retryAfter"/> ago or more. Duplicates are not announced.
    /// </summary>
    public Task<IReadOnlyList<NotificationDue>> NotificationsDueAsync(IReadOnlyList<string> targets, TimeSpan declaredWithin, int maxAttempts, TimeSpan retryAfter,
        CancellationToken cancellationToken = default) =>
        new Notifications(_context).DueAsync(targets, declaredWithin, maxAttempts, retryAfter, cancellationToken);

    /// <summary>Records one try to tell <paramref name="target"/> (<paramref name="error"/> null when it went out); the final outcome is on the timeline.</summary>
    public Task RecordNotificationAsync(IncidentId incident, string target, string describe, string? error, int maxAttempts, CancellationToken cancellationToken = default) =>
        new Notifications(_context).RecordAsync(incident, target, describe, error, maxAttempts, cancellationToken);

    /// <summary>
    /// Begins the incident's code freeze: until it is lifted, the platform refuses every change plan not tagged
    /// to this incident, naming it and its commander.
    /// </summary>
    public Task<ChangeFreeze> FreezeAsync(IncidentId incident, string reason, CancellationToken cancellationToken = default) =>
        new CodeFreeze(_context, _roles, _platform).BeginAsync(incident, reason, cancellationToken);

    /// <summary>Lifts the incident's code freeze; only its commander may, with a reason (on the timeline and audited).</summary>
    public Task LiftFreezeAsync(IncidentId incident, string reason, CancellationToken cancellationToken = default) =>
        new CodeFreeze(_context, _roles, _platform).LiftAsync(incident, reason, cancellationToken);

    /// <summary>The incident's code freeze if one is on.</summary>
    public async Task<ChangeFreeze?> FreezeOfAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        (await _platform.Freezes.ActiveAsync(cancellationToken)).FirstOrDefault(f => f.Incident == incident.Value);

    /// <summary>
    /// The facts the incident's checklist ticks itself from, read from the platform (restore jobs of its sites,
    /// its freeze) and its timeline (customer updates), with the restore progress its reminders count. A restore job
    /// of its sites seen for the first time gets its per-region streams, led by the commander (see <see cref="OpenRestoreStreamsAsync"/>).
    /// </summary>
    public Task<IncidentEvidence> GatherEvidenceAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new EvidenceGathering(_context, _platform).GatherAsync(incident, cancellationToken);

    /// <summary>Raises a hypothesis about the cause, on the timeline; handoff packets carry the open ones.</summary>
    public Task<Hypothesis> RaiseHypothesisAsync(IncidentId incident, string text, CancellationToken cancellationToken = default) =>
        new Hypotheses(_context).RaiseAsync(incident, text, cancellationToken);

    /// <summary>Rules a hypothesis out, saying why; handoff packets carry it, so the next shift does not chase it again.</summary>
    public Task<Hypothesis> RuleOutAsync(IncidentId incident, long hypothesis, string why, CancellationToken cancellationToken = default) =>
        new Hypotheses(_context).RuleOutAsync(incident, hypothesis, why, cancellationToken);

    public Task<IReadOnlyList<Hypothesis>> HypothesesAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new Hypotheses(_context).ListAsync(incident, cancellationToken);

    private async Task CommanderMayHaveChangedAsync(IncidentId incident, IncidentRole role, RoleSlot slot, CancellationToken ct)
    {
        if (role == IncidentRole.Commander && slot == RoleSlot.Holder)
        {
            await new CodeFreeze(_context, _roles, _platform).CommanderChangedAsync(incident, ct);
        }
    }

    /// <summary>
    /// Adds <paramref name="person"/> to the incident, or updates their region ("apac") and shift ("00:00-08:00 UTC")
    /// when they take part already under any spelling; a region or shift left null stays as it was.
    /// </summary>
    public Task<Participant> JoinAsync(IncidentId incident, string person, string? region = null, string? shift = null, CancellationToken cancellationToken = default) =>
        new ParticipantJoining(_context, new ParticipantBook(_context)).JoinAsync(incident, person, region, shift, cancellationToken);

    /// <summary>Everyone taking part (joined, or given a role or a task claim), in the order they joined.</summary>
    public Task<IReadOnlyList<Participant>> ParticipantsAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new ParticipantBook(_context).ListAsync(incident, cancellationToken);

    /// <summary>Assigns a task with its purpose and action, to a participant or to no one (to be claimed).</summary>
    public Task<IncidentTask> AssignTaskAsync(IncidentId incident, TaskAssignment assignment, CancellationToken cancellationToken = default) =>
        new TaskAssigning(_context, new TaskBook(_context)).AssignAsync(incident, assignment, cancellationToken);

    /// <summary>The desk's actor takes an open task no one owns; of two claiming at once, one wins and the other is told who.</summary>
    public Task<IncidentTask> ClaimTaskAsync(IncidentId incident, int task, CancellationToken cancellationToken = default) =>
        new TaskClaim(_context, new TaskBook(_context), new ParticipantBook(_context)).ClaimAsync(incident, task, cancellationToken);

    public Task<IncidentTask> CompleteTaskAsync(IncidentId incident, int task, CancellationToken cancellationToken = default) =>
        new TaskClosing(_context, new TaskBook(_context)).CompleteAsync(incident, task, cancellationToken);

    public Task<IncidentTask> DropTaskAsync(IncidentId incident, int task, string reason, CancellationToken cancellationToken = default) =>
        new TaskClosing(_context, new TaskBook(_context)).DropAsync(incident, task, reason, cancellationToken);

    /// <summary>The incident's tasks in number order, or only one stream's.</summary>
    public Task<IReadOnlyList<IncidentTask>> TasksAsync(IncidentId incident, string? stream = null, CancellationToken cancellationToken = default) =>
        new TaskBook(_context).ListAsync(incident, stream, cancellationToken);

    /// <summary>The commander's view: per participant, open tasks, last activity, and silent when nothing came from them for <paramref name="silentAfter"/>.</summary>
    public Task<IReadOnlyList<ParticipantWorkload>> WorkloadAsync(IncidentId incident, TimeSpan silentAfter, CancellationToken cancellationToken = default) =>
        new WorkloadView(_context).ReadAsync(incident, silentAfter, cancellationToken);

    public Task<IncidentStream> OpenStreamAsync(IncidentId incident, StreamOpening opening, CancellationToken cancellationToken = default) =>
        new StreamStart(_context, new StreamBook(_context)).OpenAsync(incident, opening, cancellationToken);

    public Task<IncidentStream> CloseStreamAsync(IncidentId incident, string stream, CancellationToken cancellationToken = default) =>
        new StreamClosing(_context, new StreamBook(_context)).CloseAsync(incident, stream, cancellationToken);

    /// <summary>
    /// The streams in the order they opened, each with its tasks open and done and its last update; one opened from a
    /// restore job also with its sites' progress in the job (restored, validated, failed), read live from the platform.
    /// </summary>
    public Task<IReadOnlyList<IncidentStream>> StreamsAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new StreamListing(_context, _platform).ListAsync(incident, cancellationToken);

    /// <summary>
    /// Opens one stream per region (<c>restore-&lt;region&gt;</c>) or per batch of sites (<c>restore-batch-&lt;k&gt;</c>) of the
    /// restore job's sites that the incident has, each linked to the job and its sites; a job's streams open once.
    /// </summary>
    public Task<IReadOnlyList<IncidentStream>> OpenRestoreStreamsAsync(IncidentId incident, RestoreStreamsOpening opening, CancellationToken cancellationToken = default) =>
        new RestoreStreamStart(_context, _platform).OpenAsync(incident, opening, cancellationToken);

    /// <summary>A note that is <paramref name="stream"/>'s own update: it restarts the stream's cadence clock (and counts as an internal update).</summary>
    public Task<TimelineEvent> StreamUpdateAsync(IncidentId incident, string stream, string text, CancellationToken cancellationToken = default) =>
        new StreamUpdate(_context, _timeline).PostAsync(incident, stream, text, cancellationToken);

    /// <summary>
    /// Opens the desk as <see cref="OpenAsync(LifeboatPlatform, CancellationToken)"/> does, with runbooks (every file
    /// checked now; a broken one refuses the opening, naming it) and a cadence policy.
    /// </summary>
    public static async Task<IncidentDesk> OpenAsync(LifeboatPlatform platform, IncidentDeskOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Cadence is null)
        {
            throw new ArgumentException("the options name no cadence policy: leave CadencePolicy.Default in place, or give one.", nameof(options));
        }

        var runbooks = options.RunbookFolder is { } folder ? RunbookLibrary.Load(folder) : null;
        var plain = await OpenAsync(platform, cancellationToken);
        // The plain desk's pool passes to this one, which disposes it.
        return new IncidentDesk(new IncidentContext(plain.DataSource, plain._context.Time, plain.Actor, plain._context.Source) { Runbooks = runbooks, Cadence = options.Cadence }, platform, ownsDataSource: true);
    }

    /// <summary>The runbooks declaring posts as checklists (null when the desk was opened without a folder).</summary>
    public RunbookLibrary? Runbooks => _context.Runbooks;

    /// <summary>The incident's checklist (its type's runbook as posted when it was declared), in the runbook's order.</summary>
    public Task<IReadOnlyList<ChecklistItem>> ChecklistAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        new ChecklistBook(_context).ListAsync(incident, cancellationToken);

    /// <summary>The desk's actor claims a checklist item: a task for it is created, theirs, linked to the item.</summary>
    public Task<ChecklistItem> ClaimChecklistItemAsync(IncidentId incident, string item, CancellationToken cancellationToken = default) =>
        new ChecklistClaim(_context, new ChecklistBook(_context), new ParticipantBook(_context)).ClaimAsync(incident, item, cancellationToken);

    /// <summary>Ticks an item as the desk's actor; a double-check item's second tick must be another person's.</summary>
    public Task<ChecklistItem> TickAsync(IncidentId incident, string item, CancellationToken cancellationToken = default) =>
        new ChecklistTick(_context, new ChecklistBook(_context)).TickAsync(incident, item, cancellationToken);

    /// <summary>Ticks, as <c>lifeboat</c> from <c>evidence</c>, every open item whose evidence check holds; returns the items it ticked.</summary>
    public Task<IReadOnlyList<ChecklistItem>> EvaluateEvidenceAsync(IncidentId incident, Evidence facts, CancellationToken cancellationToken = default) =>
        new ChecklistEvidence(_context).EvaluateAsync(incident, facts, cancellationToken);

    /// <summary>Records an update sent to customers (kind <c>customer-update</c>): it restarts the customer-facing cadence.</summary>
    public Task<TimelineEvent> RecordCustomerUpdateAsync(IncidentId incident, string text, CancellationToken cancellationToken = default) =>
        new CustomerUpdateRecording(_context, _timeline).RecordAsync(incident, text, cancellationToken);

    /// <summary>
    /// The updates owed now under the desk's <see cref="CadencePolicy"/>, and, given the restore's
    /// <paramref name="progress"/>, one reminder per further 10 % of sites restored (each step once).
    /// </summary>
    public Task<IReadOnlyList<Reminder>> RemindersDueAsync(IncidentId incident, RestoreProgress? progress = null, CancellationToken cancellationToken = default) =>
        new CadenceReminders(_context, _platform).DueAsync(incident, progress, cancellationToken);

    /// <summary>Holds a reminder (a stream's with <paramref name="stream"/>) until <paramref name="until"/>, for a reason, on the timeline.</summary>
    public Task<ReminderSnooze> SnoozeAsync(IncidentId incident, ReminderKind kind, DateTimeOffset until, string reason, string? stream = null, CancellationToken cancellationToken = default) =>
        new ReminderSnoozing(_context).SnoozeAsync(incident, kind, until, reason, stream, cancellationToken);

    /// <summary>
    /// The per-site restore tracker: each affected site (declared, or added with <see cref="TrackSitesAsync"/>) with its
    /// restore read live from the platform (newest job including it, its state, its validation) and what people added;
    /// counts per restore state are over all the incident's sites, the rows as <paramref name="filter"/> narrows them.
    /// </summary>
    public Task<SiteTracker> SiteTrackerAsync(IncidentId incident, SiteTrackerFilter? filter = null, CancellationToken cancellationToken = default) =>
        new SiteTrackerView(_context, _platform).ReadAsync(incident, filter ?? new SiteTrackerFilter(), cancellationToken);

    /// <summary>Writes the tracker's rows (as <paramref name="filter"/> narrows them) to <paramref name="output"/> as CSV, formula-safe.</summary>
    public async Task ExportSiteTrackerCsvAsync(IncidentId incident, SiteTrackerFilter? filter, Stream output, CancellationToken cancellationToken = default) =>
        await SiteTrackerCsv.WriteAsync(await SiteTrackerAsync(incident, filter, cancellationToken), output, cancellationToken);

    /// <summary>Adds sites found affected after the declaration to the tracker; returns how many were new to it.</summary>
    public Task<int> TrackSitesAsync(IncidentId incident, IReadOnlyList<SiteId> sites, CancellationToken cancellationToken = default) =>
        new SiteTrackingAddition(_context, _platform).AddAsync(incident, sites, cancellationToken);

    /// <summary>Names the support engineer (a participant) looking after one tracked site; on the timeline.</summary>
    public async Task<TrackedSite> AssignSiteEngineerAsync(IncidentId incident, SiteId site, string engineer, CancellationToken cancellationToken = default)
    {
        await new SiteEngineerAssignment(_context).AssignAsync(incident, site, engineer, cancellationToken);
        return await TrackedSiteAsync(incident, site, cancellationToken);
    }

    /// <summary>Records the customer's word on a tracked site: confirmed, or still broken with a note saying how; on the timeline.</summary>
    public async Task<TrackedSite> ConfirmSiteAsync(IncidentId incident, SiteId site, bool confirmed, string? note = null, CancellationToken cancellationToken = default)
    {
        await new SiteConfirmationRecording(_context).RecordAsync(incident, site, confirmed, note, cancellationToken);
        return await TrackedSiteAsync(incident, site, cancellationToken);
    }

    private async Task<TrackedSite> TrackedSiteAsync(IncidentId incident, SiteId site, CancellationToken ct) =>
        (await SiteTrackerAsync(incident, null, ct)).Sites.Single(s => s.Site == site);

    /// <summary>A note about a tracked site: the tracker shows the last, the timeline keeps every one.</summary>
    public Task<TimelineEvent> NoteSiteAsync(IncidentId incident, SiteId site, string text, CancellationToken cancellationToken = default) =>
        new SiteNoteWriting(_context).WriteAsync(incident, site, text, cancellationToken);

    /// <summary>
    /// The change plans that started in the window (default: 24 hours before the declaration to now), each with its
    /// blast radius, rehearsal, whether it can be rolled back now and the later plans on its sites a rollback would affect.
    /// </summary>
    public Task<RollbackRisk> RollbackRiskAsync(IncidentId incident, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        new RollbackRiskView(_context, _platform).ReadAsync(incident, from, to, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _context.DataSource.DisposeAsync();
        }
    }

    internal NpgsqlDataSource DataSource => _context.DataSource;
}
