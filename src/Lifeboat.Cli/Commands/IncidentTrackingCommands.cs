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
/// `lifeboat incident freeze … | sites … | rollback-risk | hypothesis …`: the code freeze, the per-site restore tracker
/// (and its CSV), rollback risk at a glance and hypotheses about the cause, with the parameters and permissions of their
/// HTTP endpoints.
/// </summary>
internal static class IncidentTrackingCommands
{
    public static void AddTo(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        incident.Add(FreezeCommand(g, console));
        incident.Add(SitesCommand(g, console));
        AddRollbackRisk(incident, g, console);
        incident.Add(HypothesisCommand(g, console));
    }

    private static Argument<string> IncidentArg() => Arg("incident", "The incident (inc_…)");

    private static Command FreezeCommand(GlobalOptions g, IAnsiConsole console)
    {
        var freeze = new Command("freeze", "The incident's code freeze: while it is on, every change plan not tagged to the incident is refused");

        var showId = IncidentArg();
        var json = IncidentCommands.Json();
        freeze.Add(new Command("show", "The incident's code freeze, if one is on") { showId, json }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var id = IncidentId.Parse(p.GetValue(showId));
            var on = await desk.FreezeOfAsync(id, ct);
            if (p.GetValue(json))
            {
                // The API's shape: the freeze, or null when none is on.
                console.Profile.Out.Writer.WriteLine(on is null ? "null" : JsonSerializer.Serialize(on, PlatformJson.Options));
            }
            else
            {
                console.MarkupLine(on is null
                    ? $"Incident {id} has no code freeze on. Begin one: lifeboat incident freeze begin {id} --reason \"…\""
                    : $"Code freeze of incident {id} is on since {StoreCommands.Time(on.BegunAt)}, begun by {E(on.BegunBy)}: {E(on.Reason)}. Contact: {E(on.Contact)}. " +
                      $"Plans pass when tagged to the incident (incident: {id}).");
            }

            return LifeboatCli.Ok;
        }));

        var beginId = IncidentArg();
        var beginReason = new Option<string?>("--reason") { Description = "Why changes must stop (required)" };
        freeze.Add(new Command("begin", "Begin the code freeze: every change plan not tagged to the incident is refused until it is lifted") { beginId, beginReason }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(beginId));
                var begun = await desk.BeginFreezeAsync(id, p.GetValue(beginReason) ?? "", ct);
                return $"Code freeze of incident {id} is on, begun by {E(begun.BegunBy)}: {E(begun.Reason)}. Plans not tagged to the incident (incident: {id}) are refused until it is lifted.";
            }));

        var liftId = IncidentArg();
        var liftReason = new Option<string?>("--reason") { Description = "Why changes may go on again (required)" };
        // Commanding is needed to reach the desk; the desk lets only the incident's commander lift, as over HTTP.
        freeze.Add(new Command("lift", "Lift the code freeze (the incident's commander only), with a reason") { liftId, liftReason }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var id = IncidentId.Parse(p.GetValue(liftId));
                await desk.LiftFreezeAsync(id, p.GetValue(liftReason) ?? "", ct);
                return $"Code freeze of incident {id} is lifted: change plans go through again.";
            }));
        return freeze;
    }

    private static Command SitesCommand(GlobalOptions g, IAnsiConsole console)
    {
        var id = IncidentArg();
        var state = new Option<string?>("--state") { Description = "Only sites in this restore state: none, pending, restoring, validating, restored, failed, cancelled" };
        var confirmed = new Option<bool?>("--confirmed") { Description = "true: only sites the customer confirmed; false: only those not confirmed" };
        var engineer = new Option<string?>("--engineer") { Description = "Only sites this support engineer looks after" };
        var text = new Option<string?>("--text") { Description = "Only sites with this text in their ID, name, engineer or notes" };
        var csv = new Option<FileInfo?>("--csv") { Description = "Write the rows to this CSV file (readable by you only) instead of a table" };
        var json = IncidentCommands.Json();
        var sites = new Command("sites", "The per-site restore tracker: each affected site's restore, engineer, customer confirmation and last note; counts per state")
        {
            id, state, confirmed, engineer, text, csv, json,
        }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var incident = IncidentId.Parse(p.GetValue(id));
            var filter = new SiteTrackerFilter { State = p.GetValue(state), Confirmed = p.GetValue(confirmed), Engineer = p.GetValue(engineer), Text = p.GetValue(text) };
            if (p.GetValue(csv) is { } file)
            {
                // Read whole before the file is touched: a refusal leaves no half-written file.
                var bytes = await desk.SiteTrackerCsvAsync(incident, filter, ct);
                await PlatformCommands.WriteOwnerOnlyAsync(file.FullName, bytes, ct);
                var rows = CsvRows(bytes);
                console.MarkupLine($"Wrote the tracker of incident {incident} to {E(file.FullName)}: {rows} site(s), readable by you only.");
                return LifeboatCli.Ok;
            }

            var tracker = await desk.SiteTrackerAsync(incident, filter, ct);
            if (!IncidentCommands.WroteJson(console, p, json, tracker))
            {
                WriteTracker(console, tracker);
            }

            return LifeboatCli.Ok;
        });

        var trackId = IncidentArg();
        var more = new Argument<string[]>("site") { Description = "The sites found affected (site_…), one or more", Arity = ArgumentArity.OneOrMore };
        sites.Add(new Command("track", "Track more sites found affected after the declaration") { trackId, more }.OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
        {
            var incident = IncidentId.Parse(p.GetValue(trackId));
            var tracker = await desk.TrackSitesAsync(incident, (p.GetValue(more) ?? []).Select(SiteId.Parse).ToList(), ct);
            return $"Incident {incident} tracks {tracker.TotalSites} site(s).";
        }));

        var engineerId = IncidentArg();
        var engineerSite = Arg("site", "The site (site_…)");
        var engineerLogin = Arg("engineer", "The support engineer: a participant (a login)");
        sites.Add(new Command("engineer", "Name the support engineer (a participant) looking after a site") { engineerId, engineerSite, engineerLogin }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var incident = IncidentId.Parse(p.GetValue(engineerId));
                var site = await desk.AssignSiteEngineerAsync(incident, SiteId.Parse(p.GetValue(engineerSite)), p.GetValue(engineerLogin) ?? "", ct);
                return $"{E(site.Engineer)} looks after site {site.Site} in incident {incident}.";
            }));

        var confirmId = IncidentArg();
        var confirmSite = Arg("site", "The site (site_…)");
        var stillBroken = new Option<bool>("--still-broken") { Description = "The customer reports the site still broken (say how with --note)" };
        var note = new Option<string?>("--note") { Description = "What the customer said (required with --still-broken)" };
        sites.Add(new Command("confirm", "Record the customer's word on a site: confirmed, or (--still-broken --note …) still broken") { confirmId, confirmSite, stillBroken, note }
            .OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
            {
                var incident = IncidentId.Parse(p.GetValue(confirmId));
                var site = await desk.ConfirmSiteAsync(incident, SiteId.Parse(p.GetValue(confirmSite)), !p.GetValue(stillBroken), p.GetValue(note), ct);
                return site.Confirmation == SiteConfirmation.Confirmed
                    ? $"Site {site.Site} of incident {incident} is confirmed by its customer (recorded by {E(site.ConfirmedBy)})."
                    : $"Site {site.Site} of incident {incident} is still broken, its customer says: {E(site.ConfirmationNote)}.";
            }));

        var noteId = IncidentArg();
        var noteSite = Arg("site", "The site (site_…)");
        var noteText = Arg("text", "What happened to the site");
        sites.Add(new Command("note", "A note about one site: the tracker shows the last, the timeline keeps all") { noteId, noteSite, noteText }
            .OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
            {
                var noted = await desk.NoteSiteAsync(IncidentId.Parse(p.GetValue(noteId)), SiteId.Parse(p.GetValue(noteSite)), p.GetValue(noteText) ?? "", ct);
                return $"Event {noted.Id} added to the timeline of incident {noted.Incident}: {E(noted.Text)}";
            }));
        return sites;
    }

    private static void AddRollbackRisk(Command incident, GlobalOptions g, IAnsiConsole console)
    {
        var id = IncidentArg();
        var from = new Option<DateTimeOffset?>("--from") { Description = "The window's start (default: 24 hours before the declaration)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "The window's end (default: now)" };
        var json = IncidentCommands.Json();
        incident.Add(new Command("rollback-risk", "The change plans that started in the window: blast radius, rehearsal, can roll back now, what a rollback takes with it")
        {
            id, from, to, json,
        }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var risk = await desk.RollbackRiskAsync(IncidentId.Parse(p.GetValue(id)), p.GetValue(from), p.GetValue(to), ct);
            if (!IncidentCommands.WroteJson(console, p, json, risk))
            {
                WriteRollbackRisk(console, risk);
            }

            return LifeboatCli.Ok;
        }));
    }

    private static Command HypothesisCommand(GlobalOptions g, IAnsiConsole console)
    {
        var hypothesis = new Command("hypothesis", "Hypotheses about the cause: raised, ruled out with a reason, carried by handoffs");

        var listId = IncidentArg();
        var json = IncidentCommands.Json();
        hypothesis.Add(new Command("list", "The hypotheses in the order raised, open ones and those ruled out") { listId, json }.OnIncidents(g, IncidentsRead, async (p, desk, ct) =>
        {
            var id = IncidentId.Parse(p.GetValue(listId));
            var hypotheses = await desk.HypothesesAsync(id, ct);
            if (!IncidentCommands.WroteJson(console, p, json, hypotheses))
            {
                if (hypotheses.Count == 0)
                {
                    console.MarkupLine($"Incident {id} has no hypothesis yet. Raise one: lifeboat incident hypothesis raise {id} \"…\"");
                }
                else
                {
                    var table = new Table().AddColumns("Hypothesis", "Text", "Raised", "State");
                    foreach (var h in hypotheses)
                    {
                        table.AddRow(h.Id.ToString(CultureInfo.InvariantCulture), E(h.Text), $"{StoreCommands.Time(h.RaisedAt)} by {E(h.RaisedBy)}",
                            h.Open ? "open" : $"ruled out by {E(h.RuledOutBy)}: {E(h.RuledOutWhy)}");
                    }

                    console.Write(table);
                }
            }

            return LifeboatCli.Ok;
        }));

        var raiseId = IncidentArg();
        var raiseText = Arg("text", "What may be the cause");
        hypothesis.Add(new Command("raise", "Raise a hypothesis about the cause, on the timeline") { raiseId, raiseText }.OnIncidents(g, IncidentsDeclare, console, async (p, desk, ct) =>
        {
            var raised = await desk.RaiseHypothesisAsync(IncidentId.Parse(p.GetValue(raiseId)), p.GetValue(raiseText) ?? "", ct);
            return $"Hypothesis {raised.Id} of incident {raised.Incident} is raised: {E(raised.Text)}";
        }));

        var ruleId = IncidentArg();
        var ruleNumber = new Argument<long>("hypothesis") { Description = "The hypothesis's number (lifeboat incident hypothesis list shows them)" };
        var why = new Option<string?>("--why") { Description = "What ruled it out (required)" };
        hypothesis.Add(new Command("rule-out", "Rule a hypothesis out, saying why, so the next shift does not chase it again") { ruleId, ruleNumber, why }
            .OnIncidents(g, IncidentsCommand, console, async (p, desk, ct) =>
            {
                var ruled = await desk.RuleOutAsync(IncidentId.Parse(p.GetValue(ruleId)), p.GetValue(ruleNumber), p.GetValue(why) ?? "", ct);
                return $"Hypothesis {ruled.Id} of incident {ruled.Incident} is ruled out by {E(ruled.RuledOutBy)}: {E(ruled.RuledOutWhy)}";
            }));
        return hypothesis;
    }

    /// <summary>The data rows of a CSV (the header left out): line ends outside quotes, since a quoted note may hold line breaks.</summary>
    private static int CsvRows(byte[] csv)
    {
        var (lines, quoted) = (0, false);
        foreach (var b in csv)
        {
            if (b == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (b == (byte)'\n' && !quoted)
            {
                lines++;
            }
        }

        return Math.Max(0, lines - 1);
    }

    private static readonly string[] RestoreStates = ["none", "pending", "restoring", "validating", "restored", "failed", "cancelled"];

    private static void WriteTracker(IAnsiConsole console, SiteTracker tracker)
    {
        // The states sites are in, in the order a restore goes through them (the API's counts list every state, zeros too).
        var counts = tracker.CountsByState.Where(c => c.Value > 0).OrderBy(c => Array.IndexOf(RestoreStates, c.Key) is var i and >= 0 ? i : RestoreStates.Length)
            .Select(c => $"{E(c.Key)} {c.Value}").ToList();
        console.MarkupLine($"Incident {tracker.Incident}: {tracker.TotalSites} site(s) affected; by restore state: {(counts.Count == 0 ? "(none)" : string.Join(", ", counts))}.");
        if (tracker.Sites.Count == 0)
        {
            console.MarkupLine("No site matches.");
            return;
        }

        var table = new Table().AddColumns("Site", "Name", "Restore", "Validation", "Job", "Customer", "Engineer", "Last note");
        foreach (var s in tracker.Sites)
        {
            var customer = s.Confirmation switch
            {
                SiteConfirmation.Confirmed => "confirmed",
                SiteConfirmation.StillBroken => $"still broken: {E(s.ConfirmationNote)}",
                _ => "",
            };
            table.AddRow(s.Site.Value, E(s.Name), E(s.RestoreState), E(s.Validation), E(s.Job?.Value), customer, E(s.Engineer), E(s.LastNote));
        }

        console.Write(table);
    }

    private static void WriteRollbackRisk(IAnsiConsole console, RollbackRisk risk)
    {
        console.MarkupLine($"Change plans of incident {risk.Incident}'s window, {StoreCommands.Time(risk.From)} to {StoreCommands.Time(risk.To)}:");
        if (risk.Plans.Count == 0)
        {
            console.MarkupLine("No change plan started in the window.");
        }
        else
        {
            var table = new Table().AddColumns("Plan", "Action", "State", "By", "Started", "Sites", "Records", "Rehearsed", "Can roll back now", "Taken with it");
            foreach (var plan in risk.Plans)
            {
                table.AddRow(plan.Plan.Value, E(plan.Action), plan.State.ToString(), E(plan.RequestedBy), StoreCommands.Time(plan.StartedAt),
                    plan.Sites.ToString(CultureInfo.InvariantCulture), plan.Records.ToString(CultureInfo.InvariantCulture),
                    plan.RollbackRehearsed ? plan.RehearsalPassed ? "passed" : "[yellow]failed[/]" : "[yellow]no[/]",
                    plan.CanRollBackNow ? "yes" : $"no: {E(plan.WhyNot)}",
                    $"{plan.TargetsApplied} target(s){(plan.TakenWith.Count == 0 ? "" : $"; later plans {string.Join(", ", plan.TakenWith.Select(t => t.Value))}")}");
            }

            console.Write(table);
        }

        if (risk.Flags.Count == 0)
        {
            console.MarkupLine("No feature flag changed in the window.");
        }
        else
        {
            var flags = new Table().AddColumns("Flag", "Sites touched", "Of them the incident's", "Changes", "Now on / off", "By", "Last changed");
            foreach (var flag in risk.Flags)
            {
                flags.AddRow(E(flag.Key), flag.Sites.Count.ToString(CultureInfo.InvariantCulture), flag.IncidentSites.ToString(CultureInfo.InvariantCulture),
                    flag.Changes.ToString(CultureInfo.InvariantCulture), $"{flag.NowOn} / {flag.NowOff}", E(string.Join(", ", flag.ChangedBy)), StoreCommands.Time(flag.LastChangedAt));
            }

            console.MarkupLine("Feature flags changed in the window (rolling one back sets it back on every site it touched):");
            console.Write(flags);
        }

        console.MarkupLine($"{risk.AuditInWindow.Count} audit entr{(risk.AuditInWindow.Count == 1 ? "y" : "ies")} in the window (--json lists them). {E(risk.FlagChangesNote)}");
    }
}
