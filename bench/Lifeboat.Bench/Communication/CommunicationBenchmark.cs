using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lifeboat.Bench.Harness;
using Lifeboat.Bench.Incidents;
using Lifeboat.Bench.Scaling;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Bench.Communication;

/// <summary>
/// Customer communication in the April 2022 shape: 883 of 1,000 sites deleted (775 customers), the whole server running with its
/// mail going to the local postfix. Two things are measured.
/// <list type="bullet">
/// <item><b>Reaching everyone.</b> The first public update goes through the review step and is published. The server mails every
/// affected customer's key contacts. The time runs from the publish to the last message the mail server accepted. Goal: under 60 s.</item>
/// <item><b>The status page under a crowd, during the mass restore.</b> wrk loads Lifeboat's <c>/status/</c>, then nginx serving the
/// same folder, in alternating slices while the 883 sites are restored, on the same two cores. Meanwhile updates are published,
/// and the time from each publish until both servers show it is measured. Goals: at least half of nginx's requests per second,
/// p99 under 50 ms, visible within 2 s.</item>
/// </list>
/// </summary>
internal sealed class CommunicationBenchmark : IBenchmark
{
    private const double ReachGoalSeconds = 60;
    private const double RateGoalRatio = 0.5;
    private const double P99GoalMs = 50;
    private const double VisibleGoalSeconds = 2;
    private const int Connections = 64;

    public string Name => "communication";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var total = scale.Pick(1_000, 60);
        var affected = scale.Pick(883, 40);
        var rounds = scale.Pick(3, 1);
        var slice = TimeSpan.FromSeconds(scale.Pick(10, 4));
        var database = await server.CreateDatabaseAsync("communication", ct);
        var blobs = Path.Combine(server.Home, "communication-blobs");
        IReadOnlyList<SiteId> deleted;
        DateTimeOffset point;
        await using (var environment = await ScalingEnvironment.SeedAsync(Name, database, blobs, total, ct))
        {
            deleted = [.. environment.Sites.Take(affected)];
            point = await environment.DeleteAsync(Name, deleted, ct);
        }

        var home = Path.Combine(server.Home, "communication-home");
        var statusFolder = Path.Combine(home, "status");
        await using var host = new IncidentServerHost(database, blobs, home, Path.GetFullPath("runbooks"), new Dictionary<string, string>
        {
            ["Lifeboat:Communication:Mail:Host"] = "127.0.0.1",
            ["Lifeboat:Communication:Mail:Port"] = "25",
            ["Lifeboat:Communication:Mail:From"] = "status@lifeboat.test",
        });
        var address = host.Start();
        Log.Info($"{Name}: the server listens on {address}; the status page is rendered into {statusFolder}");
        var platform = host.Platform.WithActor("bench");
        using var commander = await PersonAsync(platform, address, "commander", Roles.IncidentCommander, ct);
        using var lead = await PersonAsync(platform, address, "comms-lead", Roles.Communications, ct);
        using var anonymous = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

        using var declared = await commander.PostAsJsonAsync("/api/incidents", new
        {
            title = "Sites deleted by the app-retirement script",
            type = "mass-deletion",
            severity = "SEV1",
            sites = deleted.Select(s => s.Value),
        }, ct);
        var incident = IncidentId.Parse((await JsonOf(declared, "declaring", ct)).GetProperty("id").GetString()!);
        var desk = host.Desk.WithActor("commander").WithRolePermissions();
        await desk.AssignAsync(incident, IncidentRole.Commander, "commander", cancellationToken: ct);
        await desk.AssignAsync(incident, IncidentRole.CommunicationsLead, "comms-lead", cancellationToken: ct);
        var customers = await CustomersAsync(database, deleted, ct);
        Log.Info($"{Name}: incident {incident} declared for {affected} sites of {customers} customers");

        await using var nginx = await PeerWebServer.StartAsync(statusFolder, Path.Combine(server.Home, "communication-nginx"), ct);
        var statusAt = new Uri(address, "/status/");
        var publishing = new Publishing(lead, commander, anonymous, nginx.Address, incident);

        // Reaching everyone: the acknowledgement, and every affected customer's key contacts mailed.
        var first = await publishing.PublishAsync("investigating", ct);
        Log.Info($"{Name}: update {first.Number} published; visible on Lifeboat's page after {first.LifeboatSeconds:0.00} s, on nginx's after {first.PeerSeconds:0.00} s");
        var reach = await ReachAsync(database, incident, first, customers, ct);

        // The crowd, while the sites come back.
        var job = await platform.Restores.StartAsync(new RestoreJobRequest("bring back the sites the script deleted") { Sites = deleted, Point = RecoveryPoint.AtTime(point) }, ct);
        Log.Info($"{Name}: restore job {job.Id} started; wrk with {Connections} connections, {slice.TotalSeconds:0} s per slice, {rounds} round(s)");
        var slices = new List<Slice>();
        var visible = new List<Published> { first };
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (target, url) in new[] { ("lifeboat", statusAt), ("nginx", nginx.Address) })
            {
                var load = Wrk.RunAsync(url, Connections, slice, ct);
                // An update published while the crowd reads: how long until the page everyone reads shows it.
                await Task.Delay(slice / 3, ct);
                var published = await publishing.PublishAsync("identified", ct);
                visible.Add(published);
                var result = await load;
                var running = (await platform.Restores.GetAsync(job.Id, ct)).State == RestoreJobState.Running;
                slices.Add(new Slice(round, target, running, result));
                Log.Info($"{Name}: round {round}, {target}: {result.RequestsPerSecond:N0} req/s, p50 {result.P50Ms:0.00} ms, p99 {result.P99Ms:0.00} ms, " +
                         $"{result.Non2xx + result.SocketErrors} errors{(running ? ", during the restore" : ", the restore had ended")}; update {published.Number} visible after " +
                         $"{published.LifeboatSeconds:0.00} s (Lifeboat) and {published.PeerSeconds:0.00} s (nginx)");
            }
        }

        var jobSeconds = await WaitForJobAsync(platform, job.Id, ct);
        return Outcome(reach, slices, visible, affected, customers, jobSeconds);
    }

    private static async Task<HttpClient> PersonAsync(LifeboatPlatform platform, Uri address, string login, string role, CancellationToken ct)
    {
        var account = await platform.Operators.CreateAsync(login, login, [role], cancellationToken: ct);
        var token = await platform.WithActor(login).Tokens.CreatePersonalAsync(account.Id, "communication benchmark", cancellationToken: ct);
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);
        return client;
    }

    /// <summary>How many customer accounts own the deleted sites.</summary>
    private static async Task<int> CustomersAsync(BenchDatabase database, IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(database.Admin);
        await using var cmd = source.CreateCommand("SELECT count(DISTINCT account_id) FROM platform.account_sites WHERE site_id = ANY($1) AND unlinked_at IS NULL");
        cmd.Parameters.Add(new() { Value = sites.Select(s => s.Value).ToArray() });
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until no message of the update is queued; then reads when the last was accepted, and how many customers were reached.</summary>
    private async Task<Reach> ReachAsync(BenchDatabase database, IncidentId incident, Published update, int customers, CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(database.Admin);
        var waited = Stopwatch.StartNew();
        var shown = -1L;
        while (true)
        {
            await using var cmd = source.CreateCommand("""
                SELECT count(*), count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'sent'),
                       count(*) FILTER (WHERE state IN ('failed', 'bounced')), count(DISTINCT account_id) FILTER (WHERE state = 'sent'),
                       max(sent_at), (SELECT published_at FROM comms.updates WHERE incident_id = $1 AND update_number = $2),
                       count(*) FILTER (WHERE link_id IS NOT NULL AND state = 'sent')
                FROM comms.messages WHERE incident_id = $1 AND update_number = $2 AND purpose = 'update'
                """);
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = update.Number });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            var (all, queued, sent, refused, reached) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
            if (sent != shown)
            {
                Log.Step($"{Name}: messages accepted by the mail server", sent, Math.Max(all, 1), 1);
                shown = sent;
            }

            if (all > 0 && queued == 0)
            {
                var seconds = (r.GetFieldValue<DateTimeOffset>(5) - r.GetFieldValue<DateTimeOffset>(6)).TotalSeconds;
                var figures = new Reach(all, sent, refused, (int)reached, customers, r.GetInt64(7), Stats.Round(seconds, 2), Stats.Round(sent / Math.Max(seconds, 0.001), 1));
                Log.Info($"{Name}: {sent:N0} of {all:N0} messages accepted ({refused} refused) for {reached} of {customers} customers, the last {seconds:0.0} s after the publish " +
                         $"({figures.MessagesPerSecond:N0} messages/s); {figures.WithTheirPage:N0} carried the customer's own page");
                return figures;
            }

            if (waited.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"{queued} of {all} messages still queued after 5 minutes: is postfix running (scripts/setup.sh postfix)?");
            }

            await Task.Delay(250, ct);
        }
    }

    private static async Task<double> WaitForJobAsync(LifeboatPlatform platform, RestoreJobId job, CancellationToken ct)
    {
        while (true)
        {
            var found = await platform.Restores.GetAsync(job, ct);
            if (found.State != RestoreJobState.Running)
            {
                return Stats.Round(((found.FinishedAt ?? TimeProvider.System.GetUtcNow()) - found.CreatedAt).TotalSeconds, 1);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage answer, string what, CancellationToken ct)
    {
        var body = await answer.Content.ReadAsStringAsync(ct);
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)answer.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static BenchOutcome Outcome(Reach reach, List<Slice> slices, List<Published> visible, int sites, int customers, double jobSeconds)
    {
        Report.Table("communication: the status page under wrk (2 threads, 64 connections), slices in turn, same machine",
            ["round", "server", "during the restore", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors"],
            slices.Select(s => (IReadOnlyList<string>)[s.Round.ToString(CultureInfo.InvariantCulture), s.Server, s.DuringRestore ? "yes" : "no", Report.Num(s.Result.Requests),
                Report.Num(s.Result.RequestsPerSecond), Report.Num(s.Result.P50Ms, "0.00"), Report.Num(s.Result.P90Ms, "0.00"), Report.Num(s.Result.P99Ms, "0.00"),
                Report.Num(s.Result.Non2xx + s.Result.SocketErrors)]));
        var ratios = slices.GroupBy(s => s.Round).Select(g => Stats.Round(g.Single(s => s.Server == "lifeboat").Result.RequestsPerSecond / g.Single(s => s.Server == "nginx").Result.RequestsPerSecond, 2)).ToList();
        var lifeboat = slices.Where(s => s.Server == "lifeboat").ToList();
        var worstP99 = lifeboat.Max(s => s.Result.P99Ms);
        var errors = slices.Sum(s => s.Result.Non2xx + s.Result.SocketErrors);
        var worstVisible = visible.Max(v => Math.Max(v.LifeboatSeconds, v.PeerSeconds));
        var duringRestore = lifeboat.Count(s => s.DuringRestore);
        var met = reach.Seconds < ReachGoalSeconds && reach.Reached == customers && ratios.Min() >= RateGoalRatio && worstP99 < P99GoalMs
                  && worstVisible <= VisibleGoalSeconds && errors == 0 && duringRestore == lifeboat.Count;
        return new BenchOutcome(
            new Goal($"every affected customer's contacts mailed within {ReachGoalSeconds} s ({reach.Seconds} s, {reach.Reached} of {customers} customers); " +
                     $"the status page at least {RateGoalRatio}x nginx's req/s (worst round {ratios.Min()}x) with p99 under {P99GoalMs} ms ({worstP99:0.00} ms) " +
                     $"during the restore ({duringRestore} of {lifeboat.Count} slices), no errors ({errors}), and each publish visible within {VisibleGoalSeconds} s ({worstVisible:0.00} s)", met),
            new Figures(sites, customers, jobSeconds, reach, ratios, [.. slices], [.. visible]));
    }

    /// <summary>Drafts, reviews (the communications lead approves, the commander double-checks) and publishes a public update, then times its arrival on both pages.</summary>
    private sealed class Publishing(HttpClient lead, HttpClient commander, HttpClient anonymous, Uri peer, IncidentId incident)
    {
        private int _count;

        public async Task<Published> PublishAsync(string phase, CancellationToken ct)
        {
            var mark = $"check {++_count} {Guid.NewGuid():n}";
            using var drafted = await lead.PostAsJsonAsync($"/api/incidents/{incident}/updates", new { audience = "public", phase, message = $"We are restoring the sites ({mark})." }, ct);
            var number = (await JsonOf(drafted, "drafting", ct)).GetProperty("number").GetInt32();
            using (var approved = await lead.PostAsync($"/api/incidents/{incident}/updates/{number}/approve", null, ct))
            {
                await JsonOf(approved, "approving", ct);
            }

            using (var checkedOut = await commander.PostAsync($"/api/incidents/{incident}/updates/{number}/double-check", null, ct))
            {
                await JsonOf(checkedOut, "double-checking", ct);
            }

            var started = Stopwatch.GetTimestamp();
            using (var published = await lead.PostAsync($"/api/incidents/{incident}/updates/{number}/publish", null, ct))
            {
                await JsonOf(published, "publishing", ct);
            }

            var onLifeboat = SeenAsync(new Uri(anonymous.BaseAddress!, "/status/index.json"), mark, started, ct);
            var onPeer = SeenAsync(new Uri(peer, "index.json"), mark, started, ct);
            return new Published(number, Stats.Round(await onLifeboat, 3), Stats.Round(await onPeer, 3));
        }

        private async Task<double> SeenAsync(Uri json, string mark, long started, CancellationToken ct)
        {
            while (true)
            {
                if ((await anonymous.GetStringAsync(json, ct)).Contains(mark, StringComparison.Ordinal))
                {
                    return Stopwatch.GetElapsedTime(started).TotalSeconds;
                }

                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
                {
                    throw new InvalidOperationException($"{json} did not show the published update within a minute");
                }

                await Task.Delay(20, ct);
            }
        }
    }

    private sealed record Published(int Number, double LifeboatSeconds, double PeerSeconds);

    private sealed record Slice(int Round, string Server, bool DuringRestore, WrkResult Result);

    private sealed record Reach(long Messages, long Accepted, long Refused, int Reached, int Customers, long WithTheirPage, double Seconds, double MessagesPerSecond);

    private sealed record Figures(int Sites, int Customers, double RestoreJobSeconds, Reach Reach, IReadOnlyList<double> RateRatios, IReadOnlyList<Slice> Slices,
        IReadOnlyList<Published> Published);
}
