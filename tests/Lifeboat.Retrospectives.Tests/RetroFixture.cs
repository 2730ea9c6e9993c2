using System.Globalization;
using Lifeboat.Communication;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Npgsql;

namespace Lifeboat.Retrospectives.Tests;

/// <summary>
/// A platform on its own database with the incident, communication and retrospective desks opened on it, acting as alice; the
/// operators who own actions (carol the commander, dana the communications lead, erin) exist.
/// </summary>
public sealed class RetroFixture : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public IncidentDesk Incidents { get; private set; } = null!;

    public CommunicationDesk Comms { get; private set; } = null!;

    public RetrospectiveDesk Desk { get; private set; } = null!;

    public TestClock Clock => Platform.Clock;

    public async ValueTask InitializeAsync()
    {
        await Platform.InitializeAsync();
        Incidents = await IncidentDesk.OpenAsync(Platform.Platform.WithActor("alice"));
        Comms = await CommunicationDesk.OpenAsync(Platform.Platform.WithActor("alice"), Incidents);
        Desk = await RetrospectiveDesk.OpenAsync(Platform.Platform.WithActor("alice"), Incidents, Comms);
        foreach (var (login, role) in new[] { ("carol", Roles.IncidentCommander), ("dana", Roles.Communications), ("erin", Roles.Operator) })
        {
            await Platform.Platform.Operators.CreateAsync(login, login, [role]);
        }
    }

    public RetrospectiveDesk As(string actor) => Desk.WithActor(actor);

    /// <summary>A day of the fixture's clock, <paramref name="days"/> from today (UTC).</summary>
    public DateOnly Day(int days) => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime).AddDays(days);

    /// <summary>Sites of their own, each with a user (so validation can sign in).</summary>
    public async Task<IReadOnlyList<SiteId>> NewSitesAsync(int count, string prefix = "Acme")
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            var site = (await Platform.Platform.Sites.CreateAsync(string.Create(CultureInfo.InvariantCulture, $"{prefix} {i} {Guid.NewGuid():n}"), "eu-west")).Id;
            await Platform.Platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            sites.Add(site);
        }

        return sites;
    }

    /// <summary>Deletes the sites with a completed cleanup plan (the damage a restore job from the plan undoes).</summary>
    public async Task<ChangePlan> DeleteAsync(IReadOnlyList<SiteId> sites)
    {
        var platform = Platform.Platform;
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>(StringComparer.Ordinal)));
        if (plan.Decision.NeedsSecondApprover)
        {
            await platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        var done = await platform.Plans.Runner.RunAsync(plan.Id);
        done.State.ShouldBe(PlanState.Completed, done.StateReason);
        return done;
    }

    /// <summary>An incident for the sites (deleted by a plan) with a commander (carol) and a communications lead (dana).</summary>
    public async Task<Incident> DeclareAsync(IReadOnlyList<SiteId> sites, ChangePlan? plan = null)
    {
        var incident = await Incidents.DeclareAsync(new IncidentDeclaration
        {
            Title = string.Create(CultureInfo.InvariantCulture, $"{sites.Count} sites deleted by a cleanup script"), Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Plan = plan?.Id, Sites = sites,
        });
        await Incidents.AssignAsync(incident.Id, IncidentRole.Commander, "carol");
        await Incidents.AssignAsync(incident.Id, IncidentRole.CommunicationsLead, "dana");
        return incident;
    }

    /// <summary>Restores every site the plan changed, with a worker run until the job is done.</summary>
    public async Task<RestoreJob> RestoreAsync(ChangePlan plan)
    {
        var job = await Platform.Platform.Restores.StartAsync(new RestoreJobRequest("put the sites back") { Plan = plan.Id });
        await using var worker = Platform.Platform.Restores.CreateWorker("w", 3);
        await worker.RunAsync(untilIdle: true);
        return job;
    }

    /// <summary>Drafts, approves (dana), double-checks (erin) and publishes an update.</summary>
    public async Task<IncidentUpdate> PublishedAsync(IncidentId incident, UpdateAudience audience, UpdatePhase phase, string message)
    {
        var drafted = await Comms.DraftUpdateAsync(incident, new UpdateDraft { Audience = audience, Phase = phase, Message = message });
        await Comms.WithActor("dana").ApproveUpdateAsync(incident, drafted.Number);
        await Comms.WithActor("erin").DoubleCheckUpdateAsync(incident, drafted.Number);
        return await Comms.WithActor("frank").PublishUpdateAsync(incident, drafted.Number);
    }

    /// <summary>Moves the incident forward, one phase at a time, to resolved.</summary>
    public async Task ResolveAsync(IncidentId incident)
    {
        var now = (await Incidents.GetAsync(incident)).Phase;
        for (var phase = now + 1; phase <= IncidentPhase.Resolved; phase++)
        {
            await Incidents.WithActor("carol").MovePhaseAsync(incident, phase);
        }
    }

    /// <summary>A small real incident whose sites were deleted and restored, resolved, with its retrospective opened by the product's pass.</summary>
    public async Task<Incident> ResolvedWithRetrospectiveAsync(int sites = 2, TimeSpan? restoreAfter = null)
    {
        var ids = await NewSitesAsync(sites);
        var plan = await DeleteAsync(ids);
        var incident = await DeclareAsync(ids, plan);
        Clock.Advance(restoreAfter ?? TimeSpan.FromMinutes(10));
        await RestoreAsync(plan);
        await ResolveAsync(incident.Id);
        (await Desk.DraftResolvedAsync()).ShouldContain(incident.Id);
        return incident;
    }

    /// <summary>Every row of the module's tables, as text: equal before and after means a refused call changed nothing.</summary>
    public async Task<string> StateAsync()
    {
        await using var connection = new NpgsqlConnection(Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(r ORDER BY incident_id)::text FROM retro.retrospectives r),
                (SELECT json_agg(d ORDER BY incident_id, draft_number)::text FROM retro.drafts d),
                (SELECT json_agg(e ORDER BY incident_id, entry_number)::text FROM retro.entries e),
                (SELECT json_agg(v ORDER BY incident_id, entry_number, revision)::text FROM retro.entry_revisions v),
                (SELECT json_agg(a ORDER BY incident_id, action_number)::text FROM retro.actions a),
                (SELECT json_agg(n ORDER BY incident_id, kind)::text FROM retro.kinds_not_needed n),
                (SELECT json_agg(m ORDER BY incident_id, action_number, reminder)::text FROM retro.action_reminders m))
            """, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a call that must be refused; returns its message after checking that nothing changed.</summary>
    public async Task<string> RefusedAsync(Func<Task> call)
    {
        var before = await StateAsync();
        var refused = await Should.ThrowAsync<PlatformException>(call);
        (await StateAsync()).ShouldBe(before, "a refused call must change nothing");
        return refused.Message;
    }

    public async ValueTask DisposeAsync()
    {
        await Desk.DisposeAsync();
        await Comms.DisposeAsync();
        await Incidents.DisposeAsync();
        await Platform.DisposeAsync();
    }
}
