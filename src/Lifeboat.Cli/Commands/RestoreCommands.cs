using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Identity;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat restore …` (restore jobs and their workers) and `lifeboat participant …`.</summary>
internal static class RestoreCommands
{
    public static IEnumerable<Command> Create(GlobalOptions g, IAnsiConsole console) => [Restore(g, console), Participants(g, console)];

    private static Command Restore(GlobalOptions g, IAnsiConsole console)
    {
        var restore = new Command("restore", "Restore jobs: many sites, every store, each to its own recovery point, validated; shared by any number of workers");

        var plan = new Option<string?>("--plan") { Description = "Every site this plan touched, each to the instant before the plan first changed it" };
        var alert = new Option<string?>("--alert") { Description = "Every site this alert's burst touched, each to the instant before the burst's first write to it" };
        var sites = new Option<string[]>("--sites") { Description = "Sites to restore (site_…), space or comma separated", AllowMultipleArgumentsPerToken = true };
        var sitesFile = new Option<FileInfo?>("--sites-file") { Description = "A file of site IDs, one per line" };
        var to = new Option<string?>("--to") { Description = "Recovery point for every site: 'position:123', '@123' or a UTC time (default: the instant before each site's own damage)" };
        var reason = new Option<string>("--reason") { Description = "Why (the incident)", Required = true };
        var discard = new Option<bool>("--discard-later-writes") { Description = "Allow the job to revert or tombstone live records, or close a live site, as its dry run shows" };
        var wait = new Option<bool>("--wait") { Description = "Work on the job here, with live progress, until it is done" };
        var concurrency = new Option<int>("--concurrency") { Description = "Steps at a time in this process", DefaultValueFactory = _ => 8 };
        restore.Add(new Command("start", "Start a restore job") { plan, alert, sites, sitesFile, to, reason, discard, wait, concurrency }.With(g, RestoresStart, async (p, platform, ct) =>
        {
            var listed = Listed(p);
            var job = await platform.Restores.StartAsync(new RestoreJobRequest(p.GetValue(reason)!)
            {
                Plan = p.GetValue(plan) is { } pl ? PlanId.Parse(pl) : null,
                Alert = p.GetValue(alert) is { } al ? AlertId.Parse(al) : null,
                Sites = listed.Count > 0 ? listed : null,
                Point = p.GetValue(to) is { } point ? RecoveryPoint.Parse(point) : null,
                DiscardLaterWrites = p.GetValue(discard),
            }, ct);
            return await StartedAsync(console, platform, job, p.GetValue(wait), p.GetValue(concurrency), ct);
        }, async (p, target, ct) =>
        {
            var listed = Listed(p);
            var job = await target.PostAsync<RestoreJob>("api/restore-jobs", new
            {
                reason = p.GetValue(reason),
                plan = p.GetValue(plan) is { } pl ? PlanId.Parse(pl).Value : null,
                alert = p.GetValue(alert) is { } al ? AlertId.Parse(al).Value : null,
                sites = listed.Count > 0 ? listed.Select(x => x.Value).ToList() : null,
                // Checked here, so a malformed point is refused before anything is sent; the server parses the same text.
                to = p.GetValue(to) is { } point ? Checked(point) : null,
                discardLaterWrites = p.GetValue(discard),
            }, ct);
            return await StartedRemotelyAsync(console, target, job, p.GetValue(wait), ct);
        }));

        static string Checked(string point)
        {
            _ = RecoveryPoint.Parse(point);
            return point;
        }

        IReadOnlyList<SiteId> Listed(ParseResult p) =>
            (p.GetValue(sites) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Concat(p.GetValue(sitesFile) is { } f ? File.ReadAllLines(f.FullName).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0) : [])
                .Select(SiteId.Parse).ToList();

        var undoId = Arg("job", "The restore job to undo (rjob_…)");
        var undoReason = new Option<string>("--reason") { Description = "Why", Required = true };
        var undoDiscard = new Option<bool>("--discard-later-writes") { Description = "Allow the undo to revert or tombstone live records, or close live sites (it usually does)" };
        var undoWait = new Option<bool>("--wait") { Description = "Work on the undo here until it is done" };
        var undoConcurrency = new Option<int>("--concurrency") { Description = "Steps at a time in this process", DefaultValueFactory = _ => 8 };
        restore.Add(new Command("undo", "Start the job that brings every site a finished job restored back to its undo point") { undoId, undoReason, undoDiscard, undoWait, undoConcurrency }
            .With(g, RestoresStart, async (p, platform, ct) =>
            {
                var job = await platform.Restores.UndoAsync(RestoreJobId.Parse(p.GetValue(undoId)), p.GetValue(undoReason)!, p.GetValue(undoDiscard), ct);
                return await StartedAsync(console, platform, job, p.GetValue(undoWait), p.GetValue(undoConcurrency), ct);
            }, async (p, target, ct) =>
            {
                var job = await target.PostAsync<RestoreJob>($"api/restore-jobs/{RestoreJobId.Parse(p.GetValue(undoId))}/undo",
                    new { reason = p.GetValue(undoReason), discardLaterWrites = p.GetValue(undoDiscard) }, ct);
                return await StartedRemotelyAsync(console, target, job, p.GetValue(undoWait), ct);
            }));

        var approveId = Arg("job", "The restore job (rjob_…)");
        restore.Add(new Command("approve", "Approve a job awaiting approval: someone other than who asked for it, holding the approver role, with their own credential") { approveId }.With(g, RestoresApprove, console, async (p, platform, ct) =>
        {
            var job = await platform.Restores.ApproveAsync(RestoreJobId.Parse(p.GetValue(approveId)), ct);
            return $"Restore job {job.Id} approved by {E(job.Approval.ApprovedBy)}; the workers start it now. Watch it: lifeboat restore watch {job.Id}";
        }, async (p, target, ct) =>
        {
            var job = await target.PostAsync<RestoreJob>($"api/restore-jobs/{RestoreJobId.Parse(p.GetValue(approveId))}/approve", null, ct);
            return $"Restore job {job.Id} approved by {E(job.Approval.ApprovedBy)}; the workers start it now. Watch it: lifeboat restore watch {job.Id}";
        }));

        var cancelId = Arg("job", "The restore job (rjob_…)");
        var cancelReason = new Option<string>("--reason") { Description = "Why", Required = true };
        restore.Add(new Command("cancel", "Cancel a job awaiting approval; its sites are left as they are") { cancelId, cancelReason }.With(g, RestoresStart, console, async (p, platform, ct) =>
        {
            var job = await platform.Restores.CancelAsync(RestoreJobId.Parse(p.GetValue(cancelId)), p.GetValue(cancelReason)!, ct);
            return $"Restore job {job.Id} cancelled by {E(job.CancelledBy)}; nothing of its {job.Sites} site(s) was touched.";
        }, async (p, target, ct) =>
        {
            var job = await target.PostAsync<RestoreJob>($"api/restore-jobs/{RestoreJobId.Parse(p.GetValue(cancelId))}/cancel", new { reason = p.GetValue(cancelReason) }, ct);
            return $"Restore job {job.Id} cancelled by {E(job.CancelledBy)}; nothing of its {job.Sites} site(s) was touched.";
        }));

        var watchId = Arg("job", "The restore job (rjob_…)");
        restore.Add(new Command("watch", "Follow a job live until it is done") { watchId }.With(g, RestoresRead,
            async (p, platform, ct) => await WatchAsync(console, JobReader.Local(platform, RestoreJobId.Parse(p.GetValue(watchId))), null, ct),
            async (p, target, ct) => await WatchAsync(console, JobReader.Remote(target, RestoreJobId.Parse(p.GetValue(watchId))), null, ct)));

        var statusId = Arg("job", "The restore job (rjob_…)");
        restore.Add(new Command("status", "A job's progress and every site's state") { statusId }.With(g, RestoresRead, async (p, platform, ct) =>
        {
            var state = await SummaryAsync(console, JobReader.Local(platform, RestoreJobId.Parse(p.GetValue(statusId))), ct);
            return state == RestoreJobState.CompletedWithFailures ? LifeboatCli.ProblemsFound : LifeboatCli.Ok;
        }, async (p, target, ct) =>
        {
            var state = await SummaryAsync(console, JobReader.Remote(target, RestoreJobId.Parse(p.GetValue(statusId))), ct);
            return state == RestoreJobState.CompletedWithFailures ? LifeboatCli.ProblemsFound : LifeboatCli.Ok;
        }));

        restore.Add(new Command("list", "Restore jobs, newest first").With(g, RestoresRead,
            async (_, platform, ct) => ListJobs(console, await platform.Restores.ListAsync(ct)),
            async (_, target, ct) => ListJobs(console, await target.GetAsync<List<RestoreJob>>("api/restore-jobs", ct))));

        var name = new Option<string?>("--name") { Description = "This worker's name (default: host and process)" };
        var workerConcurrency = new Option<int>("--concurrency") { Description = "Steps at a time", DefaultValueFactory = _ => 8 };
        var untilIdle = new Option<bool>("--until-idle") { Description = "Stop when no running job has work left (default: run until Ctrl-C)" };
        var workerCommand = new Command("worker", "Work on every running restore job; start as many as you like, on any machine") { name, workerConcurrency, untilIdle };
        workerCommand.Needs(RestoresStart).SetAction(async (p, ct) =>
        {
            // A worker is a service: it waits for the database rather than give up when it is not there yet.
            await using var session = await OpenWhenReachableAsync(workerCommand, g, p, console, ct);
            var platform = session.Platform;
            await using var worker = platform.Restores.CreateWorker(p.GetValue(name) ?? $"{Environment.MachineName}-{Environment.ProcessId}", p.GetValue(workerConcurrency));
            console.MarkupLine($"Restore worker {E(worker.Name)} started.");
            await worker.RunAsync(p.GetValue(untilIdle), ct);
            console.MarkupLine($"Restore worker {E(worker.Name)} stopped after {worker.StepsRun} step(s).");
            return LifeboatCli.Ok;
        });
        restore.Add(workerCommand);

        var retryId = Arg("job", "The restore job (rjob_…)");
        restore.Add(new Command("retry", "Try a job's failed sites again, once their cause is fixed") { retryId }.With(g, RestoresStart, console, async (p, platform, ct) =>
        {
            var n = await platform.Restores.RetryAsync(RestoreJobId.Parse(p.GetValue(retryId)), ct);
            return n == 0 ? "No site of this job failed; nothing to retry." : $"{n} site(s) will be tried again by the workers.";
        }, async (p, target, ct) =>
        {
            var n = (await target.PostAsync($"api/restore-jobs/{RestoreJobId.Parse(p.GetValue(retryId))}/retry", null, ct))["retried"]?.GetValue<int>() ?? 0;
            return n == 0 ? "No site of this job failed; nothing to retry." : $"{n} site(s) will be tried again by the workers.";
        }));
        return restore;
    }

    private static Command Participants(GlobalOptions g, IAnsiConsole console)
    {
        var participant = new Command("participant", "Services with stores of their own that take part in restores (docs/participants.md)");
        var name = Arg("name", "Its name");
        var url = Arg("url", "Where it answers the protocol (http://host:port/lifeboat)");
        var timeout = new Option<int>("--timeout-ms") { Description = "How long a call may take", DefaultValueFactory = _ => 10_000 };
        participant.Add(new Command("register", "Register (or update) a participant") { name, url, timeout }.With(g, ParticipantsManage, console, async (p, platform, ct) =>
        {
            var registered = await platform.Restores.Participants.RegisterAsync(p.GetValue(name)!,
                Uri.TryCreate(p.GetValue(url), UriKind.Absolute, out var u) ? u : throw new PlatformException(PlatformErrorKind.Invalid, $"'{p.GetValue(url)}' is not a URL."),
                TimeSpan.FromMilliseconds(p.GetValue(timeout)), ct);
            return $"Participant {E(registered.Participant.Name)} at {E(registered.Participant.Url)} takes part in every new restore job.\n" +
                   $"Its signing secret, shown only now (configure it in the participant; registering again replaces it): {E(registered.Secret)}";
        }));
        participant.Add(new Command("list", "List participants").With(g, RestoresRead, async (_, platform, ct) =>
        {
            var table = new Table().AddColumns("Name", "URL", "Timeout");
            foreach (var pt in await platform.Restores.Participants.ListAsync(ct))
            {
                table.AddRow(E(pt.Name), E(pt.Url), $"{pt.Timeout.TotalMilliseconds:0} ms");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        var removeName = Arg("name", "Its name");
        participant.Add(new Command("remove", "Stop a participant taking part in new jobs") { removeName }.With(g, ParticipantsManage, console, async (p, platform, ct) =>
            await platform.Restores.Participants.RemoveAsync(p.GetValue(removeName)!, ct) ? "Removed." : "No such participant; nothing changed."));
        var describeName = Arg("name", "Its name");
        var site = Arg("site", "The site (site_…)");
        participant.Add(new Command("describe", "Ask a participant what it holds for a site") { describeName, site }.With(g, RestoresRead, async (p, platform, ct) =>
        {
            var described = await platform.Restores.Participants.DescribeAsync(await platform.Restores.Participants.GetAsync(p.GetValue(describeName)!, ct), SiteId.Parse(p.GetValue(site)), ct);
            var table = new Table().AddColumns("Store", "Items");
            foreach (var s in described.Stores)
            {
                table.AddRow(E(s.Name), N(s.Items));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));
        return participant;
    }

    /// <summary>What a new job will do (its dry run, whether it waits for approval); then, with --wait, works on it here.</summary>
    private static async Task<int> StartedAsync(IAnsiConsole console, LifeboatPlatform platform, RestoreJob job, bool wait, int concurrency, CancellationToken ct)
    {
        if (!Describe(console, job))
        {
            return LifeboatCli.Ok;
        }

        if (!wait)
        {
            console.MarkupLine($"Workers pick it up: lifeboat restore worker (any number, anywhere). Watch it: lifeboat restore watch {job.Id}");
            return LifeboatCli.Ok;
        }

        await using var worker = platform.Restores.CreateWorker($"{Environment.MachineName}-{Environment.ProcessId}", concurrency);
        return await WatchAsync(console, JobReader.Local(platform, job.Id), worker.RunAsync(untilIdle: true, ct), ct);
    }

    /// <summary>A job started through a server: the server's workers (and any `lifeboat restore worker`) run it; with --wait the CLI follows it.</summary>
    private static async Task<int> StartedRemotelyAsync(IAnsiConsole console, RemoteTarget target, RestoreJob job, bool wait, CancellationToken ct)
    {
        if (!Describe(console, job))
        {
            return LifeboatCli.Ok;
        }

        if (!wait)
        {
            console.MarkupLine($"The workers of {E(target.Server)} pick it up (and any lifeboat restore worker). Watch it: lifeboat restore watch {job.Id}");
            return LifeboatCli.Ok;
        }

        return await WatchAsync(console, JobReader.Remote(target, job.Id), null, ct);
    }

    /// <summary>The job's dry run, and whether it waits for a second person; false when it does (there is nothing to run yet).</summary>
    private static bool Describe(IAnsiConsole console, RestoreJob job)
    {
        var d = job.DryRun;
        console.MarkupLine($"Restore job [bold]{job.Id}[/]: {job.Sites} site(s) to {E(job.Point)} ({E(job.Source)}).");
        console.MarkupLine($"Dry run: {N(d.RecordsChanged)} record(s) and {StoreCommands.Bytes(d.BlobBytes)} of blobs change on {N(d.SitesChanged)} site(s); " +
            (d.DiscardsWrites
                ? $"[yellow]it discards {N(d.RecordsDiscarded)} record(s) written after the points on {N(d.SitesDiscardingWrites)} site(s){(d.SitesClosed > 0 ? $" and closes {N(d.SitesClosed)} live site(s)" : "")}[/] (as asked). Per site: lifeboat restore status {job.Id}"
                : "nothing written after the points is discarded."));
        if (job.State == RestoreJobState.AwaitingApproval)
        {
            console.MarkupLine($"[yellow]It waits for a second person's approval[/] ({E(string.Join("; ", job.Approval.Reasons))}): lifeboat restore approve {job.Id}, by an approver other than {E(job.RequestedBy)}, with their own credential");
            return false;
        }

        return true;
    }

    private static async Task<CliSession> OpenWhenReachableAsync(Command command, GlobalOptions g, ParseResult parse, IAnsiConsole console, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await command.OpenSessionAsync(g, parse, RestoresStart, ct);
            }
            catch (Npgsql.NpgsqlException e) when (e.IsTransient && attempt < 120)
            {
                if (attempt == 1)
                {
                    console.MarkupLine($"[yellow]The database is not reachable ({E(e.Message)}); waiting for it.[/]");
                }

                await Task.Delay(1000, ct);
            }
        }
    }

    /// <summary>Live progress until the job is done (and the local worker, if any, has stopped); then the summary.</summary>
    private static async Task<int> WatchAsync(IAnsiConsole console, JobReader reader, Task? worker, CancellationToken ct)
    {
        var job = reader.Id;
        await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var first = await reader.Progress(ct);
                var bar = ctx.AddTask($"{job}", maxValue: Math.Max(1, first.Total));
                while (true)
                {
                    var progress = await reader.Progress(ct);
                    bar.Value = progress.Restored + progress.Failed;
                    bar.Description = $"restored {progress.Restored}/{progress.Total}, restoring {progress.Restoring}, validating {progress.Validating}, failed {progress.Failed}";
                    if (progress.Job.State != RestoreJobState.Running && (worker is null || worker.IsCompleted))
                    {
                        break;
                    }

                    await Task.WhenAny(Task.Delay(500, ct), worker ?? Task.Delay(Timeout.Infinite, ct));
                }
            });
        if (worker is not null)
        {
            await worker;
        }

        return await SummaryAsync(console, reader, ct) is RestoreJobState.Completed or RestoreJobState.AwaitingApproval ? LifeboatCli.Ok : LifeboatCli.ProblemsFound;
    }

    /// <summary>Every site that is not restored, the first ten that are, and the job's totals; returns the job's state.</summary>
    private static async Task<RestoreJobState> SummaryAsync(IAnsiConsole console, JobReader reader, CancellationToken ct)
    {
        var job = reader.Id;
        var progress = await reader.Progress(ct);
        var sites = await reader.Sites(ct);
        var table = new Table().AddColumns("Site", "State", "Point", "Dry run", "Undo point", "Seconds", "Problem");
        foreach (var s in sites.Where(s => s.State != SiteRestoreState.Restored).Concat(sites.Where(s => s.State == SiteRestoreState.Restored).Take(10)))
        {
            var seconds = s.StartedAt is { } a && s.FinishedAt is { } b ? (b - a).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "";
            table.AddRow(s.Site.Value, s.State == SiteRestoreState.Failed ? "[red]Failed[/]" : s.State.ToString(), s.Point.ToString(), DryRun(s.DryRun),
                s.UndoPoint?.ToString() ?? "", seconds, E(s.Error ?? ""));
        }

        console.Write(table);
        var j = progress.Job;
        console.MarkupLine($"Job {job} to {E(j.Point)}: {j.State}; {progress.Restored} of {progress.Total} site(s) restored and validated, {progress.Failed} failed, in {progress.Elapsed.TotalSeconds:0.0} s" +
            (progress.Remaining is { } r && r > TimeSpan.Zero ? $", about {r.TotalSeconds:0} s left" : "") + ".");
        if (j.State == RestoreJobState.AwaitingApproval)
        {
            console.MarkupLine($"It waits for approval ({E(string.Join("; ", j.Approval.Reasons))}): lifeboat restore approve {job}, by an approver other than {E(j.RequestedBy)}, with their own credential; or lifeboat restore cancel {job} --reason \"…\"");
        }
        else if (j.Approval.ApprovedBy is { } approver)
        {
            console.MarkupLine($"Approved by {E(approver)}.");
        }

        if (progress.Restored > 0 && j.State is RestoreJobState.Completed or RestoreJobState.CompletedWithFailures)
        {
            console.MarkupLine($"To undo it (each restored site back to its undo point): [bold]{E(j.UndoCommand)}[/]");
        }

        return j.State;
    }

    private static int ListJobs(IAnsiConsole console, IEnumerable<RestoreJob> jobs)
    {
        var table = new Table().AddColumns("Job", "Source", "Point", "Sites", "State", "Created", "Finished");
        foreach (var j in jobs)
        {
            table.AddRow(j.Id.Value, E(j.Source), E(j.Point), N(j.Sites), j.State.ToString(), StoreCommands.Time(j.CreatedAt), j.FinishedAt is { } f ? StoreCommands.Time(f) : "");
        }

        console.Write(table);
        return LifeboatCli.Ok;
    }

    /// <summary>Where the commands read a job's progress and sites: the database (local mode) or a server (remote mode), shown the same way.</summary>
    private sealed record JobReader(RestoreJobId Id, Func<CancellationToken, Task<RestoreProgress>> Progress, Func<CancellationToken, Task<IReadOnlyList<SiteRestore>>> Sites)
    {
        public static JobReader Local(LifeboatPlatform platform, RestoreJobId id) =>
            new(id, ct => platform.Restores.ProgressAsync(id, ct), ct => platform.Restores.SitesAsync(id, ct));

        public static JobReader Remote(RemoteTarget target, RestoreJobId id) => new(id,
            async ct =>
            {
                var p = await target.GetAsync<ServerProgress>($"api/restore-jobs/{id}", ct);
                var c = p.Sites;
                return new RestoreProgress(p.Job, c.Pending, c.Restoring, c.Validating, c.Restored, c.Failed, TimeSpan.FromSeconds(p.ElapsedSeconds),
                    p.RemainingSeconds is { } r ? TimeSpan.FromSeconds(r) : null) { Cancelled = c.Cancelled };
            },
            async ct => await target.GetAsync<List<SiteRestore>>($"api/restore-jobs/{id}/sites", ct));
    }

    /// <summary>GET /api/restore-jobs/{job}: the job and its sites per state.</summary>
    private sealed record ServerProgress(RestoreJob Job, ServerSiteCounts Sites, double ElapsedSeconds, double? RemainingSeconds);

    private sealed record ServerSiteCounts(int Total, int Pending, int Restoring, int Validating, int Restored, int Failed, int Cancelled);

    private static string DryRun(SiteDryRun? d) => d is null ? ""
        : $"{N(d.Records)} record(s){(d.RecordsDiscarded > 0 ? $", [yellow]{N(d.RecordsDiscarded)} discarded[/]" : "")}" +
          (d.StateNow != d.StateAtPoint ? $", {d.StateNow} → {(d.ClosesSite ? $"[yellow]{d.StateAtPoint}[/]" : d.StateAtPoint.ToString())}" : "");

    private static string N(long n) => StoreCommands.N(n);
}
