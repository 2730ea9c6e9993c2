using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
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

    /// <summary>The source of events recorded through the desk when the caller names none: a person's call.</summary>
    public const string DefaultSource = "person";

    private readonly IncidentContext _context;
    private readonly bool _ownsDataSource;
    private readonly RoleBook _roles;
    private readonly HandoffBook _handoffs;
    private readonly Timeline _timeline;

    private IncidentDesk(IncidentContext context, bool ownsDataSource)
    {
        _context = context;
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
        return new IncidentDesk(new IncidentContext(dataSource, store.TimeProvider, platform.Store.Actor, DefaultSource), ownsDataSource: true);
    }

    /// <summary>The same desk, acting as <paramref name="actor"/>: every row and event it writes records it.</summary>
    public IncidentDesk WithActor(string actor)
    {
        var who = IncidentContext.RequirePerson(actor, "the actor");
        return new IncidentDesk(_context.WithActor(who), ownsDataSource: false);
    }

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

        return new IncidentDesk(_context.WithSource(source), ownsDataSource: false);
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

    public Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot = RoleSlot.Holder, CancellationToken cancellationToken = default) =>
        new RoleAssignment(_context, _roles).AssignAsync(incident, role, person, slot, cancellationToken);

    public Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot = RoleSlot.Holder, CancellationToken cancellationToken = default) =>
        new RoleRelease(_context, _roles).ReleaseAsync(incident, role, person, slot, cancellationToken);

    /// <summary>Who holds which role now.</summary>
    public Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        _roles.CurrentAsync(incident, cancellationToken);

    /// <summary>Every holding the incident has had, with from when to when, in the order they began.</summary>
    public Task<IReadOnlyList<RoleHolding>> RoleHistoryAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        _roles.HistoryAsync(incident, cancellationToken);

    /// <summary>Required roles (commander, communications lead, scribe) and their backups that no one holds.</summary>
    public async Task<IReadOnlyList<RoleGap>> MissingRolesAsync(IncidentId incident, CancellationToken cancellationToken = default) =>
        RoleBook.Gaps(await _roles.CurrentAsync(incident, cancellationToken));

    public Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot = RoleSlot.Holder, CancellationToken cancellationToken = default) =>
        new HandoffWriting(_context, _roles, _handoffs).HandOffAsync(incident, role, to, note, slot, cancellationToken);

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

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _context.DataSource.DisposeAsync();
        }
    }

    internal NpgsqlDataSource DataSource => _context.DataSource;
}
