using System.Globalization;
using Lifeboat.Cli.Identity;
using Lifeboat.Incidents;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Where `lifeboat incident …` runs: the incident desk on the database (local mode, acting as the CLI's
/// principal with the source "cli") or a server's /api/incidents (remote mode, acting as the token's
/// principal). Each command is written once against this; both answer in the library's own types.
/// </summary>
internal interface IIncidentTarget
{
    Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct);

    Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct);

    Task<Incident> GetAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken ct);

    /// <summary>"commander", "backup scribe": the required roles and backups no one holds.</summary>
    Task<IReadOnlyList<string>> MissingRolesAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit, bool pinnedOnly, CancellationToken ct);

    Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase phase, string? note, CancellationToken ct);

    Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason, CancellationToken ct);

    Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct);

    Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct);

    Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct);

    Task<Handoff> AcknowledgeAsync(IncidentId incident, long handoff, CancellationToken ct);

    Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken ct);

    Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken ct);

    Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct);
}

/// <summary>The desk on the database, acting as the CLI's principal.</summary>
internal sealed class LocalIncidents(IncidentDesk desk) : IIncidentTarget
{
    /// <summary>What the timeline records as the source of a change made with the CLI on the database.</summary>
    public const string Source = "cli";

    public Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct) => desk.DeclareAsync(declaration, ct);

    public Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct) => desk.ListAsync(query, ct);

    public Task<Incident> GetAsync(IncidentId incident, CancellationToken ct) => desk.GetAsync(incident, ct);

    public Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken ct) => desk.RolesAsync(incident, ct);

    public async Task<IReadOnlyList<string>> MissingRolesAsync(IncidentId incident, CancellationToken ct) =>
        (await desk.MissingRolesAsync(incident, ct)).Select(g => g.Described).ToList();

    public Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken ct) => desk.PendingHandoffsAsync(incident, ct);

    public Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit, bool pinnedOnly, CancellationToken ct) =>
        desk.TimelineAsync(incident, limit, pinnedOnly, ct);

    public Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase phase, string? note, CancellationToken ct) => desk.MovePhaseAsync(incident, phase, note, ct);

    public Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason, CancellationToken ct) =>
        desk.SetSeverityAsync(incident, severity, reason, ct);

    public Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        desk.AssignAsync(incident, role, person, slot, ct);

    public Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        desk.ReleaseAsync(incident, role, person, slot, ct);

    public Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct) =>
        desk.HandOffAsync(incident, role, to, note, slot, ct);

    public Task<Handoff> AcknowledgeAsync(IncidentId incident, long handoff, CancellationToken ct) => desk.AcknowledgeHandoffAsync(incident, handoff, ct);

    public Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken ct) => desk.NoteAsync(incident, text, ct);

    public Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken ct) => desk.PinAsync(incident, eventId, ct);

    public Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct) => desk.MergeAsDuplicateAsync(duplicate, survivor, ct);
}

/// <summary>A server's /api/incidents, with the words the API takes ("communications-lead", "backup").</summary>
internal sealed class RemoteIncidents(RemoteTarget target) : IIncidentTarget
{
    public Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct) => target.PostAsync<Incident>("api/incidents", new
    {
        title = declaration.Title,
        type = declaration.Type,
        severity = (int)declaration.Severity,
        visibility = IncidentNames.Of(declaration.Visibility),
        alert = declaration.Alert?.Value,
        plan = declaration.Plan?.Value,
        sites = declaration.Sites.Select(s => s.Value).ToList(),
    }, ct);

    public async Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct)
    {
        var parameters = new List<string> { $"limit={query.Limit.ToString(CultureInfo.InvariantCulture)}" };
        if (!query.OpenOnly)
        {
            parameters.Add("all=true");
        }

        if (query.Phase is { } phase)
        {
            parameters.Add($"phase={IncidentNames.Of(phase)}");
        }

        if (query.Severity is { } severity)
        {
            parameters.Add($"severity={(int)severity}");
        }

        return await target.GetAsync<List<ListedIncident>>($"api/incidents?{string.Join('&', parameters)}", ct);
    }

    public Task<Incident> GetAsync(IncidentId incident, CancellationToken ct) => target.GetAsync<Incident>($"api/incidents/{incident}", ct);

    public async Task<IReadOnlyList<RoleHolding>> RolesAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<RoleHolding>>($"api/incidents/{incident}/roles", ct);

    public async Task<IReadOnlyList<string>> MissingRolesAsync(IncidentId incident, CancellationToken ct) =>
        (await target.GetAsync($"api/incidents/{incident}/roles/missing", ct)).AsArray().Select(g => g?["described"]?.GetValue<string>() ?? "").ToList();

    public async Task<IReadOnlyList<Handoff>> PendingHandoffsAsync(IncidentId incident, CancellationToken ct) =>
        await target.GetAsync<List<Handoff>>($"api/incidents/{incident}/handoffs/pending", ct);

    public async Task<IReadOnlyList<TimelineEvent>> TimelineAsync(IncidentId incident, int limit, bool pinnedOnly, CancellationToken ct) =>
        await target.GetAsync<List<TimelineEvent>>(
            $"api/incidents/{incident}/timeline?limit={limit.ToString(CultureInfo.InvariantCulture)}&pinnedOnly={(pinnedOnly ? "true" : "false")}", ct);

    public Task<Incident> MovePhaseAsync(IncidentId incident, IncidentPhase phase, string? note, CancellationToken ct) =>
        target.PostAsync<Incident>($"api/incidents/{incident}/phase", new { phase = IncidentNames.Of(phase), note }, ct);

    public Task<Incident> SetSeverityAsync(IncidentId incident, IncidentSeverity severity, string? reason, CancellationToken ct) =>
        target.PostAsync<Incident>($"api/incidents/{incident}/severity", new { severity = (int)severity, reason }, ct);

    public Task<RoleHolding> AssignAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        target.PostAsync<RoleHolding>($"api/incidents/{incident}/roles", new { role = IncidentNames.Of(role), person, slot = IncidentNames.Of(slot) }, ct);

    public Task ReleaseAsync(IncidentId incident, IncidentRole role, string person, RoleSlot slot, CancellationToken ct) =>
        target.PostAsync($"api/incidents/{incident}/roles/release", new { role = IncidentNames.Of(role), person, slot = IncidentNames.Of(slot) }, ct);

    public Task<Handoff> HandOffAsync(IncidentId incident, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct) =>
        target.PostAsync<Handoff>($"api/incidents/{incident}/handoffs", new { role = IncidentNames.Of(role), to, note, slot = IncidentNames.Of(slot) }, ct);

    public Task<Handoff> AcknowledgeAsync(IncidentId incident, long handoff, CancellationToken ct) =>
        target.PostAsync<Handoff>($"api/incidents/{incident}/handoffs/{handoff.ToString(CultureInfo.InvariantCulture)}/acknowledge", null, ct);

    public Task<TimelineEvent> NoteAsync(IncidentId incident, string text, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/notes", new { text }, ct);

    public Task<TimelineEvent> PinAsync(IncidentId incident, long eventId, CancellationToken ct) =>
        target.PostAsync<TimelineEvent>($"api/incidents/{incident}/pins", new { @event = eventId }, ct);

    public Task<Incident> MergeAsync(IncidentId duplicate, IncidentId survivor, CancellationToken ct) =>
        target.PostAsync<Incident>($"api/incidents/{duplicate}/merge", new { into = survivor.Value }, ct);
}
