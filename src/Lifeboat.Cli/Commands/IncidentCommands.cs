using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Internal;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat incident …`: incident command from a terminal, on the database or through a server, with the
/// permissions of the HTTP API (incidents.read to look and acknowledge, .declare to declare and note,
/// .command for everything a commander does).
/// </summary>
internal static class IncidentCommands
{
    /// <summary>How many timeline events `incident show` prints.</summary>
    public const int ShownEvents = 20;

    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var incident = new Command("incident", "Incident command: declare, list, phases, severity, roles, handoffs, the timeline, duplicates, the work (participants, tasks, streams, " +
            "the checklist, reminders), the code freeze, the site tracker, rollback risk, hypotheses");

        var title = new Option<string>("--title") { Description = "What is wrong, in a few words", Required = true };
        var type = new Option<string>("--type") { Description = "A short slug: lower-case letters, digits and dashes (mass-deletion)", Required = true };
        var severity = new Option<string>("--severity") { Description = "1 to 4 or SEV1 to SEV4 (SEV1 is the most serious)", Required = true };
        var isPublic = new Option<bool>("--public") { Description = "Visible beyond the incident's people (default: restricted)" };
        var sites = new Option<string[]>("--site") { Description = "Sites it concerns (site_…), repeated or comma separated", AllowMultipleArgumentsPerToken = true };
        var plan = new Option<string?>("--plan") { Description = "The plan that caused it (plan_…)" };
        var alert = new Option<string?>("--alert") { Description = "The alert that raised it (alr_…)" };
        var declareJson = Json();
        incident.Add(new Command("declare", "Declare an incident; it starts in phase investigating") { title, type, severity, isPublic, sites, plan, alert, declareJson }
            .OnIncidents(g, IncidentsDeclare, async (p, desk, ct) =>
            {
                var declared = await desk.DeclareAsync(new IncidentDeclaration
                {
                    Title = p.GetValue(title)!,
                    Type = p.GetValue(type)!,
                    Severity = IncidentWords.Severity(p.GetValue(severity)),
                    Visibility = p.GetValue(isPublic) ? IncidentVisibility.Public : IncidentVisibility.Restricted,
                    Sites = (p.GetValue(sites) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(SiteId.Parse).ToList(),
                    Plan = p.GetValue(plan) is { } pl ? PlanId.Parse(pl) : null,
                    Alert = p.GetValue(alert) is { } al ? AlertId.Parse(al) : null,
                }, ct);
                if (!WroteJson(console, p, declareJson, declared))
                {
                    console.MarkupLine($"Declared incident [bold]{declared.Id}[/]: {IncidentNames.Of(declared.Severity)} {E(declared.Type)} ({IncidentNames.Of(declared.Visibility)}), phase {IncidentNames.Of(declared.Phase)}, by {E(declared.DeclaredBy)}.");
                    console.MarkupLine($"Take command: lifeboat incident assign {declared.Id} commander <login>");
                }

                return LifeboatCli.Ok;
            }));

        var all = new Option<bool>("--all") { Description = "Closed incidents too (default: open ones only)" };
        var phase = new Option<string?>("--phase") { Description = "Only this phase (investigating, identified, restoring, monitoring, resolved, closed)" };
        var bySeverity = new Option<string?>("--severity") { Description = "Only this severity (1 to 4 or SEV1 to SEV4)" };
        var limit = new Option<int>("--limit") { Description = "At most this many (1 to 500)", DefaultValueFactory = _ => IncidentQuery.DefaultLimit };
        var listJson = Json();
        incident.Add(new Command("list", "Incidents, newest first, with their commanders") { all, phase, bySeverity, limit, listJson }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var listed = await desk.ListAsync(new IncidentQuery
            {
                OpenOnly = !p.GetValue(all),
                Phase = p.GetValue(phase) is { } ph ? IncidentWords.Phase(ph) : null,
                Severity = p.GetValue(bySeverity) is { } sev ? IncidentWords.Severity(sev) : null,
                Limit = p.GetValue(limit),
            }, ct);
            if (!WroteJson(console, p, listJson, listed))
            {
                WriteList(console, listed, p.GetValue(all) || p.GetValue(phase) is not null);
            }

            return LifeboatCli.Ok;
        }));

        var showId = Arg("incident", "The incident (inc_…)");
        var showJson = Json();
        incident.Add(new Command("show", $"An incident: its roles, the required roles no one holds, pending handoffs and its last {ShownEvents} timeline events") { showId, showJson }
            .OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(showId));
                var shown = await desk.GetAsync(id, ct);
                var roles = await desk.RolesAsync(id, ct);
                var missing = await desk.MissingRolesAsync(id, ct);
                var handoffs = await desk.PendingHandoffsAsync(id, ct);
                var timeline = await desk.TimelineAsync(id, ShownEvents, false, ct);
                if (!WroteJson(console, p, showJson, new { incident = shown, roles, missingRoles = missing, pendingHandoffs = handoffs, timeline }))
                {
                    WriteIncident(console, shown, roles, missing, handoffs, timeline);
                }

                return LifeboatCli.Ok;
            }));

        var phaseId = Arg("incident", "The incident (inc_…)");
        var phaseTo = Arg("phase", "The next phase: investigating, identified, restoring, monitoring, resolved, closed");
        var phaseNote = new Option<string?>("--note") { Description = "What brought it there" };
        incident.Add(new Command("phase", "Move to the next phase (one step at a time)") { phaseId, phaseTo, phaseNote }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var moved = await desk.MovePhaseAsync(IncidentId.Parse(p.GetValue(phaseId)), IncidentWords.Phase(p.GetValue(phaseTo)), p.GetValue(phaseNote), ct);
            return $"Incident {moved.Id} is now {IncidentNames.Of(moved.Phase)}.";
        }));

        var severityId = Arg("incident", "The incident (inc_…)");
        var severityTo = Arg("severity", "1 to 4 or SEV1 to SEV4");
        var severityReason = new Option<string?>("--reason") { Description = "Why" };
        incident.Add(new Command("severity", "Set the severity") { severityId, severityTo, severityReason }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var set = await desk.SetSeverityAsync(IncidentId.Parse(p.GetValue(severityId)), IncidentWords.Severity(p.GetValue(severityTo)), p.GetValue(severityReason), ct);
            return $"Incident {set.Id} is now {IncidentNames.Of(set.Severity)}.";
        }));

        incident.Add(RoleCommand("assign", "Give a person a role (or, with --backup, its backup); a single-holder role held by someone else is refused: hand it off instead", g, console,
            async (desk, id, role, person, slot, ct) =>
            {
                var held = await desk.AssignAsync(id, role, person, slot, ct);
                return $"{E(held.Person)} is the {Slot(held.Slot)}{IncidentNames.Of(held.Role)} of incident {id}.";
            }));
        incident.Add(RoleCommand("release", "End a person's holding of a role (or, with --backup, its backup)", g, console,
            async (desk, id, role, person, slot, ct) =>
            {
                await desk.ReleaseAsync(id, role, person, slot, ct);
                return $"{E(person)} is no longer the {Slot(slot)}{IncidentNames.Of(role)} of incident {id}.";
            }));

        var handId = Arg("incident", "The incident (inc_…)");
        var handRole = Arg("role", Roles);
        var handTo = Arg("person", "Who takes it over (a login)");
        var handNote = new Option<string>("--note") { Description = "What the receiver needs to know: the state, what is under way, what is next", Required = true };
        var handBackup = new Option<bool>("--backup") { Description = "Hand over the backup of the role" };
        incident.Add(new Command("handoff", "Hand a role over to a person with a written note; the receiver acknowledges it") { handId, handRole, handTo, handNote, handBackup }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(handId));
                var handoff = await desk.HandOffAsync(id, IncidentWords.Role(p.GetValue(handRole)), p.GetValue(handTo)!, p.GetValue(handNote)!,
                    p.GetValue(handBackup) ? RoleSlot.Backup : RoleSlot.Holder, ct);
                return $"Handoff {handoff.Id} of the {Slot(handoff.Slot)}{IncidentNames.Of(handoff.Role)} from {E(handoff.From)} to {E(handoff.To)} is written. " +
                       $"{E(handoff.To)} acknowledges it: lifeboat incident ack {id} {handoff.Id}";
            }));

        var ackId = Arg("incident", "The incident (inc_…)");
        var ackHandoff = new Argument<long>("handoff") { Description = "The handoff's number (lifeboat incident show lists pending ones)" };
        // Reading is enough, as over HTTP: the desk lets only the handoff's receiver acknowledge it.
        incident.Add(new Command("ack", "Acknowledge a handoff made to you") { ackId, ackHandoff }.OnIncidents(g, IncidentsRead, console, async (p, desk, ct) =>
        {
            var acknowledged = await desk.AcknowledgeAsync(IncidentId.Parse(p.GetValue(ackId)), p.GetValue(ackHandoff), ct);
            return $"{E(acknowledged.AcknowledgedBy)} acknowledged handoff {acknowledged.Id}: the {Slot(acknowledged.Slot)}{IncidentNames.Of(acknowledged.Role)} is theirs.";
        }));

        var noteId = Arg("incident", "The incident (inc_…)");
        var noteText = Arg("text", "What happened or what was decided");
        incident.Add(new Command("note", "Add a note to the timeline") { noteId, noteText }.OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
        {
            var noted = await desk.NoteAsync(IncidentId.Parse(p.GetValue(noteId)), p.GetValue(noteText)!, ct);
            return $"Event {noted.Id} added to the timeline of incident {noted.Incident}.";
        }));

        var updateId = Arg("incident", "The incident (inc_…)");
        var updateText = Arg("text", "What customers were told (the status page's or the e-mail's words)");
        incident.Add(new Command("customer-update", "Record what customers were told: it resets the customer-update reminder") { updateId, updateText }
            .OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
        {
            var recorded = await desk.RecordCustomerUpdateAsync(IncidentId.Parse(p.GetValue(updateId)), p.GetValue(updateText)!, ct);
            return $"Customer update recorded as event {recorded.Id} of incident {recorded.Incident}.";
        }));

        var timelineId = Arg("incident", "The incident (inc_…)");
        var timelineLimit = new Option<int>("--limit") { Description = "At most this many events (1 to 1000)", DefaultValueFactory = _ => 100 };
        var pinned = new Option<bool>("--pinned") { Description = "Only pinned events" };
        var timelineJson = Json();
        incident.Add(new Command("timeline", "The timeline, newest first") { timelineId, timelineLimit, pinned, timelineJson }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var events = await desk.TimelineAsync(IncidentId.Parse(p.GetValue(timelineId)), p.GetValue(timelineLimit), p.GetValue(pinned), ct);
            if (!WroteJson(console, p, timelineJson, events))
            {
                WriteTimeline(console, events);
            }

            return LifeboatCli.Ok;
        }));

        var pinId = Arg("incident", "The incident (inc_…)");
        var pinEvent = new Argument<long>("event") { Description = "The event's number (lifeboat incident timeline lists them)" };
        incident.Add(new Command("pin", "Pin a timeline event for the retrospective") { pinId, pinEvent }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var pinnedEvent = await desk.PinAsync(IncidentId.Parse(p.GetValue(pinId)), p.GetValue(pinEvent), ct);
            return $"Event {pinnedEvent.Id} of incident {pinnedEvent.Incident} is pinned by {E(pinnedEvent.PinnedBy)}.";
        }));

        var duplicate = Arg("duplicate", "The incident that duplicates another (inc_…); it is closed");
        var into = new Option<string>("--into") { Description = "The incident that goes on (inc_…)", Required = true };
        incident.Add(new Command("merge", "Merge an incident into another as its duplicate") { duplicate, into }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var merged = await desk.MergeAsync(IncidentId.Parse(p.GetValue(duplicate)), IncidentId.Parse(p.GetValue(into)), ct);
            return $"Incident {merged.Id} is closed as a duplicate of {merged.DuplicateOf}.";
        }));

        IncidentWorkCommands.AddTo(incident, g, console);
        IncidentTrackingCommands.AddTo(incident, g, console);
        UpdateCommands.AddTo(incident, g, console);
        return incident;
    }

    private const string Roles = "commander, approver, contributor, informed, scribe, communications-lead or support-lead";

    private static Command RoleCommand(string name, string description, GlobalOptions g, IAnsiConsole console,
        Func<IIncidentTarget, IncidentId, IncidentRole, string, RoleSlot, CancellationToken, Task<string>> action)
    {
        var id = Arg("incident", "The incident (inc_…)");
        var role = Arg("role", Roles);
        var person = Arg("person", "The person (a login)");
        var backup = new Option<bool>("--backup") { Description = "The role's backup rather than its holder" };
        return new Command(name, description) { id, role, person, backup }.OnIncidents(g, IncidentsCommand, console, (p, desk, ct) =>
            action(desk, IncidentId.Parse(p.GetValue(id)), IncidentWords.Role(p.GetValue(role)), p.GetValue(person)!, p.GetValue(backup) ? RoleSlot.Backup : RoleSlot.Holder, ct));
    }

    /// <summary>The environment variable naming the runbook folder in local mode.</summary>
    public const string RunbooksVariable = "LIFEBOAT_RUNBOOKS";

    /// <summary>
    /// The command runs against the desk on the database (opened for this command, acting as the CLI's
    /// principal held to <paramref name="permission"/>, giving roles only to operators whose roles allow them, as the
    /// server does) or, in remote mode, against the server's API.
    /// </summary>
    internal static Command OnIncidents(this Command command, GlobalOptions g, string permission, Func<ParseResult, IIncidentTarget, CancellationToken, Task<int>> action) =>
        command.WithSession(g, permission, async (p, session, ct) =>
        {
            // LIFEBOAT_RUNBOOKS names the runbook folder, as Lifeboat:Runbooks does for the server: an incident declared
            // on the database then gets its type's checklist as one declared through the server does.
            await using var desk = g.Environment.Variable(RunbooksVariable) is { Length: > 0 } folder
                ? await IncidentDesk.OpenAsync(session.Platform, new IncidentDeskOptions { RunbookFolder = folder }, ct)
                : await IncidentDesk.OpenAsync(session.Platform, ct);
            return await action(p, new LocalIncidents(desk.As(session.Principal).WithSource(LocalIncidents.Source).WithRolePermissions(), session.Principal), ct);
        }, (p, target, ct) => action(p, new RemoteIncidents(target), ct));

    internal static Command OnIncidents(this Command command, GlobalOptions g, string permission, IAnsiConsole console,
        Func<ParseResult, IIncidentTarget, CancellationToken, Task<string>> action) =>
        command.OnIncidents(g, permission, async (p, desk, ct) =>
        {
            console.MarkupLine(await action(p, desk, ct));
            return LifeboatCli.Ok;
        });

    internal static Option<bool> Json() => new("--json") { Description = "Write JSON (the API's shapes) instead of text" };

    /// <summary>With --json, writes <paramref name="value"/> as the API would answer it and returns true.</summary>
    internal static bool WroteJson(IAnsiConsole console, ParseResult p, Option<bool> json, object value)
    {
        if (!p.GetValue(json))
        {
            return false;
        }

        console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
        return true;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(PlatformJson.Options) { WriteIndented = true };

    private static string Slot(RoleSlot slot) => slot == RoleSlot.Backup ? "backup " : "";

    private static void WriteList(IAnsiConsole console, IReadOnlyList<ListedIncident> listed, bool closedToo)
    {
        if (listed.Count == 0)
        {
            console.MarkupLine(closedToo ? "No incident." : "No open incident. Closed ones too: lifeboat incident list --all");
            return;
        }

        var table = new Table().AddColumns("Incident", "Severity", "Phase", "Commander", "Declared", "Title");
        foreach (var (i, commander) in listed)
        {
            table.AddRow(i.Id.Value, IncidentNames.Of(i.Severity), IncidentNames.Of(i.Phase), commander is null ? "(none)" : E(commander), StoreCommands.Time(i.DeclaredAt), E(i.Title));
        }

        console.Write(table);
    }

    private static void WriteIncident(IAnsiConsole console, Incident i, IReadOnlyList<RoleHolding> roles, IReadOnlyList<string> missing,
        IReadOnlyList<Handoff> handoffs, IReadOnlyList<TimelineEvent> timeline)
    {
        var facts = new Grid().AddColumn().AddColumn();
        facts.AddRow("Incident", $"[bold]{i.Id}[/]");
        facts.AddRow("Title", E(i.Title));
        facts.AddRow("Type", E(i.Type));
        facts.AddRow("Severity", IncidentNames.Of(i.Severity));
        facts.AddRow("Phase", IncidentNames.Of(i.Phase) + (i.DuplicateOf is { } survivor ? $" (duplicate of {survivor})" : ""));
        facts.AddRow("Visibility", IncidentNames.Of(i.Visibility));
        facts.AddRow("Declared", $"{StoreCommands.Time(i.DeclaredAt)} by {E(i.DeclaredBy)}");
        if (i.Plan is { } plan)
        {
            facts.AddRow("Plan", plan.Value);
        }

        if (i.Alert is { } alert)
        {
            facts.AddRow("Alert", alert.Value);
        }

        if (i.Sites.Count > 0)
        {
            facts.AddRow("Sites", $"{i.Sites.Count}: {string.Join(", ", i.Sites.Take(10))}{(i.Sites.Count > 10 ? ", …" : "")}");
        }

        console.Write(facts);
        console.WriteLine();

        if (roles.Count == 0)
        {
            console.MarkupLine("Roles: no one holds a role yet.");
        }
        else
        {
            var table = new Table().AddColumns("Role", "Slot", "Person", "Since", "Assigned by");
            foreach (var r in roles.OrderBy(r => r.Role).ThenBy(r => r.Slot))
            {
                table.AddRow(IncidentNames.Of(r.Role), IncidentNames.Of(r.Slot), E(r.Person), StoreCommands.Time(r.From), E(r.AssignedBy));
            }

            console.Write(table);
        }

        console.MarkupLine(missing.Count == 0 ? "Every required role and backup is held." : $"[yellow]No one holds: {E(string.Join(", ", missing))}.[/]");

        if (handoffs.Count > 0)
        {
            var table = new Table().AddColumns("Handoff", "Role", "From", "To", "Handed", "Note");
            foreach (var h in handoffs)
            {
                table.AddRow(h.Id.ToString(CultureInfo.InvariantCulture), Slot(h.Slot) + IncidentNames.Of(h.Role), E(h.From), E(h.To), StoreCommands.Time(h.HandedAt), E(h.Packet.Note));
            }

            console.MarkupLine("Pending handoffs (the receiver acknowledges: lifeboat incident ack <incident> <handoff>):");
            console.Write(table);
        }

        console.MarkupLine($"Timeline, newest first (the last {ShownEvents}; all: lifeboat incident timeline {i.Id}):");
        WriteTimeline(console, timeline);
    }

    private static void WriteTimeline(IAnsiConsole console, IReadOnlyList<TimelineEvent> events)
    {
        var table = new Table().AddColumns("Event", "At", "Actor", "Source", "Kind", "Pinned", "Text");
        foreach (var e in events)
        {
            table.AddRow(e.Id.ToString(CultureInfo.InvariantCulture), StoreCommands.Time(e.At), E(e.Actor), E(e.Source), E(e.Kind), e.PinnedBy is { } by ? $"by {E(by)}" : "", E(e.Text));
        }

        console.Write(table);
    }
}
