using System.CommandLine;
using System.Globalization;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat plan …`: the only door for bulk destructive work. `detector`, `alerts`: what watches it.</summary>
internal static class PlanCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var plan = new Command("plan", "Change plans: verified targets, blast radius, approval, waves, a rehearsed rollback");

        var file = new Argument<FileInfo>("file") { Description = "The plan file (YAML or JSON): action, target, targets or targets-file, reason" };
        var drop = new Option<bool>("--drop-unresolved") { Description = "Go on without the IDs that do not exist here (they are recorded on the plan)" };
        plan.Add(new Command("submit", "Verify a plan and record it, or refuse it with a report of each failing ID") { file, drop }.With(g, PlansSubmit, async (p, platform, ct) =>
        {
            var submitted = await platform.Plans.SubmitAsync(Read(p.GetValue(file)!), p.GetValue(drop), ct);
            Show(console, submitted);
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            Show(console, await target.PostAsync<ChangePlan>($"api/plans?dropUnresolved={Flag(p.GetValue(drop))}", Body(Read(p.GetValue(file)!)), ct));
            return LifeboatCli.Ok;
        }));

        var amendId = Arg("plan", "The plan (plan_…)");
        var amendFile = new Argument<FileInfo>("file") { Description = "The new plan file" };
        var amendDrop = new Option<bool>("--drop-unresolved") { Description = "Go on without the IDs that do not exist here" };
        plan.Add(new Command("amend", "Replace a plan's content before it runs (an approval must then be given again)") { amendId, amendFile, amendDrop }.With(g, PlansSubmit, async (p, platform, ct) =>
        {
            Show(console, await platform.Plans.AmendAsync(PlanId.Parse(p.GetValue(amendId)), Read(p.GetValue(amendFile)!), p.GetValue(amendDrop), ct));
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            Show(console, await target.PutAsync<ChangePlan>($"api/plans/{PlanId.Parse(p.GetValue(amendId))}?dropUnresolved={Flag(p.GetValue(amendDrop))}",
                Body(Read(p.GetValue(amendFile)!)), ct));
            return LifeboatCli.Ok;
        }));

        var showId = Arg("plan", "The plan (plan_…)");
        plan.Add(new Command("show", "A plan: blast radius, policy decision, waves, progress") { showId }.With(g, PlansRead, async (p, platform, ct) =>
        {
            var shown = await platform.Plans.GetAsync(PlanId.Parse(p.GetValue(showId)), ct);
            ShowWithTargets(console, shown, await platform.Plans.TargetsAsync(shown.Id, ct));
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            var id = PlanId.Parse(p.GetValue(showId));
            ShowWithTargets(console, await target.GetAsync<ChangePlan>($"api/plans/{id}", ct), await target.GetAsync<List<PlanTarget>>($"api/plans/{id}/targets", ct));
            return LifeboatCli.Ok;
        }));

        var state = new Option<PlanState?>("--state") { Description = "Only plans in this state" };
        plan.Add(new Command("list", "List plans, newest first") { state }.With(g, PlansRead, async (p, platform, ct) =>
        {
            ListPlans(console, await platform.Plans.ListAsync(p.GetValue(state), ct));
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            ListPlans(console, await target.GetAsync<List<ChangePlan>>(p.GetValue(state) is { } st ? $"api/plans?state={st}" : "api/plans", ct));
            return LifeboatCli.Ok;
        }));

        var approveId = Arg("plan", "The plan (plan_…)");
        var hash = new Option<string>("--hash") { Description = "The content hash you reviewed (lifeboat plan show prints it)", Required = true };
        plan.Add(new Command("approve", "Approve a plan someone else requested, binding the approval to the content you reviewed") { approveId, hash }.With(g, PlansApprove, console, async (p, platform, ct) =>
        {
            return Approved(await platform.Plans.ApproveAsync(PlanId.Parse(p.GetValue(approveId)), p.GetValue(hash)!, ct));
        }, async (p, target, ct) =>
            Approved(await target.PostAsync<ChangePlan>($"api/plans/{PlanId.Parse(p.GetValue(approveId))}/approve", new { contentHash = p.GetValue(hash) }, ct))));

        var runId = Arg("plan", "The plan (plan_…)");
        plan.Add(new Command("run", "Run (or continue) a plan wave by wave, watched by the anomaly detector") { runId }.With(g, PlansRun, async (p, platform, ct) =>
        {
            var id = PlanId.Parse(p.GetValue(runId));
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var detector = platform.Detector.WatchAsync(TimeSpan.FromSeconds(5),
                alert => console.MarkupLine($"[red]alert {alert.Id}:[/] {E(alert.Message)}"), watch.Token);
            ChangePlan result = null!;
            await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).StartAsync(async ctx =>
            {
                var bars = new Dictionary<int, ProgressTask>();
                result = await platform.Plans.Runner.RunAsync(id, new InlineProgress<PlanProgress>(pr =>
                {
                    if (!bars.TryGetValue(pr.Wave, out var bar))
                    {
                        bars[pr.Wave] = bar = ctx.AddTask($"wave {pr.Wave}/{pr.Waves} ({pr.WaveKind})", maxValue: pr.Total);
                    }

                    bar.Value = pr.Done;
                    if (pr.Message is { } m)
                    {
                        bar.Description = $"wave {pr.Wave}/{pr.Waves} ({pr.WaveKind}): {m}";
                    }
                }), ct);
            });
            await watch.CancelAsync();
            await detector;
            Show(console, result);
            return result.State == PlanState.Completed ? LifeboatCli.Ok : LifeboatCli.ProblemsFound;
        }, async (p, target, ct) =>
        {
            // The server runs the plan (its detector watching); the CLI follows it until it stops.
            var id = PlanId.Parse(p.GetValue(runId));
            await target.PostAsync($"api/plans/{id}/run", null, ct);
            console.MarkupLine($"Plan {id} runs on {E(target.Server)}; following it (Ctrl-C stops following, not the plan).");
            var result = await FollowAsync(console, target, id, ct);
            Show(console, result);
            return result.State == PlanState.Completed ? LifeboatCli.Ok : LifeboatCli.ProblemsFound;
        }));

        foreach (var (verb, description) in new[] { ("pause", "Pause a running plan"), ("abort", "Abort a plan: no further target is touched") })
        {
            var id = Arg("plan", "The plan (plan_…)");
            var reason = new Option<string>("--reason") { Description = "Why", Required = true };
            plan.Add(new Command(verb, description) { id, reason }.With(g, PlansRun, console, async (p, platform, ct) =>
            {
                var pl = verb == "pause"
                    ? await platform.Plans.PauseAsync(PlanId.Parse(p.GetValue(id)), p.GetValue(reason)!, ct)
                    : await platform.Plans.AbortAsync(PlanId.Parse(p.GetValue(id)), p.GetValue(reason)!, ct);
                return $"Plan {pl.Id} is {pl.State}.";
            }, async (p, target, ct) =>
            {
                var pl = await target.PostAsync<ChangePlan>($"api/plans/{PlanId.Parse(p.GetValue(id))}/{verb}", new { reason = p.GetValue(reason) }, ct);
                return $"Plan {pl.Id} is {pl.State}.";
            }));
        }

        var resumeId = Arg("plan", "The plan (plan_…)");
        var ack = new Option<string?>("--ack") { Description = "For a halted plan: the halt's code (an alert ID, signal:…, failure:…), to show you read why it stopped" };
        plan.Add(new Command("resume", "Let a paused or halted plan run again (then: lifeboat plan run)") { resumeId, ack }.With(g, PlansRun, console, async (p, platform, ct) =>
        {
            var pl = await platform.Plans.ResumeAsync(PlanId.Parse(p.GetValue(resumeId)), p.GetValue(ack), ct);
            return $"Plan {pl.Id} may run again: lifeboat plan run {pl.Id}";
        }, async (p, target, ct) =>
        {
            var pl = await target.PostAsync<ChangePlan>($"api/plans/{PlanId.Parse(p.GetValue(resumeId))}/resume", new { acknowledge = p.GetValue(ack) }, ct);
            return $"Plan {pl.Id} may run again: lifeboat plan run {pl.Id}";
        }));

        var rollbackId = Arg("plan", "The plan (plan_…)");
        plan.Add(new Command("rollback", "Undo every applied target: a restore of what the plan changed, to just before it changed it") { rollbackId }.With(g, PlansRun, console, async (p, platform, ct) =>
        {
            var pl = await platform.Plans.Runner.RollbackAsync(PlanId.Parse(p.GetValue(rollbackId)), null, ct);
            return $"Plan {pl.Id} rolled back: every target it changed is as it was before the plan.";
        }));

        var signalId = Arg("plan", "The plan (plan_…)");
        var source = new Option<string>("--source") { Description = "Who signals (support, monitoring, …)", Required = true };
        var message = new Option<string>("--message") { Description = "What is wrong", Required = true };
        var site = new Option<string?>("--site") { Description = "The site it is about" };
        plan.Add(new Command("signal", "Report that a running plan is hurting someone; its next health gate halts it") { signalId, source, message, site }.With(g, HealthSignal, console, async (p, platform, ct) =>
        {
            await platform.Plans.SignalAsync(PlanId.Parse(p.GetValue(signalId)), p.GetValue(site) is { } s ? SiteId.Parse(s) : null, p.GetValue(source)!, p.GetValue(message)!, ct);
            return "Signal recorded; the plan halts at its next health gate.";
        }, async (p, target, ct) =>
        {
            await target.PostAsync($"api/plans/{PlanId.Parse(p.GetValue(signalId))}/health-signals",
                new { source = p.GetValue(source), message = p.GetValue(message), site = p.GetValue(site) is { } s ? SiteId.Parse(s).Value : null }, ct);
            return "Signal recorded; the plan halts at its next health gate.";
        }));

        var targetsId = Arg("plan", "The plan (plan_…)");
        plan.Add(new Command("targets", "A plan's targets, by wave, with their state") { targetsId }.With(g, PlansRead, async (p, platform, ct) =>
        {
            ListTargets(console, await platform.Plans.TargetsAsync(PlanId.Parse(p.GetValue(targetsId)), ct));
            return LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            ListTargets(console, await target.GetAsync<List<PlanTarget>>($"api/plans/{PlanId.Parse(p.GetValue(targetsId))}/targets", ct));
            return LifeboatCli.Ok;
        }));

        var auditId = Arg("plan", "The plan (plan_…)");
        plan.Add(new Command("audit", "Every step of a plan: who asked, who approved, what ran, when, on which IDs") { auditId }.With(g, PlansRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("At", "Who", "Step", "Content hash", "IDs");
            foreach (var a in await platform.Audit.OfAsync(p.GetValue(auditId)!, ct))
            {
                table.AddRow(StoreCommands.Time(a.At), E(a.Actor), a.Step, a.ContentHash?[..12] ?? "", E(string.Join(" ", a.Ids.EnumerateArray().Take(3).Select(i => i.GetString())) + (a.Ids.GetArrayLength() > 3 ? " …" : "")));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        return plan;
    }

    /// <summary>`lifeboat detector watch` and `lifeboat alerts`.</summary>
    public static IEnumerable<Command> Watching(GlobalOptions g, IAnsiConsole console)
    {
        var detector = new Command("detector", "The anomaly detector: the rate of destructive writes per actor and action against a baseline");
        var interval = new Option<int>("--interval") { Description = "Seconds between checks", DefaultValueFactory = _ => 5 };
        detector.Add(new Command("watch", "Watch until stopped (Ctrl-C); halts running plans on an alert") { interval }.With(g, PlansRun, async (p, platform, ct) =>
        {
            console.MarkupLine($"Watching destructive writes every {p.GetValue(interval)} s; Ctrl-C stops.");
            await platform.Detector.WatchAsync(TimeSpan.FromSeconds(Math.Max(1, p.GetValue(interval))),
                alert => console.MarkupLine($"[red]{StoreCommands.Time(alert.DetectedAt)} alert {alert.Id}:[/] {E(alert.Message)} Halted: {string.Join(", ", alert.HaltedPlans)}"), ct);
            return LifeboatCli.Ok;
        }));

        var alerts = new Command("alerts", "Alerts the detector raised");
        var open = new Option<bool>("--open") { Description = "Only unacknowledged alerts" };
        alerts.Add(open);
        alerts.With(g, AlertsRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Alert", "Detected", "Actor", "Action", "Count", "Baseline", "Halted plans", "Acknowledged by");
            foreach (var a in await platform.Detector.AlertsAsync(p.GetValue(open), ct))
            {
                table.AddRow(a.Id.Value, StoreCommands.Time(a.DetectedAt), E(a.Actor), a.Action, N(a.Count), a.Baseline.ToString("0.#", CultureInfo.InvariantCulture),
                    string.Join(" ", a.HaltedPlans), E(a.AcknowledgedBy ?? "-"));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        });
        var alertId = Arg("alert", "The alert (alr_…)");
        alerts.Add(new Command("ack", "Acknowledge an alert") { alertId }.With(g, AlertsAcknowledge, console, async (p, platform, ct) =>
        {
            await platform.Detector.AcknowledgeAsync(AlertId.Parse(p.GetValue(alertId)), ct);
            return "Acknowledged.";
        }));
        return [detector, alerts];
    }

    /// <summary>A plan as the server's SubmitPlan takes it: the file was read here, targets-file included.</summary>
    private static object Body(PlanRequest request) => new
    {
        action = request.Action,
        target = request.TargetKind,
        targets = request.Targets,
        reason = request.Reason,
        parameters = request.Parameters,
        @override = request.Override,
        incident = request.Incident,
    };

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Approved(ChangePlan approved) =>
        $"Plan {approved.Id} approved by {E(approved.ApprovedBy)} (content {approved.ContentHash[..12]}…). Run it: lifeboat plan run {approved.Id}";

    private static void ShowWithTargets(IAnsiConsole console, ChangePlan plan, IReadOnlyList<PlanTarget> targets)
    {
        Show(console, plan);
        console.MarkupLine("Targets: " + string.Join(", ", targets.GroupBy(t => t.State).Select(gr => $"{gr.Count()} {gr.Key}")));
    }

    private static void ListPlans(IAnsiConsole console, IEnumerable<ChangePlan> plans)
    {
        var table = new Table().AddColumns("Plan", "Action", "Targets", "State", "Requested by", "Approved by", "Created");
        foreach (var pl in plans)
        {
            table.AddRow(pl.Id.Value, pl.Action, N(pl.BlastRadius.Targets), StateOf(pl.State), E(pl.RequestedBy), E(pl.ApprovedBy ?? "-"), StoreCommands.Time(pl.CreatedAt));
        }

        console.Write(table);
    }

    private static void ListTargets(IAnsiConsole console, IEnumerable<PlanTarget> targets)
    {
        var table = new Table().AddColumns("Wave", "Target", "Site", "State", "Before", "Applied", "Error");
        foreach (var t in targets)
        {
            table.AddRow(t.Wave.ToString(CultureInfo.InvariantCulture), t.Id, t.Site.Value + (t.Internal ? " (internal)" : ""), t.State.ToString(),
                t.BeforePosition?.ToString(CultureInfo.InvariantCulture) ?? "", t.AppliedAt is { } at ? StoreCommands.Time(at) : "", E(t.Error));
        }

        console.Write(table);
    }

    /// <summary>
    /// A plan the server runs, followed until it stops: a line each time one of its waves changes state.
    /// The server answers the run request before its background run has marked the plan, so Verified counts as not started yet.
    /// </summary>
    private static async Task<ChangePlan> FollowAsync(IAnsiConsole console, Identity.RemoteTarget target, PlanId id, CancellationToken ct)
    {
        var seen = new Dictionary<int, string>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var plan = await target.GetAsync<ChangePlan>($"api/plans/{id}", ct);
            foreach (var wave in plan.Waves.Where(w => !seen.TryGetValue(w.Wave, out var was) || was != w.State))
            {
                seen[wave.Wave] = wave.State;
                console.MarkupLine($"wave {wave.Wave}/{plan.Waves.Count} ({E(wave.Kind)}, {N(wave.Size)} target(s)): {E(wave.State)}");
            }

            var starting = plan.State == PlanState.Verified && started.Elapsed < TimeSpan.FromSeconds(30);
            if (plan.State != PlanState.Running && !starting)
            {
                return plan;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    public static void WriteProblems(IAnsiConsole console, PlanRefusedException refused)
    {
        if (refused.Problems.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumns("ID", "Problem");
        foreach (var problem in refused.Problems.Take(20))
        {
            table.AddRow(E(problem.Id), E(problem.Problem));
        }

        console.Write(table);
        if (refused.Problems.Count > 20)
        {
            console.MarkupLine($"… and {refused.Problems.Count - 20} more.");
        }
    }

    private static PlanRequest Read(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"plan file {file.FullName} does not exist.");
        }

        return PlanFile.Parse(File.ReadAllText(file.FullName), file.Name, name =>
        {
            var path = Path.Combine(file.DirectoryName!, name);
            return File.Exists(path)
                ? File.ReadAllText(path)
                : throw new PlatformException(PlatformErrorKind.Invalid,
                    $"plan {file.Name} names the targets-file '{name}', which does not exist (looked for {path}; a relative name is read next to the plan file).");
        });
    }

    private static void Show(IAnsiConsole console, ChangePlan plan)
    {
        var r = plan.BlastRadius;
        console.MarkupLine($"Plan [bold]{plan.Id}[/]: {plan.Action} on {N(r.Targets)} {plan.TargetKind.Name} ID(s), requested by {E(plan.RequestedBy)} — {StateOf(plan.State)}{(plan.StateReason is { } why ? $" ({E(why)})" : "")}");
        console.MarkupLine($"Reason: {E(plan.Reason)}");
        var radius = new Table().Title("Blast radius").AddColumns("Sites", "Internal sites", "Products", "Users", "Records", "Blobs", "Blob bytes", "Customers");
        radius.AddRow(N(r.Sites), N(r.InternalSites), N(r.Products), N(r.Users), N(r.Records), N(r.Blobs), StoreCommands.Bytes(r.BlobBytes), N(r.Customers.Count(c => !c.Internal)));
        console.Write(radius);
        if (plan.Dropped.Count > 0)
        {
            console.MarkupLine($"[yellow]Dropped (not in this environment):[/] {string.Join(", ", plan.Dropped.Take(10))}{(plan.Dropped.Count > 10 ? " …" : "")}");
        }

        var waves = new Table().Title("Waves").AddColumns("Wave", "Kind", "Targets", "State");
        foreach (var w in plan.Waves)
        {
            waves.AddRow(w.Wave.ToString(CultureInfo.InvariantCulture), w.Kind, N(w.Size), w.State);
        }

        console.Write(waves);
        var under = plan.Decision.PolicyVersion is { } version ? $" (policy version {version}; it is checked again against the policy in force when the plan runs)" : "";
        console.MarkupLine(plan.Decision.NeedsSecondApprover
            ? $"Needs a second approver{under}: {E(string.Join("; ", plan.Decision.Reasons))}. Approved by: {E(plan.ApprovedBy ?? "nobody yet")}."
            : $"No second approver needed by policy{under}.");
        if (plan.Rehearsal is { } rehearsal)
        {
            console.MarkupLine($"Rollback rehearsal: {(rehearsal.Passed ? "[green]passed[/]" : "[red]failed[/]")} on {rehearsal.Targets} target(s) ({rehearsal.Seconds:0.0} s).");
        }

        console.MarkupLine($"Content hash: [bold]{plan.ContentHash}[/]");
        if (plan.State == PlanState.Verified)
        {
            console.MarkupLine(plan.Decision.NeedsSecondApprover && plan.ApprovedBy is null
                ? $"Next: someone other than {E(plan.RequestedBy)} runs [bold]lifeboat plan approve {plan.Id} --hash {plan.ContentHash}[/]"
                : $"Next: [bold]lifeboat plan run {plan.Id}[/]");
        }
        else if (plan.State == PlanState.Halted)
        {
            console.MarkupLine($"Resume after reading why it halted: [bold]lifeboat plan resume {plan.Id} --ack {plan.HaltCode}[/]");
        }
    }

    private static string StateOf(PlanState state) => state switch
    {
        PlanState.Completed => "[green]Completed[/]",
        PlanState.Halted or PlanState.Aborted => $"[red]{state}[/]",
        PlanState.Running => "[blue]Running[/]",
        _ => state.ToString(),
    };

    private static string N(long n) => StoreCommands.N(n);
}
