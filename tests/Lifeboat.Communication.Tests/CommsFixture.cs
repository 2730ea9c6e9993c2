using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Npgsql;

namespace Lifeboat.Communication.Tests;

/// <summary>A platform on its own database, the incident desk and the communication desk opened on it, acting as alice.</summary>
public sealed class CommsFixture : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public IncidentDesk Incidents { get; private set; } = null!;

    public CommunicationDesk Desk { get; private set; } = null!;

    public TestClock Clock => Platform.Clock;

    public async ValueTask InitializeAsync()
    {
        await Platform.InitializeAsync();
        Incidents = await IncidentDesk.OpenAsync(Platform.Platform.WithActor("alice"));
        Desk = await CommunicationDesk.OpenAsync(Platform.Platform.WithActor("alice"), Incidents);
    }

    public CommunicationDesk As(string actor) => Desk.WithActor(actor);

    public Task<Incident> DeclareAsync(string title = "sites deleted by a cleanup script", IReadOnlyList<SiteId>? sites = null) =>
        Incidents.DeclareAsync(new IncidentDeclaration { Title = title, Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = sites ?? [] });

    /// <summary>
    /// <paramref name="count"/> sites of their own (each with a user, so validation can sign in), deleted by a cleanup plan, and
    /// an incident declared for them with a commander (carol) and a communications lead (dana).
    /// </summary>
    public async Task<(Incident Incident, ChangePlan Plan, IReadOnlyList<SiteId> Sites)> DeletedSitesAsync(int count, string prefix = "Acme")
    {
        var sites = await NewSitesAsync(count, prefix);
        var plan = await DeleteAsync(sites);
        var incident = await DeclareWithRolesAsync(sites, plan);
        return (incident, plan, sites);
    }

    /// <summary>Sites of their own, each with a user (so validation can sign in).</summary>
    public async Task<IReadOnlyList<SiteId>> NewSitesAsync(int count, string prefix = "Acme")
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            var site = (await Platform.Platform.Sites.CreateAsync($"{prefix} {i} {Guid.NewGuid():n}", "eu-west")).Id;
            await Platform.Platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            sites.Add(site);
        }

        return sites;
    }

    /// <summary>Deletes the sites with a completed cleanup plan (the damage a restore job from the plan undoes).</summary>
    public async Task<ChangePlan> DeleteAsync(IReadOnlyList<SiteId> sites)
    {
        var platform = Platform.Platform;
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>()));
        if (plan.Decision.NeedsSecondApprover)
        {
            await platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        var done = await platform.Plans.Runner.RunAsync(plan.Id);
        done.State.ShouldBe(PlanState.Completed, done.StateReason);
        return done;
    }

    /// <summary>An incident for the sites with a commander (carol) and a communications lead (dana).</summary>
    public async Task<Incident> DeclareWithRolesAsync(IReadOnlyList<SiteId> sites, ChangePlan? plan = null, IncidentDesk? desk = null)
    {
        desk ??= Incidents;
        var incident = await desk.DeclareAsync(new IncidentDeclaration
        {
            Title = $"{sites.Count} sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Plan = plan?.Id, Sites = sites,
        });
        await desk.AssignAsync(incident.Id, IncidentRole.Commander, "carol");
        await desk.AssignAsync(incident.Id, IncidentRole.CommunicationsLead, "dana");
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

    /// <summary>Drafts, approves (dana, the communications lead), double-checks (erin) and publishes an update.</summary>
    public async Task<IncidentUpdate> PublishedAsync(IncidentId incident, UpdateDraft draft)
    {
        var drafted = await Desk.DraftUpdateAsync(incident, draft);
        await As("dana").ApproveUpdateAsync(incident, drafted.Number);
        await As("erin").DoubleCheckUpdateAsync(incident, drafted.Number);
        return await As("frank").PublishUpdateAsync(incident, drafted.Number);
    }

    /// <summary>Every row of the module's tables, as text: equal before and after means a refused call changed nothing.</summary>
    public async Task<string> StateAsync()
    {
        await using var connection = new NpgsqlConnection(Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(u ORDER BY incident_id, update_number)::text FROM comms.updates u),
                (SELECT json_agg(e ORDER BY position)::text FROM comms.events e))
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
        await Incidents.DisposeAsync();
        await Platform.DisposeAsync();
    }
}
