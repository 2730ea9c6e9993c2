using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Retrospectives.Actions;
using Lifeboat.Retrospectives.Drafting;
using Lifeboat.Retrospectives.Entries;
using Lifeboat.Retrospectives.Internal;
using Lifeboat.Retrospectives.Output;
using Lifeboat.Storage;
using Lifeboat.Storage.Schema;

namespace Lifeboat.Retrospectives;

/// <summary>
/// Retrospectives of incidents and drills: the product writes a draft from the recorded facts when an incident resolves
/// (<see cref="DraftResolvedAsync"/>, run by the server); the incident's participants, or anyone with
/// <c>incidents.command</c>, add KPT entries and actions of the five kinds, close actions with evidence or a drill that beat the
/// incident, and complete it once each kind has an action or a "not needed". Nothing is ever deleted. It reads the incident and
/// communication modules; neither knows it.
/// </summary>
public sealed class RetrospectiveDesk : IAsyncDisposable
{
    public static readonly MigrationSource Migrations = new("retro", typeof(RetrospectiveDesk).Assembly, "Lifeboat.Retrospectives.Schema.");

    /// <summary>The module a host names in <see cref="PlatformOptions.Modules"/> after <see cref="CommunicationDesk.Module"/> (its tables refer to incidents).</summary>
    public static readonly PlatformModule Module = new(Migrations,
    [
        new("retro.retrospectives"),
        new("retro.drafts"),
        new("retro.entries"),
        new("retro.entry_revisions"),
        new("retro.actions"),
        new("retro.kinds_not_needed"),
        new("retro.action_reminders"),
    ]);

    /// <summary>Who the product's own drafts and reminders are by.</summary>
    public const string ProductActor = "lifeboat";

    private readonly RetroContext _context;
    private readonly bool _ownsDataSource;

    private RetrospectiveDesk(RetroContext context, LifeboatPlatform platform, IncidentDesk incidents, CommunicationDesk comms, RetrospectiveOptions options, bool ownsDataSource)
    {
        _context = context;
        Platform = platform;
        Incidents = incidents;
        Comms = comms;
        Options = options;
        _ownsDataSource = ownsDataSource;
    }

    public RetrospectiveOptions Options { get; }

    public string Actor => _context.Actor;

    internal LifeboatPlatform Platform { get; }

    internal IncidentDesk Incidents { get; }

    internal CommunicationDesk Comms { get; }

    /// <summary>Opens the desk: applies the retro schema's migrations as the owner (after incidents and comms), then works as the application role through a pool of its own.</summary>
    public static async Task<RetrospectiveDesk> OpenAsync(LifeboatPlatform platform, IncidentDesk incidents, CommunicationDesk comms, RetrospectiveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(incidents);
        ArgumentNullException.ThrowIfNull(comms);
        var store = platform.Options.Store;
        if (store.Migrate)
        {
            await using var owner = TenantStore.CreateDataSource(store.OwnerConnectionString ?? store.ConnectionString);
            await SchemaMigrator.MigrateAsync(owner, [IncidentDesk.Migrations, CommunicationDesk.Migrations, Migrations], cancellationToken);
        }

        var dataSource = TenantStore.CreateDataSource(store.ConnectionString);
        return new RetrospectiveDesk(new RetroContext(dataSource, store.TimeProvider, platform.Store.Actor, null), platform, incidents, comms, options ?? new RetrospectiveOptions(), ownsDataSource: true);
    }

    /// <summary>The same desk acting as <paramref name="actor"/> (the product, or a library caller): writing needs them to be a participant.</summary>
    public RetrospectiveDesk WithActor(string actor)
    {
        var who = RetroContext.RequirePerson(actor, "the actor");
        return new RetrospectiveDesk(_context.WithActor(who, null), Platform.WithActor(who), Incidents.WithActor(who), Comms.WithActor(who), Options, ownsDataSource: false);
    }

    /// <summary>The same desk acting as an authenticated principal: a participant of the incident, or one with <c>incidents.command</c>, may write.</summary>
    public RetrospectiveDesk As(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var who = RetroContext.RequirePerson(principal.Login, "the actor");
        return new RetrospectiveDesk(_context.WithActor(who, principal), Platform.WithActor(who), Incidents.WithActor(who), Comms.WithActor(who), Options, ownsDataSource: false);
    }

    /// <summary>The incident's retrospective whole: the newest draft, KPT, actions, kinds not needed, reminders fired.</summary>
    public async Task<Retrospective> GetAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        await new RetrospectiveBook(_context).GetAsync(await Incidents.GetAsync(incident, cancellationToken), cancellationToken);

    /// <summary>The retrospective as one Markdown document.</summary>
    public async Task<string> MarkdownAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        RetrospectiveMarkdown.Write(await GetAsync(incident, cancellationToken));

    /// <summary>
    /// Opens a retrospective by hand, with its first draft: for a resolved or closed incident (before the product's pass does),
    /// or, with <paramref name="drill"/>, for a drill's incident in any phase. Refused when one is open already.
    /// </summary>
    public async Task<Retrospective> OpenRetrospectiveAsync(IncidentId incident, bool drill, CancellationToken cancellationToken = default)
    {
        var found = await Incidents.GetAsync(incident, cancellationToken);
        if (!drill && found.Phase is not (IncidentPhase.Resolved or IncidentPhase.Closed))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"incident {incident} is {IncidentNames.Of(found.Phase)}: a retrospective is written once it is resolved (the product opens it then), or by hand for a drill (--drill). Nothing was changed.");
        }

        await new Writers(_context).RequireAsync(incident, cancellationToken);
        if (!await Drafting().OpenAsync(found, drill, cancellationToken))
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {incident} has a retrospective already: read it, or write its draft again from the facts of now. Nothing was changed.");
        }

        return await GetAsync(incident, cancellationToken);
    }

    /// <summary>Writes the draft again from the facts of now (mail sent, sites validated since); the earlier drafts stay.</summary>
    public async Task<Retrospective> RedraftAsync(IncidentId incident, CancellationToken cancellationToken = default)
    {
        var found = await Incidents.GetAsync(incident, cancellationToken);
        await new Writers(_context).RequireAsync(incident, cancellationToken);
        await Drafting().RedraftAsync(found, cancellationToken);
        return await GetAsync(incident, cancellationToken);
    }

    /// <summary>
    /// The product's pass: opens a retrospective, with its draft, for every resolved or closed incident that has none (duplicates
    /// excepted: their survivor gets one). Idempotent: an incident opened by another pass or by hand is passed over. Returns those opened.
    /// </summary>
    public async Task<IReadOnlyList<IncidentId>> DraftResolvedAsync(CancellationToken cancellationToken = default)
    {
        var opened = new List<IncidentId>();
        var product = WithActor(ProductActor);
        foreach (var phase in new[] { IncidentPhase.Resolved, IncidentPhase.Closed })
        {
            var listed = (await Incidents.ListAsync(new IncidentQuery { Phase = phase, Limit = IncidentQuery.MaxLimit }, cancellationToken))
                .Select(l => l.Incident).Where(i => i.DuplicateOf is null).ToList();
            // One read for the whole list, so a pass over many resolved incidents is two queries, not one per incident.
            var open = await new RetrospectiveBook(_context).ExistingAsync([.. listed.Select(i => i.Id)], cancellationToken);
            foreach (var incident in listed.Where(i => !open.Contains(i.Id)))
            {
                if (await product.Drafting().OpenAsync(incident, drill: false, cancellationToken))
                {
                    opened.Add(incident.Id);
                }
            }
        }

        return opened;
    }

    public async Task<KptEntry> AddEntryAsync(IncidentId incident, EntryKind kind, string text, CancellationToken cancellationToken = default)
    {
        var number = await new KptWriting(_context).AddAsync(incident, kind, text, cancellationToken);
        return (await GetAsync(incident, cancellationToken)).Entries.Single(e => e.Number == number);
    }

    /// <summary>Changes an entry's text by appending a revision; every earlier text stays readable.</summary>
    public async Task<KptEntry> ReviseEntryAsync(IncidentId incident, int entry, string text, CancellationToken cancellationToken = default)
    {
        await new KptWriting(_context).ReviseAsync(incident, entry, text, cancellationToken);
        return (await GetAsync(incident, cancellationToken)).Entries.Single(e => e.Number == entry);
    }

    public async Task<RetrospectiveAction> AddActionAsync(IncidentId incident, ActionDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var number = await new ActionWriting(_context, Platform).AddAsync(incident, draft, cancellationToken);
        return await ActionAsync(incident, number, cancellationToken);
    }

    /// <summary>Marks a kind "not needed" with a reason of at least 10 characters: the explicit answer for a kind without an action.</summary>
    public async Task<Retrospective> MarkNotNeededAsync(IncidentId incident, ActionKind kind, string reason, CancellationToken cancellationToken = default)
    {
        await new ActionWriting(_context, Platform).NotNeededAsync(incident, kind, reason, cancellationToken);
        return await GetAsync(incident, cancellationToken);
    }

    /// <summary>Closes an action as done with the evidence that shows it: a text, or a URL (http or https).</summary>
    public async Task<RetrospectiveAction> CompleteActionAsync(IncidentId incident, int action, string evidence, CancellationToken cancellationToken = default)
    {
        await new ActionClosing(_context).DoneAsync(incident, action, evidence, cancellationToken);
        return await ActionAsync(incident, action, cancellationToken);
    }

    public async Task<RetrospectiveAction> DropActionAsync(IncidentId incident, int action, string reason, CancellationToken cancellationToken = default)
    {
        await new ActionClosing(_context).DropAsync(incident, action, reason, cancellationToken);
        return await ActionAsync(incident, action, cancellationToken);
    }

    /// <summary>
    /// Closes a recover-faster or detect-sooner action with a drill report (docs/drill-report.md) whose figure beats the incident's,
    /// keeping the report beside it; refuses with both figures when the drill does not beat it.
    /// </summary>
    public async Task<RetrospectiveAction> CloseWithDrillAsync(IncidentId incident, int action, string reportJson, CancellationToken cancellationToken = default)
    {
        var found = await Incidents.GetAsync(incident, cancellationToken);
        await new ActionClosing(_context).DrillAsync(incident, action, reportJson,
            ct => new FigureGathering(_context, Platform, Comms, Options).GatherAsync(found, ct), cancellationToken);
        return await ActionAsync(incident, action, cancellationToken);
    }

    /// <summary>Completes the retrospective; refused naming the kinds that have neither an action nor a "not needed".</summary>
    public async Task<Retrospective> CompleteAsync(IncidentId incident, CancellationToken cancellationToken = default)
    {
        await new Completion(_context).CompleteAsync(incident, cancellationToken);
        return await GetAsync(incident, cancellationToken);
    }

    /// <summary>The product's pass over open actions: fires each due reminder once (two days before, on the day). Returns those fired.</summary>
    public Task<IReadOnlyList<ActionReminder>> FireRemindersAsync(CancellationToken cancellationToken = default) =>
        new ReminderFiring(_context.WithActor(ProductActor, null), Incidents.WithActor(ProductActor)).FireAsync(cancellationToken);

    private async Task<RetrospectiveAction> ActionAsync(IncidentId incident, int number, CancellationToken ct) =>
        (await GetAsync(incident, ct)).Actions.Single(a => a.Number == number);

    private DraftWriting Drafting() => new(_context, Platform, Incidents, Comms, Options);

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _context.DataSource.DisposeAsync();
        }
    }
}
