using System.Diagnostics;
using Lifeboat.Drill.Incident;
using Lifeboat.Drill.Report;
using Lifeboat.Platform;
using Lifeboat.Platform.Detection;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Sample.Seeding;

namespace Lifeboat.Drill;

/// <summary>
/// The April 2022 scenario, end to end and measured. Sites of the sample SaaS are provisioned and a
/// background load writes to the ones the script never touches, and to the targeted ones until each
/// is deleted. Act 1 replays the script as it was:
/// site IDs where app-installation IDs belong; Lifeboat refuses it. Act 2 bypasses the guardrails on
/// purpose (a drill-only override, allowed by policy and audited) and deletes the sites one after
/// another; the anomaly detector notices and halts it. Act 3 restores every affected site, every
/// store, to the instant before its own deletion, validated, while the load goes on. Between and around
/// them runs the incident (<see cref="IncidentResponse"/>): declared from the alert, commanded, customers
/// told through the review step and reached by mail, a customer with no login helped, a handoff, the
/// retrospective. The report says how long detection, telling and recovery took, and proves nothing was lost.
/// </summary>
public sealed class DrillRunner(LifeboatPlatform platform, DrillOptions options, IDrillObserver? observer = null)
{
    public const string Actor = "drill";

    /// <summary>The two people who put the drill's policy in force: one proposes it, the other approves it.</summary>
    public static readonly (string Proposer, string Approver) PolicyOperators = ("drill-operator-1", "drill-operator-2");

    /// <summary>Who starts the restore job of Act 3: a restorer, not the script's runner.</summary>
    public const string Restorer = "drill-restorer";

    /// <summary>
    /// The operators a drill acts as, each with the roles its part needs, created in the drill's own
    /// database when missing, so a drill needs no set-up: the script's runner (<see cref="Actor"/>), the
    /// policy's proposer and its approver, and the restorer.
    /// </summary>
    public static IReadOnlyList<(string Login, string Role)> Operators { get; } =
    [
        (Actor, Platform.Access.Roles.Operator), (PolicyOperators.Proposer, Platform.Access.Roles.Operator),
        (PolicyOperators.Approver, Platform.Access.Roles.Approver), (Restorer, Platform.Access.Roles.Restorer),
        .. IncidentResponse.People,
    ];

    /// <summary>The drill's operators as principals (created when missing), by login: the OS user running the drill acts as each in turn.</summary>
    public static async Task<IReadOnlyDictionary<string, Platform.Access.Principal>> OperatorsAsync(LifeboatPlatform platform, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var principals = new Dictionary<string, Platform.Access.Principal>(StringComparer.Ordinal);
        foreach (var (login, role) in Operators)
        {
            var account = await platform.Operators.FindAsync(login, ct)
                ?? await platform.Operators.CreateAsync(login, $"drill: {login}", [role], cancellationToken: ct);
            principals[login] = await platform.Operators.PrincipalOfAsync(account.Id, Platform.Access.AuthenticationMethod.OsUser, ct);
        }

        return principals;
    }

    /// <summary>
    /// The policy a drill's platform runs under: the drill-only override allowed (and audited), the
    /// script paced as the options say, and the detector halting it unless told not to. The drill puts
    /// it in force in its own database as any policy is: proposed by one operator, approved by another.
    /// </summary>
    public static PlanPolicy Policy(DrillOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var policy = new PlanPolicy { AllowDrillOverride = true };
        policy.Waves.PaceMilliseconds = (int)options.Pace.TotalMilliseconds;
        policy.Detector.HaltRunningPlans = !options.NoHalt;
        // The breaker stops the script at the write that passes its limit, at any pace; --no-halt lets it run its course.
        policy.Breaker.Enabled = !options.NoHalt;
        return policy;
    }

    private readonly IDrillObserver _observer = observer ?? SilentObserver.Instance;
    private readonly TimeProvider _time = platform.Options.Store.TimeProvider;
    private IReadOnlyDictionary<string, Platform.Access.Principal> _operators = new Dictionary<string, Platform.Access.Principal>();

    /// <summary>The platform acting as one of the drill's operators, who must hold the permission its step needs.</summary>
    private LifeboatPlatform As(string login, string permission)
    {
        var principal = _operators[login];
        principal.Require(permission);
        return platform.As(principal);
    }

    /// <summary>Runs the drill. Cancelled, it stops the load, halts what it started and returns a report marked incomplete.</summary>
    public async Task<DrillReport> RunAsync(MachineInfo machine, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var state = new RunState(_time.GetUtcNow());
        try
        {
            await RunActsAsync(state, cancellationToken);
            return await ReportAsync(state, machine, complete: true, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _observer.Note($"Interrupted during {state.Phase}: stopping the load and what the drill started.");
            await CleanUpAsync(state);
            return await ReportAsync(state, machine, complete: false, CancellationToken.None);
        }
        finally
        {
            state.Load?.Dispose();
            state.Watch?.Dispose();
            if (state.Response is not null)
            {
                await state.Response.DisposeAsync();
            }

            if (state.Mailbox is not null)
            {
                await state.Mailbox.DisposeAsync();
            }
        }
    }

    private async Task PutPolicyInForceAsync(CancellationToken ct)
    {
        var yaml = Policy(options).ToYaml();
        if ((await platform.Policy.ReadAsync(ct)).ContentHash == PlanPolicy.ContentHashOf(yaml))
        {
            return;
        }

        var proposed = await As(PolicyOperators.Proposer, Platform.Access.Permissions.PolicyPropose).Policy
            .ProposeAsync(yaml, "the drill's policy", "a drill replays April 2022 in a database of its own", ct);
        await As(PolicyOperators.Approver, Platform.Access.Permissions.PolicyApprove).Policy.ApproveAsync(proposed.Version, proposed.ContentHash, ct);
    }

    private async Task RunActsAsync(RunState state, CancellationToken ct)
    {
        var foreign = await platform.Sites.CountCreatedByOthersAsync(Actor, ct);
        if (foreign > 0)
        {
            throw new DrillException(
                $"this database holds {foreign} site(s) the drill did not create; a drill deletes sites, so it runs only in a database of its own. Give it one with --database (the private server creates it) or --connection.");
        }

        _operators = await OperatorsAsync(platform, ct);
        await PutPolicyInForceAsync(ct);
        state.Mailbox = await DrillMailbox.OpenAsync(Path.Combine(Path.GetTempPath(), $"lifeboat-drill-{Environment.ProcessId}"), options.Maildir, ct);
        _observer.Note($"Mail: {state.Mailbox?.Server ?? "no mail server answered on 127.0.0.1:25 and smtp-sink is not installed: customers cannot be reached (bash scripts/setup.sh postfix)"}.");
        state.Response = await IncidentResponse.OpenAsync(platform, _operators, state.Mailbox, options, _observer, ct);

        // Provision: the targeted sites (the first ones internal) and the bystanders the script never touches.
        state.Phase = "seed";
        var total = options.Sites + options.BystanderCount;
        _observer.Phase("seed", $"Provisioning {total} sites of the sample SaaS ({options.Sites} targeted, {options.BystanderCount} bystanders)", total);
        var seeded = await new SampleSeeder(platform).SeedAsync(
            new SeedOptions { Sites = total, Size = options.Size, Internal = options.InternalSites, Seed = options.Seed },
            new InlineProgress<SeedProgress>(p => _observer.Progress("seed", p.SitesDone)), ct);
        state.Seed = new SeedFigures(seeded.Sites.Count, seeded.Records, seeded.Blobs, seeded.BlobBytes, seeded.Elapsed.TotalSeconds);
        // The script meets the customers' sites before the internal ones (the first seeded), so a breaker that stops it
        // early has still hit customers, whom the incident must reach.
        var targeted = seeded.Sites.Take(options.Sites).ToList();
        state.Targets = [.. targeted.Skip(options.InternalSites), .. targeted.Take(options.InternalSites)];
        state.Bystanders = [.. seeded.Sites.Skip(options.Sites)];
        state.Internal = [.. seeded.Sites.Take(options.InternalSites)];
        state.Load = new BackgroundLoad(platform, state.Bystanders, state.Targets, options.LoadWriters);
        state.Load.Start();
        state.Marks["load"] = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);

        await Act1Async(state, ct);
        await Act2Async(state, ct);
        if (state.Deleted > 0)
        {
            await IncidentAsync(state, ct);
            await Act3Async(state, ct);
        }

        // A moment of normal work after the restore, then the checks.
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        state.Phase = "verify";
        _observer.Phase("verify", "Checking every acknowledged write and every restored site", 2);
        await state.Load.StopAsync();
        state.Marks["stop"] = Stopwatch.GetTimestamp();
        state.LostWrites = await state.Load.CountLostAsync(ct);
        _observer.Progress("verify", 1);
        // Each restored site must equal, collection by collection, what it held at the instant before its own deletion.
        state.EqualToBeforeTheDamage = true;
        foreach (var site in (state.JobSites ?? []).Where(s => s.State == SiteRestoreState.Restored))
        {
            state.EqualToBeforeTheDamage &= (await platform.Store.Records.DigestAsync(site.Site.Tenant, null, ct))
                .SequenceEqual(await platform.Store.Records.DigestAsync(site.Site.Tenant, site.Point, ct));
        }

        _observer.Progress("verify", 2);
        if (state.Response?.Incident is not null)
        {
            state.Phase = "close";
            _observer.Phase("close", "The close: last updates, [Recovered], the mail counted, the retrospective drafted", 1);
            await state.Response.CloseAsync(state.FirstDeletionAt, state.Restored.Count == state.Deleted && state.Deleted > 0, ct);
            _observer.Progress("close", 1);
        }
    }

    /// <summary>The damage becomes an incident: declared, commanded, frozen.</summary>
    private async Task IncidentAsync(RunState state, CancellationToken ct)
    {
        state.Phase = "incident";
        _observer.Phase("incident", "The incident: declared from the alert, a commander and a backup, the checklist, the freeze", 1);
        await state.Response!.DeclareAsync(state.Alert, state.Plan!.Value, state.DeletedAt.Keys, ct);
        _observer.Progress("incident", 1);
    }

    /// <summary>Act 1: "uninstall the legacy app", given site IDs where app-installation IDs belong.</summary>
    private async Task Act1Async(RunState state, CancellationToken ct)
    {
        state.Phase = "act1";
        _observer.Phase("act1", "Act 1: the script as it was — site IDs where app-installation IDs belong", 1);
        var script = new PlanRequest("uninstall-app", "app-installation", state.Targets.Select(s => s.Value).ToList(),
            "Retire Legacy Insights (the April 2022 script, as it was)", new Dictionary<string, string>());
        try
        {
            var accepted = await platform.Plans.SubmitAsync(script, cancellationToken: ct);
            await platform.Plans.AbortAsync(accepted.Id, "the drill expected this plan to be refused", CancellationToken.None);
            state.Act1 = new Act1Figures(false, $"accepted as {accepted.Id} (and aborted before it ran)", 0, _time.GetUtcNow());
        }
        catch (PlanRefusedException refused)
        {
            state.Act1 = new Act1Figures(true, refused.Message, refused.Problems.Count, _time.GetUtcNow());
        }

        _observer.Progress("act1", 1, state.Act1.Refused ? "refused" : "ACCEPTED");
        _observer.Note(state.Act1.Message);
    }

    /// <summary>Act 2: the guardrails bypassed on purpose; sites deleted one after another, as in 2022, until the detector halts it.</summary>
    private async Task Act2Async(RunState state, CancellationToken ct)
    {
        state.Phase = "act2";
        _observer.Phase("act2", $"Act 2: the guardrails bypassed — deleting {state.Targets.Count} sites one after another{(options.NoHalt ? " (nothing halts it)" : "")}", state.Targets.Count);
        var plan = await platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", state.Targets.Select(s => s.Value).ToList(),
            "The April 2022 script, replayed by a drill with the guardrails bypassed", new Dictionary<string, string>(), Override: "drill"), cancellationToken: ct);
        state.Plan = plan.Id;
        state.OverrideAudited = (await platform.Audit.OfAsync(plan.Id.Value, ct)).Any(a => a.Step == "guardrails-overridden");
        await platform.Detector.CheckAsync(ct);
        state.Watch = new CancellationTokenSource();
        var watch = state.Watch;
        state.Detector = platform.Detector.WatchAsync(TimeSpan.FromSeconds(1), alert => state.Alert ??= alert, watch.Token);
        state.Sampler = SampleAsync(state, watch.Token);
        state.Marks["act2"] = Stopwatch.GetTimestamp();
        var done = await platform.Plans.Runner.RunAsync(plan.Id, new InlineProgress<PlanProgress>(p => _observer.Progress("act2", p.Done)), ct);
        var targets = await platform.Plans.TargetsAsync(plan.Id, ct);
        state.Deleted = targets.Count(t => t.State == TargetState.Applied);
        state.DeletedAt = targets.Where(t => t.AppliedAt is not null).ToDictionary(t => t.Site, t => t.AppliedAt!.Value);
        // The deleted sites' customers stopped at the deletion (a writer that has not tried one since would not know):
        // none of them writes again before the check that each restored site equals its own point.
        state.Load?.Close(state.DeletedAt.Keys);
        var first = targets.Where(t => t.BeforePosition is not null).MinBy(t => t.BeforePosition);
        if (first is not null)
        {
            var writes = await platform.Store.DestructiveWrites.SinceAsync(first.BeforePosition!.Value + 1, ct);
            state.FirstDeletionAt = writes.Count > 0 ? writes[0].Stamp : null;
        }

        // The detector checks every second; give it its chance to see a burst the plan finished first, or the
        // breaker's trip that stopped it (a trip becomes an alert on the detector's next check).
        var trippedBreaker = done.HaltCode?.StartsWith("trip:", StringComparison.Ordinal) == true;
        for (var i = 0; i < 30 && state.Alert is null && (state.Deleted > 3 || trippedBreaker); i++)
        {
            await Task.Delay(100, ct);
        }

        // A plan whose every target was applied may still end Halted (the health gate after its last wave sees
        // the alert); the script was only stopped if sites were left.
        state.Halted = done.State == PlanState.Halted && state.Deleted < state.Targets.Count;
        state.HaltCode = state.Halted ? done.HaltCode : null;
        var haltedBy = trippedBreaker ? $", halted: the breaker refused deletion {state.Deleted + 1} ({done.HaltCode})"
            : state.Halted ? ", halted" : "";
        _observer.Progress("act2", state.Deleted, state.Alert is { } a
            ? $"alert {a.Id}: {state.Deleted} of {state.Targets.Count} deleted{haltedBy}"
            : $"{state.Deleted} deleted, no alert{haltedBy}");
    }

    /// <summary>Act 3: one restore job for every affected site, each to the instant before its own deletion, while the load goes on.</summary>
    private async Task Act3Async(RunState state, CancellationToken ct)
    {
        state.Phase = "act3";
        _observer.Phase("act3", $"Act 3: restoring {state.Deleted} sites, every store, each to the instant before its own deletion", state.Deleted);
        var job = await As(Restorer, Platform.Access.Permissions.RestoresStart).Restores
            .StartAsync(new RestoreJobRequest("drill: bring back every site the script deleted") { Plan = state.Plan!.Value }, ct);
        state.Job = job;
        state.Marks["act3"] = Stopwatch.GetTimestamp();
        await using var worker = platform.Restores.CreateWorker("drill", options.RestoreConcurrency);
        var work = worker.RunAsync(untilIdle: true, ct);
        // The restore starts as soon as the incident has a commander; the people work while the sites come back: the first
        // public update, the restoring one, the mail counted, a customer with no login filing, the commander handing over,
        // and the product's drafts reviewed as they come.
        var response = state.Response!;
        await response.AcknowledgeAsync(state.Alert, ct);
        await response.RestoreStartedAsync(ct);
        await response.CountReachedAsync(state.Alert, state.DeletedAt.Keys, ct);
        await response.SupportAsync([.. state.DeletedAt.Keys], ct);
        await response.RestoreProgressAsync(handOver: true, ct);
        var lastDrafts = Stopwatch.GetTimestamp();
        while (!work.IsCompleted)
        {
            var progress = await platform.Restores.ProgressAsync(job.Id, ct);
            _observer.Progress("act3", progress.Restored + progress.Failed, $"restored {progress.Restored}, failed {progress.Failed}");
            await Task.WhenAny(work, Task.Delay(250, ct));
            if (Stopwatch.GetElapsedTime(lastDrafts) > TimeSpan.FromSeconds(2))
            {
                await response.RestoreProgressAsync(handOver: false, ct);
                lastDrafts = Stopwatch.GetTimestamp();
            }
        }

        await work;
        ct.ThrowIfCancellationRequested();
        state.Marks["restored"] = Stopwatch.GetTimestamp();
        await SampleOnceAsync(state, ct);
        state.Job = await platform.Restores.GetAsync(job.Id, ct);
        var sites = await platform.Restores.SitesAsync(job.Id, ct);
        state.JobSites = sites;
        state.Restored = [.. sites.Where(s => s.State == SiteRestoreState.Restored).Select(s => s.Site)];
        _observer.Progress("act3", sites.Count, $"{state.Restored.Count} restored and validated, {sites.Count - state.Restored.Count} failed");
        if (state.Watch is not null)
        {
            await state.Watch.CancelAsync();
            await Task.WhenAll(state.Detector!, state.Sampler!);
        }
    }

    /// <summary>Every tenth of a second from the first deletion: how many sites are deleted, restored, failed.</summary>
    private async Task SampleAsync(RunState state, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SampleOnceAsync(state, ct);
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SampleOnceAsync(RunState state, CancellationToken ct)
    {
        var deleted = state.Plan is { } plan ? (await platform.Plans.TargetsAsync(plan, ct)).Count(t => t.State == TargetState.Applied) : 0;
        var (restored, failed) = (0, 0);
        if (state.Job is { } job)
        {
            var p = await platform.Restores.ProgressAsync(job.Id, ct);
            (restored, failed) = (p.Restored, p.Failed);
        }

        state.Progress.Enqueue((Stopwatch.GetTimestamp(), deleted, restored, failed));
    }

    private async Task CleanUpAsync(RunState state)
    {
        if (state.Watch is not null)
        {
            await state.Watch.CancelAsync();
            await Task.WhenAll(new[] { state.Detector, state.Sampler }.OfType<Task>()).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (state.Load is not null && state.Marks.ContainsKey("load") && !state.Marks.ContainsKey("stop"))
        {
            await state.Load.StopAsync();
            state.Marks["stop"] = Stopwatch.GetTimestamp();
        }

        if (state.Plan is { } plan && (await platform.Plans.GetAsync(plan, CancellationToken.None)).State is PlanState.Running or PlanState.Paused or PlanState.Halted)
        {
            await platform.Plans.AbortAsync(plan, "the drill was interrupted", CancellationToken.None);
        }
    }

    private async Task<DrillReport> ReportAsync(RunState state, MachineInfo machine, bool complete, CancellationToken ct)
    {
        var finished = _time.GetUtcNow();
        var firstDeletion = state.FirstDeletionAt;
        var jobSites = state.JobSites ?? [];
        var restoredAt = jobSites.Where(s => s.State == SiteRestoreState.Restored && s.FinishedAt is not null).Select(s => s.FinishedAt!.Value).DefaultIfEmpty().Max();
        var failed = jobSites.Count(s => s.State == SiteRestoreState.Failed);
        var detection = state.Alert is { } alert && firstDeletion is { } fd ? Math.Max(0, (alert.DetectedAt - fd).TotalSeconds) : (double?)null;
        var act3 = state.Job is { } job
            ? new Act3Figures(job.Id.Value, job.Point.ToString(), job.CreatedAt, job.FinishedAt, ((job.FinishedAt ?? finished) - job.CreatedAt).TotalSeconds, state.Restored.Count, failed,
                state.Restored.Count / Math.Max(0.001, ((job.FinishedAt ?? finished) - job.CreatedAt).TotalSeconds), state.EqualToBeforeTheDamage)
            : null;
        var sites = state.Targets.Select(site =>
        {
            var restore = jobSites.FirstOrDefault(s => s.Site == site);
            return new SiteTiming(site.Value, state.Internal.Contains(site), state.DeletedAt.TryGetValue(site, out var deletedAt) ? deletedAt : null,
                restore?.StartedAt, restore?.FinishedAt, restore?.StartedAt is { } a && restore.FinishedAt is { } b ? (b - a).TotalSeconds : null,
                restore?.State.ToString() ?? (state.DeletedAt.ContainsKey(site) ? "Deleted" : "Untouched"), restore?.Error, restore?.Point.ToString());
        }).ToList();
        return new DrillReport
        {
            Complete = complete,
            InterruptedDuring = complete ? null : state.Phase,
            StartedAt = state.StartedAt,
            FinishedAt = finished,
            Machine = machine,
            Parameters = new DrillParameters(options.Sites, options.Size.Name, options.InternalSites, options.BystanderCount, options.Pace.TotalMilliseconds, options.NoHalt,
                options.Seed, options.LoadWriters, options.RestoreConcurrency),
            SitesAffected = state.Deleted,
            DetectionSeconds = detection,
            RtoSeconds = firstDeletion is { } start && state.Deleted > 0 && state.Restored.Count == state.Deleted ? (restoredAt - start).TotalSeconds : null,
            RpoSeconds = state.Deleted == 0 ? 0 : state.EqualToBeforeTheDamage && state.Restored.Count == state.Deleted && failed == 0 ? 0 : null,
            LostWrites = state.LostWrites,
            SitesRestored = state.Restored.Count,
            SitesFailedValidation = failed,
            Seed = state.Seed,
            Act1 = state.Act1,
            Act2 = state.Plan is { } planId
                ? new Act2Figures(planId.Value, state.OverrideAudited, state.Targets.Count, state.Deleted, firstDeletion, state.Alert?.DetectedAt, detection, state.Alert?.Id.Value, state.Halted, state.HaltCode)
                : null,
            Act3 = act3,
            Incident = state.Response?.Incident is not null ? state.Response.Figures : null,
            RetrospectiveMarkdown = state.Response?.RetrospectiveMarkdown,
            Load = state.Load is { } load ? LoadReport.Of(load, state, state.LostWrites) : null,
            Sites = sites,
            Timeline = LoadReport.TimelineOf(state),
        };
    }

    /// <summary>What a run has gathered so far; the report is drawn from it, complete or not.</summary>
    internal sealed class RunState(DateTimeOffset startedAt)
    {
        public DateTimeOffset StartedAt { get; } = startedAt;

        public string Phase { get; set; } = "start";

        public SeedFigures? Seed { get; set; }

        public List<SiteId> Targets { get; set; } = [];

        public List<SiteId> Bystanders { get; set; } = [];

        public List<SiteId> Internal { get; set; } = [];

        public BackgroundLoad? Load { get; set; }

        /// <summary>Stopwatch timestamps: load (start), act2, act3, restored, stop.</summary>
        public Dictionary<string, long> Marks { get; } = [];

        public Act1Figures? Act1 { get; set; }

        public PlanId? Plan { get; set; }

        public bool OverrideAudited { get; set; }

        public int Deleted { get; set; }

        public Dictionary<SiteId, DateTimeOffset> DeletedAt { get; set; } = [];

        public DateTimeOffset? FirstDeletionAt { get; set; }

        public Alert? Alert { get; set; }

        public bool Halted { get; set; }

        /// <summary>Why the script stopped: "trip:N" (the breaker refused a deletion) or the alert that halted it.</summary>
        public string? HaltCode { get; set; }

        public CancellationTokenSource? Watch { get; set; }

        public Task? Detector { get; set; }

        public Task? Sampler { get; set; }

        public System.Collections.Concurrent.ConcurrentQueue<(long Ticks, int Deleted, int Restored, int Failed)> Progress { get; } = new();

        public RestoreJob? Job { get; set; }

        public IReadOnlyList<SiteRestore>? JobSites { get; set; }

        public List<SiteId> Restored { get; set; } = [];

        public long LostWrites { get; set; }

        public bool EqualToBeforeTheDamage { get; set; }

        public DrillMailbox? Mailbox { get; set; }

        public IncidentResponse? Response { get; set; }
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
