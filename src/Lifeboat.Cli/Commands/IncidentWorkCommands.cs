using System.CommandLine;
using System.Globalization;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat incident join | participants | task … | workload | stream … | checklist … | reminders | snooze`: the work
/// of an incident, with the parameters and permissions of its HTTP endpoints. Required words the desk checks (a task's
/// purpose, a drop's reason) are passed on as given, so leaving one out is the desk's own refusal, saying what to write.
/// </summary>
internal static class IncidentWorkCommands
{
    public static void AddTo(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        AddParticipants(incident, g, console);
        incident.Add(TaskCommand(g, console));
        AddWorkload(incident, g, console);
        incident.Add(StreamCommand(g, console));
        incident.Add(ChecklistCommand(g, console));
        AddReminders(incident, g, console);
    }

    private static Argument<string> IncidentArg() => Arg("incident", "The incident (inc_…)");

    private static void AddParticipants(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        var joinId = IncidentArg();
        var region = new Option<string?>("--region") { Description = "Where you work from, a short name (apac); left out, it stays as it was" };
        var shift = new Option<string?>("--shift") { Description = "Your shift, HH:MM-HH:MM UTC (00:00-08:00); left out, it stays as it was" };
        incident.Add(new Command("join", "Take part in the incident yourself, or update your region and shift") { joinId, region, shift }
            .OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
            {
                var joined = await desk.JoinAsync(IncidentId.Parse(p.GetValue(joinId)), p.GetValue(region), p.GetValue(shift), ct);
                return $"{E(joined.Person)} takes part in incident {joined.Incident} (region {E(joined.Region ?? "not given")}, shift {E(joined.Shift ?? "not given")}).";
            }));

        var listId = IncidentArg();
        var json = IncidentCommands.Json();
        incident.Add(new Command("participants", "Everyone taking part, with their region and shift") { listId, json }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var id = IncidentId.Parse(p.GetValue(listId));
            var participants = await desk.ParticipantsAsync(id, ct);
            if (!IncidentCommands.WroteJson(console, p, json, participants))
            {
                if (participants.Count == 0)
                {
                    console.MarkupLine($"No one takes part in incident {id} yet. Join: lifeboat incident join {id} [--region …] [--shift …]");
                }
                else
                {
                    var table = new Table().AddColumns("Person", "Region", "Shift", "Joined", "Added by");
                    foreach (var x in participants)
                    {
                        table.AddRow(E(x.Person), E(x.Region), E(x.Shift), StoreCommands.Time(x.JoinedAt), E(x.JoinedBy));
                    }

                    console.Write(table);
                }
            }

            return LifeboatCli.Ok;
        }));
    }

    private static Command TaskCommand(GlobalOptions g, IAnsiConsole console)
    {
        var task = new Command("task", "The incident's tasks: each says what it is for and what to do");

        var listId = IncidentArg();
        var stream = new Option<string?>("--stream") { Description = "Only this stream's tasks (its slug)" };
        var json = IncidentCommands.Json();
        task.Add(new Command("list", "The tasks in number order") { listId, stream, json }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var tasks = await desk.TasksAsync(IncidentId.Parse(p.GetValue(listId)), p.GetValue(stream), ct);
            if (!IncidentCommands.WroteJson(console, p, json, tasks))
            {
                WriteTasks(console, tasks);
            }

            return LifeboatCli.Ok;
        }));

        var assignId = IncidentArg();
        var purpose = new Option<string?>("--purpose") { Description = "What the task is for (required, up to 500 characters): the why a person needs to judge it" };
        var action = new Option<string?>("--action") { Description = "What to do (required, up to 500 characters)" };
        var owner = new Option<string?>("--owner") { Description = "A participant (a login); left out, anyone may claim it" };
        var due = new Option<DateTimeOffset?>("--due") { Description = "When it is due (2026-04-05T10:00:00Z)" };
        var inStream = new Option<string?>("--stream") { Description = "The open stream it belongs to (its slug)" };
        task.Add(new Command("assign", "Assign a task: what for and what to do, to a participant or to no one yet (to be claimed)") { assignId, purpose, action, owner, due, inStream }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(assignId));
                var assigned = await desk.AssignTaskAsync(id, new TaskAssignment
                {
                    Purpose = p.GetValue(purpose) ?? "",
                    Action = p.GetValue(action) ?? "",
                    Owner = p.GetValue(owner),
                    Due = p.GetValue(due),
                    Stream = p.GetValue(inStream),
                }, ct);
                return $"Task #{assigned.Number} of incident {id}: {E(assigned.Action)} (for: {E(assigned.Purpose)}), " +
                       (assigned.Owner is { } o ? $"{E(o)}'s." : $"no one's yet: lifeboat incident task claim {id} {assigned.Number}");
            }));

        task.Add(NumberedTaskCommand("claim", "Take a task no one owns", IncidentsDeclare, g, console, async (desk, id, number, ct) =>
        {
            var claimed = await desk.ClaimTaskAsync(id, number, ct);
            return $"Task #{claimed.Number} of incident {id} is {E(claimed.Owner)}'s: {E(claimed.Action)}.";
        }));
        task.Add(NumberedTaskCommand("complete", "Mark a task done (your own; someone else's needs incidents.command)", IncidentsDeclare, g, console, async (desk, id, number, ct) =>
        {
            var done = await desk.CompleteTaskAsync(id, number, ct);
            return $"Task #{done.Number} of incident {id} is done: {E(done.Action)}.";
        }));

        var dropId = IncidentArg();
        var dropNumber = new Argument<int>("task") { Description = "The task's number (lifeboat incident task list shows them)" };
        var reason = new Option<string?>("--reason") { Description = "Why it is no longer needed (required)" };
        task.Add(new Command("drop", "Drop a task, with a reason") { dropId, dropNumber, reason }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var id = IncidentId.Parse(p.GetValue(dropId));
            var dropped = await desk.DropTaskAsync(id, p.GetValue(dropNumber), p.GetValue(reason) ?? "", ct);
            return $"Task #{dropped.Number} of incident {id} is dropped: {E(dropped.StateReason)}.";
        }));
        return task;
    }

    private static Command NumberedTaskCommand(string name, string description, string permission, GlobalOptions g, IAnsiConsole console,
        Func<IIncidentTarget, IncidentId, int, CancellationToken, Task<string>> run)
    {
        var id = IncidentArg();
        var number = new Argument<int>("task") { Description = "The task's number (lifeboat incident task list shows them)" };
        return new Command(name, description) { id, number }.OnIncidents(g, permission, console, (p, desk, ct) => run(desk, IncidentId.Parse(p.GetValue(id)), p.GetValue(number), ct));
    }

    private static void AddWorkload(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        var id = IncidentArg();
        var silentAfter = new Option<int>("--silent-after") { Description = "Minutes without activity after which a participant counts as silent", DefaultValueFactory = _ => 30 };
        var json = IncidentCommands.Json();
        incident.Add(new Command("workload", "The commander's view: per participant, open tasks, idle, last activity, silent") { id, silentAfter, json }
            .OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
            {
                var minutes = p.GetValue(silentAfter);
                if (minutes < 1)
                {
                    throw new PlatformException(PlatformErrorKind.Invalid,
                        $"--silent-after {minutes} is not a number of minutes: give 1 or more (30 is the default).");
                }

                var workload = await desk.WorkloadAsync(IncidentId.Parse(p.GetValue(id)), TimeSpan.FromMinutes(minutes), ct);
                if (!IncidentCommands.WroteJson(console, p, json, workload))
                {
                    var table = new Table().AddColumns("Person", "Region", "Shift", "Open tasks", "Last activity", "State");
                    foreach (var w in workload)
                    {
                        table.AddRow(E(w.Person), E(w.Region), E(w.Shift), w.Idle ? "" : string.Join(", ", w.OpenTasks.Select(t => $"#{t}")),
                            w.LastActivity is { } at ? StoreCommands.Time(at) : "(none)", w.Silent ? "[yellow]silent[/]" : w.Idle ? "idle" : "busy");
                    }

                    console.Write(table);
                }

                return LifeboatCli.Ok;
            }));
    }

    private static Command StreamCommand(GlobalOptions g, IAnsiConsole console)
    {
        var stream = new Command("stream", "Sub-streams of the incident: each with a lead, a goal and its own update cadence");

        var listId = IncidentArg();
        var json = IncidentCommands.Json();
        stream.Add(new Command("list", "The streams, each with its tasks open and done and its last update") { listId, json }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var streams = await desk.StreamsAsync(IncidentId.Parse(p.GetValue(listId)), ct);
            if (!IncidentCommands.WroteJson(console, p, json, streams))
            {
                var table = new Table().AddColumns("Stream", "Lead", "Goal", "Cadence", "Open tasks", "Done", "Last update", "State");
                foreach (var s in streams)
                {
                    table.AddRow(E(s.Slug), E(s.Lead), E(s.Goal), s.Cadence is { } c ? $"{c.TotalMinutes:0} min" : "the incident's",
                        s.OpenTasks.ToString(CultureInfo.InvariantCulture), s.DoneTasks.ToString(CultureInfo.InvariantCulture),
                        s.LastUpdateAt is { } at ? StoreCommands.Time(at) : "(none)", s.ClosedAt is { } closed ? $"closed {StoreCommands.Time(closed)} by {E(s.ClosedBy)}" : "open");
                }

                console.Write(table);
            }

            return LifeboatCli.Ok;
        }));

        var openId = IncidentArg();
        var slug = Arg("stream", "A slug unique in the incident: lower-case letters, digits and dashes (restore-wave-1)");
        var lead = new Option<string?>("--lead") { Description = "Who leads it: a participant (a login)" };
        var goal = new Option<string?>("--goal") { Description = "What it is to achieve (up to 500 characters)" };
        var cadence = new Option<int?>("--cadence") { Description = "Minutes between the stream's own updates (1 to 1440); left out, it follows the incident's" };
        stream.Add(new Command("open", "Open a sub-stream with a lead, a goal and optionally its own cadence") { openId, slug, lead, goal, cadence }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(openId));
                var opened = await desk.OpenStreamAsync(id, new StreamOpening
                {
                    Slug = p.GetValue(slug) ?? "",
                    Lead = p.GetValue(lead) ?? "",
                    Goal = p.GetValue(goal) ?? "",
                    Cadence = p.GetValue(cadence) is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
                }, ct);
                return $"Stream {E(opened.Slug)} of incident {id} is open, led by {E(opened.Lead)}: {E(opened.Goal)}.";
            }));

        var fromId = IncidentArg();
        var fromJob = new Option<string>("--job") { Description = "The restore job whose sites the streams restore (rjob_…)", Required = true };
        var fromLead = new Option<string?>("--lead") { Description = "Who leads the streams: a participant (a login)" };
        var fromBy = new Option<string?>("--by") { Description = "region (one stream per region, the default) or batch (one per --batch-size sites)" };
        var fromSize = new Option<int?>("--batch-size") { Description = "Sites per stream, with --by batch (1 to 10,000)" };
        stream.Add(new Command("from-restore", "Open one stream per region (restore-<region>) or per batch of a restore job's sites; their progress is read from the job")
            { fromId, fromJob, fromLead, fromBy, fromSize }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(fromId));
                var opened = await desk.OpenRestoreStreamsAsync(id, new RestoreStreamsOpening
                {
                    Job = RestoreJobId.Parse(p.GetValue(fromJob)!.Trim()),
                    Lead = p.GetValue(fromLead) ?? "",
                    By = IncidentWords.RestoreStreamGrouping(p.GetValue(fromBy)),
                    BatchSize = p.GetValue(fromSize),
                }, ct);
                return $"{opened.Count} stream(s) of incident {id} opened for restore job {E(p.GetValue(fromJob)!.Trim())}: " +
                    string.Join(", ", opened.Select(s => $"{E(s.Slug)} ({E(s.Goal)})")) + ".";
            }));

        var closeId = IncidentArg();
        var closeSlug = Arg("stream", "The stream's slug");
        stream.Add(new Command("close", "Close a stream whose tasks are all done or dropped") { closeId, closeSlug }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var closed = await desk.CloseStreamAsync(IncidentId.Parse(p.GetValue(closeId)), p.GetValue(closeSlug)!, ct);
            return $"Stream {E(closed.Slug)} of incident {closed.Incident} is closed ({closed.DoneTasks} task(s) done).";
        }));

        var updateId = IncidentArg();
        var updateSlug = Arg("stream", "The stream's slug");
        var text = Arg("text", "The stream's update");
        stream.Add(new Command("update", "Post a stream's own update: it restarts the stream's cadence") { updateId, updateSlug, text }
            .OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
            {
                var posted = await desk.StreamUpdateAsync(IncidentId.Parse(p.GetValue(updateId)), p.GetValue(updateSlug)!, p.GetValue(text)!, ct);
                return $"Update of stream {E(p.GetValue(updateSlug))} posted as event {posted.Id} of incident {posted.Incident}.";
            }));
        return stream;
    }

    private static Command ChecklistCommand(GlobalOptions g, IAnsiConsole console)
    {
        var id = IncidentArg();
        var json = IncidentCommands.Json();
        var checklist = new Command("checklist", "The checklist posted from the type's runbook when the incident was declared; claim or tick its items") { id, json }
            .OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
            {
                var incident = IncidentId.Parse(p.GetValue(id));
                var items = await desk.ChecklistAsync(incident, ct);
                if (!IncidentCommands.WroteJson(console, p, json, items))
                {
                    WriteChecklist(console, incident, items);
                }

                return LifeboatCli.Ok;
            });

        checklist.Add(ItemCommand("claim", "Claim an item: a task for it becomes yours", g, console, async (desk, incident, item, ct) =>
        {
            var claimed = await desk.ClaimChecklistItemAsync(incident, item, ct);
            return $"Item {E(claimed.Id)} of incident {incident} is claimed: task #{claimed.Task} is yours.";
        }));
        checklist.Add(ItemCommand("tick", "Tick an item; a double-check item's second tick must be someone else's", g, console, async (desk, incident, item, ct) =>
        {
            var ticked = await desk.TickAsync(incident, item, ct);
            return ticked.Done
                ? $"Item {E(ticked.Id)} of incident {incident} is done (ticked by {E(ticked.TickedBy)}{(ticked.CheckedBy is { } by ? $", checked by {E(by)}" : "")})."
                : $"Item {E(ticked.Id)} of incident {incident} is ticked by {E(ticked.TickedBy)}; a second person checks it: lifeboat incident checklist tick {incident} {E(ticked.Id)}";
        }));
        return checklist;
    }

    private static Command ItemCommand(string name, string description, GlobalOptions g, IAnsiConsole console,
        Func<IIncidentTarget, IncidentId, string, CancellationToken, Task<string>> run)
    {
        var id = IncidentArg();
        var item = Arg("item", "The item's ID (lifeboat incident checklist shows them)");
        return new Command(name, description) { id, item }.OnIncidents(g, IncidentsDeclare, console, (p, desk, ct) => run(desk, IncidentId.Parse(p.GetValue(id)), p.GetValue(item)!, ct));
    }

    private static void AddReminders(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        var id = IncidentArg();
        var json = IncidentCommands.Json();
        incident.Add(new Command("reminders", "The updates owed now under the severity's cadence and the streams' own, minus snoozed ones") { id, json }
            .OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
            {
                var incidentId = IncidentId.Parse(p.GetValue(id));
                var reminders = await desk.RemindersAsync(incidentId, ct);
                if (!IncidentCommands.WroteJson(console, p, json, reminders))
                {
                    if (reminders.Count == 0)
                    {
                        console.MarkupLine($"No update is owed now on incident {incidentId}.");
                    }
                    else
                    {
                        var table = new Table().AddColumns("Kind", "Stream", "Due since", "What to do");
                        foreach (var r in reminders)
                        {
                            table.AddRow(KindWord(r.Kind), E(r.Stream), StoreCommands.Time(r.DueSince), E(r.Text));
                        }

                        console.Write(table);
                    }
                }

                return LifeboatCli.Ok;
            }));

        var snoozeId = IncidentArg();
        var kind = Arg("kind", "internal-update, customer-update, stream-update (with --stream) or progress");
        var until = new Option<DateTimeOffset?>("--until") { Description = "When the reminder is due again (2026-04-05T10:00:00Z)" };
        var reason = new Option<string?>("--reason") { Description = "Why it can wait (required)" };
        var stream = new Option<string?>("--stream") { Description = "The stream, for stream-update" };
        incident.Add(new Command("snooze", "Hold a reminder until a time, with a reason") { snoozeId, kind, until, reason, stream }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var incidentId = IncidentId.Parse(p.GetValue(snoozeId));
                var reminderKind = IncidentWords.ReminderKind(p.GetValue(kind));
                if (p.GetValue(until) is not { } dueAgain)
                {
                    throw new PlatformException(PlatformErrorKind.Invalid,
                        "the snooze has no --until: give the time the reminder is due again (--until 2026-04-05T10:00:00Z). Nothing was snoozed.");
                }

                var snooze = await desk.SnoozeAsync(incidentId, reminderKind, dueAgain, p.GetValue(reason) ?? "", p.GetValue(stream), ct);
                return $"The {KindWord(snooze.Kind)} reminder{(snooze.Stream is { } s ? $" of stream {E(s)}" : "")} of incident {incidentId} is held until {StoreCommands.Time(snooze.Until)}: {E(snooze.Reason)}.";
            }));
    }

    /// <summary>"internal-update": the word the API and `snooze` take for a reminder's kind.</summary>
    internal static string KindWord(ReminderKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "-") + char.ToLowerInvariant(c) : c.ToString()));

    private static void WriteTasks(IAnsiConsole console, IReadOnlyList<IncidentTask> tasks)
    {
        var table = new Table().AddColumns("Task", "State", "Owner", "Purpose", "Action", "Stream", "Due", "Checklist");
        foreach (var t in tasks)
        {
            var state = t.State switch
            {
                IncidentTaskState.Open => "open",
                IncidentTaskState.Done => $"done by {E(t.StateChangedBy)}",
                _ => $"dropped: {E(t.StateReason)}",
            };
            table.AddRow($"#{t.Number}", state, t.Owner is { } o ? E(o) : "(no one: claim it)", E(t.Purpose), E(t.Action), E(t.Stream),
                t.Due is { } d ? StoreCommands.Time(d) : "", E(t.ChecklistItem));
        }

        console.Write(table);
    }

    private static void WriteChecklist(IAnsiConsole console, IncidentId incident, IReadOnlyList<ChecklistItem> items)
    {
        if (items.Count == 0)
        {
            console.MarkupLine($"Incident {incident} has no checklist: its type had no runbook when it was declared.");
            return;
        }

        var table = new Table().AddColumns("Item", "Text", "Evidence", "Task", "Ticked", "Checked", "Done");
        foreach (var i in items)
        {
            table.AddRow(E(i.Id), E(i.Text), i.Evidence is { } e ? EvidenceChecks.Of(e) : "",
                i.Task is { } task ? $"#{task}" : "",
                i.TickedBy is { } by ? $"{E(by)} ({E(i.TickSource)})" : "",
                i.DoubleCheck ? i.CheckedBy is { } checker ? E(checker) : "(a second person)" : "",
                i.Done ? "yes" : "no");
        }

        console.Write(table);
    }
}
