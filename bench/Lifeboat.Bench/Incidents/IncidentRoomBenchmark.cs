using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Lifeboat.Bench.Harness;
using Lifeboat.Bench.Scaling;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Bench.Incidents;

/// <summary>
/// The incident room under the April 2022 shape: 883 of 1,000 sites deleted, an incident declared for them, 30
/// responders in it (roles, five restore streams, their tasks), every responder with the room open while the
/// sites are restored. The whole server runs (its console, API, restore workers, incident signals and
/// evidence), on a loopback port; each responder is an HTTP client with their own token doing what the room
/// page does: fetch its live part again one second after the last answer, load the whole page now and then,
/// and write a note now and then. Measured: the room's answer times (goal: p50 and p99 at most 300 ms), how
/// long a site's validation takes to show in each open room (goal: within 2 s), and the cost of declaring.
/// </summary>
internal sealed partial class IncidentRoomBenchmark : IBenchmark
{
    private const double RoomGoalMs = 300;
    private const double EventGoalSeconds = 2;
    private const int StreamCount = 5;
    private const int TasksPerStream = 4;

    /// <summary>What live.js waits after an answer before it asks again (IncidentPage.razor's data-live-every).</summary>
    private static readonly TimeSpan LiveEvery = TimeSpan.FromSeconds(1);

    /// <summary>How often a responder loads the whole room (a reload, coming back to the tab).</summary>
    private static readonly TimeSpan PageEvery = TimeSpan.FromSeconds(15);

    /// <summary>How often a responder writes a note to the timeline.</summary>
    private static readonly TimeSpan NoteEvery = TimeSpan.FromSeconds(20);

    public string Name => "incident-room";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var total = scale.Pick(1_000, 60);
        var affected = scale.Pick(883, 40);
        var responders = scale.Pick(30, 12);
        var declarations = scale.Pick(5, 2);
        var quiet = TimeSpan.FromSeconds(scale.Pick(15, 5));
        var database = await server.CreateDatabaseAsync("incident_room", ct);
        var blobs = Path.Combine(server.Home, "incident-room-blobs");
        IReadOnlyList<SiteId> deleted;
        DateTimeOffset point;
        await using (var environment = await ScalingEnvironment.SeedAsync(Name, database, blobs, total, ct))
        {
            deleted = [.. environment.Sites.Take(affected)];
            point = await environment.DeleteAsync(Name, deleted, ct);
        }

        await using var host = new IncidentServerHost(database, blobs, Path.Combine(server.Home, "incident-room-home"), Path.GetFullPath("runbooks"));
        var address = host.Start();
        Log.Info($"{Name}: the server listens on {address}");
        var platform = host.Platform.WithActor("bench");

        var people = new List<Responder>();
        for (var i = 0; i < responders; i++)
        {
            // Commanders and stream leads, engineers, communications and support: the roles their incident roles need.
            var role = i < 10 ? Roles.IncidentCommander : i < 20 ? Roles.Operator : i < 25 ? Roles.Communications : Roles.Support;
            var login = $"responder-{i:00}";
            var account = await platform.Operators.CreateAsync(login, $"Responder {i}", [role], cancellationToken: ct);
            var token = await platform.WithActor(login).Tokens.CreatePersonalAsync(account.Id, "incident-room benchmark", cancellationToken: ct);
            people.Add(new Responder(login, Client(address, token.Secret)));
        }

        try
        {
            // Declaring, over the API, with the 883 sites and the mass-deletion runbook's checklist: the first is the incident,
            // the others are merged into it as duplicates (as a second person declaring the same thing would be).
            var declareMs = new List<double>();
            IncidentId? incident = null;
            var commander = people[0];
            for (var d = 0; d < declarations; d++)
            {
                var started = Stopwatch.GetTimestamp();
                using var answer = await commander.Http.PostAsJsonAsync("/api/incidents", new
                {
                    title = d == 0 ? "Sites deleted by the app-retirement script" : $"Duplicate declaration {d}",
                    type = "mass-deletion",
                    severity = "SEV1",
                    sites = deleted.Select(s => s.Value),
                }, ct);
                var body = await answer.Content.ReadAsStringAsync(ct);
                declareMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!answer.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"declaring answered {(int)answer.StatusCode}: {body}");
                }

                var id = IncidentId.Parse(IdOf(body));
                if (incident is { } survivor)
                {
                    await host.Desk.WithActor(commander.Login).MergeAsDuplicateAsync(id, survivor, ct);
                }
                else
                {
                    incident = id;
                }
            }

            var room = incident!.Value;
            Log.Info($"{Name}: declared {room} with {affected} sites; declaring took {string.Join(", ", declareMs.Select(ms => ms.ToString("0", CultureInfo.InvariantCulture)))} ms");
            await StaffAsync(host.Desk, room, people, ct);

            // Every responder opens the room; a quiet stretch first (no restore), then the job, then a quiet stretch again.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var samples = new Samples();
            var phase = new PhaseClock();
            var rooms = people.Select((p, i) => Task.Run(() => WatchAsync(p, i, room, samples, phase, stop.Token), CancellationToken.None)).ToList();
            await Task.Delay(quiet, ct);

            phase.Now = Phase.Restoring;
            var jobClock = Stopwatch.GetTimestamp();
            var job = await platform.WithActor(people[10].Login).Restores.StartAsync(
                new RestoreJobRequest("bring back the sites the script deleted") { Sites = deleted, Point = RecoveryPoint.AtTime(point) }, ct);
            Log.Info($"{Name}: restore job {job.Id} started; {responders} rooms open");
            await WaitForJobAsync(host.Platform, job.Id, affected, ct);
            var jobSeconds = Stopwatch.GetElapsedTime(jobClock).TotalSeconds;
            // Long enough for every room to see the last site.
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            phase.Now = Phase.After;
            await Task.Delay(quiet, ct);
            await stop.CancelAsync();
            await Task.WhenAll(rooms);

            var restoredAt = await RestoredTimesAsync(database, job.Id, ct);
            if (restoredAt.Count != affected)
            {
                throw new InvalidOperationException($"{restoredAt.Count} of {affected} sites were restored and validated: the rooms would be measured against a restore that did not finish.");
            }

            var eventDelays = samples.Observations.GroupBy(o => o.Room).SelectMany(r => Delays([.. r.OrderBy(o => o.At)], restoredAt)).ToList();
            var missing = responders * affected - eventDelays.Count;
            return Outcome(samples, eventDelays, missing, declareMs, affected, responders, jobSeconds);
        }
        finally
        {
            foreach (var p in people)
            {
                p.Http.Dispose();
            }
        }
    }

    /// <summary>Roles with backups, every responder taking part (in three regions), five streams with leads, and four tasks in each.</summary>
    private static async Task StaffAsync(IncidentDesk desk, IncidentId room, IReadOnlyList<Responder> people, CancellationToken ct)
    {
        var commander = desk.WithActor(people[0].Login).WithRolePermissions();
        string[] regions = ["emea", "amer", "apac"];
        string[] shifts = ["07:00-15:00 UTC", "15:00-23:00 UTC", "23:00-07:00 UTC"];
        for (var i = 0; i < people.Count; i++)
        {
            await desk.WithActor(people[i].Login).JoinAsync(room, people[i].Login, regions[i % 3], shifts[i % 3], ct);
        }

        await commander.AssignAsync(room, IncidentRole.Commander, people[0].Login, cancellationToken: ct);
        await commander.AssignAsync(room, IncidentRole.Commander, people[1].Login, RoleSlot.Backup, ct);
        await commander.AssignAsync(room, IncidentRole.Approver, people[2].Login, cancellationToken: ct);
        await commander.AssignAsync(room, IncidentRole.Approver, people[3].Login, RoleSlot.Backup, ct);
        await commander.AssignAsync(room, IncidentRole.Scribe, people[4].Login, cancellationToken: ct);
        await commander.AssignAsync(room, IncidentRole.CommunicationsLead, people[Math.Min(20, people.Count - 2)].Login, cancellationToken: ct);
        await commander.AssignAsync(room, IncidentRole.SupportLead, people[^1].Login, cancellationToken: ct);
        var task = 0;
        for (var s = 0; s < StreamCount; s++)
        {
            var slug = $"restore-wave-{s + 1}";
            await commander.OpenStreamAsync(room, new StreamOpening { Slug = slug, Lead = people[5 + (s % 5)].Login, Goal = $"every site of wave {s + 1} restored and validated" }, ct);
            for (var t = 0; t < TasksPerStream; t++, task++)
            {
                await commander.AssignTaskAsync(room, new TaskAssignment
                {
                    Owner = people[(10 + task) % people.Count].Login,
                    Purpose = $"wave {s + 1}'s customers know where their site stands",
                    Action = $"check the validation of batch {t + 1} and note any site that fails",
                    Stream = slug,
                }, ct);
            }
        }

        Log.Info($"incident-room: {people.Count} responders take part; {StreamCount} streams with {task} tasks");
    }

    /// <summary>One responder with the room open: the live part every second, the whole page now and then, a note now and then.</summary>
    private static async Task WatchAsync(Responder who, int index, IncidentId room, Samples samples, PhaseClock phase, CancellationToken stop)
    {
        // Staggered, as people do not open the room in the same millisecond.
        var nextPage = Stopwatch.GetTimestamp() + (long)(PageEvery.TotalSeconds * Stopwatch.Frequency * index / 30);
        var nextNote = Stopwatch.GetTimestamp() + (long)(NoteEvery.TotalSeconds * Stopwatch.Frequency * index / 30);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(33 * index), stop);
            while (!stop.IsCancellationRequested)
            {
                var (ms, html) = await TimedGetAsync(who.Http, $"/console/live/incidents/{room}", stop);
                var seen = TimeProvider.System.GetUtcNow();
                samples.Add(new Sample(Kind.Live, phase.Now, ms));
                var restored = Restored().Match(html);
                if (!restored.Success)
                {
                    throw new InvalidOperationException("the room's live part does not show how many sites are restored: the benchmark would measure nothing.");
                }

                samples.Observe(new Observation(index, seen, int.Parse(restored.Groups[1].Value, CultureInfo.InvariantCulture)));
                if (Stopwatch.GetTimestamp() >= nextPage)
                {
                    var (pageMs, _) = await TimedGetAsync(who.Http, $"/incidents/{room}", stop);
                    samples.Add(new Sample(Kind.Page, phase.Now, pageMs));
                    nextPage += (long)(PageEvery.TotalSeconds * Stopwatch.Frequency);
                }

                if (Stopwatch.GetTimestamp() >= nextNote)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var note = await who.Http.PostAsJsonAsync($"/api/incidents/{room}/notes", new { text = $"{who.Login}: batch checked, nothing new" }, stop);
                    note.EnsureSuccessStatusCode();
                    samples.Add(new Sample(Kind.Note, phase.Now, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    nextNote += (long)(NoteEvery.TotalSeconds * Stopwatch.Frequency);
                }

                await Task.Delay(LiveEvery, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task<(double Ms, string Body)> TimedGetAsync(HttpClient http, string path, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var answer = await http.GetAsync(path, ct);
        var body = await answer.Content.ReadAsStringAsync(ct);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)answer.StatusCode}: the benchmark would measure errors. {body[..Math.Min(300, body.Length)]}");
        }

        return (ms, body);
    }

    /// <summary>For each site in the order it was validated, when this room first showed a count that includes it.</summary>
    private static IEnumerable<double> Delays(IReadOnlyList<Observation> seen, IReadOnlyList<DateTimeOffset> restoredAt)
    {
        var next = 0;
        foreach (var o in seen)
        {
            for (; next < Math.Min(o.Restored, restoredAt.Count); next++)
            {
                yield return (o.At - restoredAt[next]).TotalSeconds;
            }
        }
    }

    private static async Task WaitForJobAsync(LifeboatPlatform platform, RestoreJobId job, int sites, CancellationToken ct)
    {
        while (true)
        {
            var found = await platform.Restores.GetAsync(job, ct);
            if (found.State == RestoreJobState.AwaitingApproval)
            {
                throw new InvalidOperationException($"restore job {job} awaits approval: the benchmark's restore discards nothing and should not.");
            }

            if (found.State != RestoreJobState.Running)
            {
                Log.Info($"incident-room: restore job {job} is {found.State}");
                return;
            }

            var done = (await platform.Restores.SitesAsync(job, ct)).Count(s => s.State == SiteRestoreState.Restored);
            Log.Step("incident-room: restored and validated", done, sites, 1);
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
        }
    }

    /// <summary>When each site's restore was validated and its row marked Restored, in that order (the server's clock, which is this machine's).</summary>
    private static async Task<IReadOnlyList<DateTimeOffset>> RestoredTimesAsync(BenchDatabase database, RestoreJobId job, CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(database.Admin);
        await using var cmd = source.CreateCommand("SELECT finished_at FROM platform.restore_job_sites WHERE job_id = $1 AND state = 'Restored' ORDER BY finished_at");
        cmd.Parameters.Add(new() { Value = job.Value });
        var times = new List<DateTimeOffset>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            times.Add(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero));
        }

        return times;
    }

    private static BenchOutcome Outcome(Samples samples, List<double> delays, int missing, List<double> declareMs, int sites, int responders, double jobSeconds)
    {
        Figure Of(Kind kind, Phase phase)
        {
            var ms = samples.All.Where(s => s.Kind == kind && s.Phase == phase).Select(s => s.Ms).ToList();
            return new Figure(ms.Count, Stats.Round(Stats.Percentile(ms, 50), 1), Stats.Round(Stats.Percentile(ms, 99), 1), Stats.Round(ms.DefaultIfEmpty(0).Max(), 1));
        }

        var table = new[] { Kind.Live, Kind.Page, Kind.Note }
            .SelectMany(k => new[] { Phase.Before, Phase.Restoring, Phase.After }.Select(p => (Kind: k, Phase: p, Figure: Of(k, p))))
            .ToList();
        Report.Table($"incident-room: answer times at the client (loopback), {responders} responders, {sites} sites",
            ["what", "phase", "requests", "p50 ms", "p99 ms", "max ms"],
            table.Select(r => (IReadOnlyList<string>)[Describe(r.Kind), r.Phase.ToString().ToLowerInvariant(), Report.Num(r.Figure.Count),
                Report.Num(r.Figure.P50Ms, "0.0"), Report.Num(r.Figure.P99Ms, "0.0"), Report.Num(r.Figure.MaxMs, "0.0")]));

        var live = Of(Kind.Live, Phase.Restoring);
        var page = Of(Kind.Page, Phase.Restoring);
        var eventP50 = Stats.Round(Stats.Percentile(delays, 50), 2);
        var eventP99 = Stats.Round(Stats.Percentile(delays, 99), 2);
        var eventMax = Stats.Round(delays.DefaultIfEmpty(0).Max(), 2);
        Log.Info($"incident-room: a validated site reached an open room in p50 {eventP50} s, p99 {eventP99} s, at most {eventMax} s ({delays.Count:N0} arrivals, {missing} not seen)");
        var declare = new DeclareFigures(declareMs.Count, Stats.Round(Stats.Median(declareMs), 1), Stats.Round(declareMs.Max(), 1), [.. declareMs.Select(ms => Stats.Round(ms, 1))]);
        Log.Info($"incident-room: declaring with {sites} sites took a median of {declare.MedianMs} ms (at most {declare.MaxMs} ms)");

        var met = live.P50Ms <= RoomGoalMs && live.P99Ms <= RoomGoalMs && page.P50Ms <= RoomGoalMs && page.P99Ms <= RoomGoalMs && eventP99 <= EventGoalSeconds && missing == 0;
        return new BenchOutcome(
            new Goal($"during the restore, the room's answers within {RoomGoalMs} ms at p50 and p99 (live part {live.P50Ms}/{live.P99Ms} ms, page {page.P50Ms}/{page.P99Ms} ms), " +
                     $"and a validated site in every open room within {EventGoalSeconds} s at p99 ({eventP99} s, max {eventMax} s, {missing} not seen)", met),
            new Figures(sites, responders, StreamCount, StreamCount * TasksPerStream, Stats.Round(jobSeconds, 1), LiveEvery.TotalSeconds, declare,
                new EventFigures(delays.Count, missing, eventP50, eventP99, eventMax),
                [.. table.Select(r => new AnswerFigures(Describe(r.Kind), r.Phase.ToString().ToLowerInvariant(), r.Figure))]));
    }

    private static string Describe(Kind kind) => kind switch
    {
        Kind.Live => "room, live part (every 1 s)",
        Kind.Page => "room, whole page",
        _ => "note (POST)",
    };

    private static string IdOf(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    private static HttpClient Client(Uri address, string token)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [GeneratedRegex(@"(\d+) of \d+ sites restored and validated")]
    private static partial Regex Restored();

    private sealed record Responder(string Login, HttpClient Http);

    private enum Kind
    {
        Live,
        Page,
        Note,
    }

    private enum Phase
    {
        Before,
        Restoring,
        After,
    }

    private sealed class PhaseClock
    {
        private volatile int _now;

        public Phase Now
        {
            get => (Phase)_now;
            set => _now = (int)value;
        }
    }

    private sealed record Sample(Kind Kind, Phase Phase, double Ms);

    private sealed record Observation(int Room, DateTimeOffset At, int Restored);

    private sealed class Samples
    {
        private readonly Lock _sync = new();
        private readonly List<Sample> _all = [];
        private readonly List<Observation> _observations = [];

        public IReadOnlyList<Sample> All
        {
            get
            {
                lock (_sync)
                {
                    return [.. _all];
                }
            }
        }

        public IReadOnlyList<Observation> Observations
        {
            get
            {
                lock (_sync)
                {
                    return [.. _observations];
                }
            }
        }

        public void Add(Sample sample)
        {
            lock (_sync)
            {
                _all.Add(sample);
            }
        }

        public void Observe(Observation observation)
        {
            lock (_sync)
            {
                _observations.Add(observation);
            }
        }
    }

    private sealed record Figure(int Count, double P50Ms, double P99Ms, double MaxMs);

    private sealed record AnswerFigures(string What, string Phase, Figure Figure);

    private sealed record DeclareFigures(int Declarations, double MedianMs, double MaxMs, IReadOnlyList<double> EachMs);

    private sealed record EventFigures(int Arrivals, int NotSeen, double P50Seconds, double P99Seconds, double MaxSeconds);

    private sealed record Figures(int Sites, int Responders, int Streams, int Tasks, double RestoreJobSeconds, double LiveEverySeconds, DeclareFigures Declaring,
        EventFigures SiteValidatedToRoom, IReadOnlyList<AnswerFigures> Answers);
}
