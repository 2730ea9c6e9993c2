using System.Diagnostics;
using Lifeboat.Bench.Harness;
using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Support;
using Npgsql;

namespace Lifeboat.Bench.Support;

/// <summary>
/// Matching a support request (the work between the code and the ticket's account) against 100,000 key contacts of 20,000
/// accounts and 10,000 sites (8,000 live, 1,500 deleted, 500 purged), with an open incident over 883 of them. The directory is
/// seeded by SQL in bulk (matching reads only the accounts' contacts, the site directory, the tenants' states, the accounts' sites
/// and the open incidents); the requests are a mix: a key contact naming a site by URL, a stranger at a customer's domain naming a
/// site by name, and someone nothing matches. Goal: p99 at most 20 ms.
/// </summary>
internal sealed class SupportMatchingBenchmark : IBenchmark
{
    private const double GoalMs = 20;

    public string Name => "support-matching";

    public async Task<BenchOutcome> RunAsync(BenchServer server, Scale scale, CancellationToken ct)
    {
        var contacts = scale.Pick(100_000, 10_000);
        var sites = scale.Pick(10_000, 1_000);
        var accounts = contacts / 5;
        var requests = scale.Pick(3_000, 300);
        var database = await server.CreateDatabaseAsync("support_matching", ct);
        await using var platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = database.StoreOptions(Path.Combine(server.Home, "support-matching-blobs")),
            Modules = [IncidentDesk.Module, CommunicationDesk.Module, SupportDesk.Module],
        }, ct);
        var seeding = Stopwatch.StartNew();
        await SeedAsync(database, accounts, contacts, sites, ct);
        Log.Info($"{Name}: seeded {accounts:N0} accounts, {contacts:N0} contacts, {sites:N0} sites in {seeding.Elapsed.TotalSeconds:0.0} s");
        await using var incidents = await IncidentDesk.OpenAsync(platform, ct);
        await incidents.DeclareAsync(new IncidentDeclaration
        {
            Title = "sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1,
            Sites = [.. Enumerable.Range(0, Math.Min(883, sites)).Select(i => SiteId.FromValidated(SiteOf(i)))],
        }, ct);
        await using var desk = await SupportDesk.OpenAsync(platform, cancellationToken: ct);

        var random = new Random(14);
        var kinds = new[] { "key contact + URL", "stranger at a customer's domain + name", "unknown" };
        var timings = kinds.ToDictionary(k => k, _ => new List<double>());
        var matched = 0;
        for (var i = 0; i < requests + 100; i++)
        {
            var kind = kinds[i % kinds.Length];
            var site = random.Next(sites);
            var account = site % accounts;
            var (email, given) = kind switch
            {
                "key contact + URL" => ($"Contact{account * 5}@Customer{account}.example", $"https://www.site-{site}.lifeboat.example/"),
                "stranger at a customer's domain + name" => ($"someone@customer{account}.example", $"Site {site}"),
                _ => ($"nobody{i}@nowhere.example", $"no such site {i}"),
            };
            var started = Stopwatch.GetTimestamp();
            var match = await desk.MatchAsync(email, given, ct);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (i >= 100)
            {
                timings[kind].Add(ms);
                matched += match.ByAddress.Count > 0 || match.Sites.Count > 0 ? 1 : 0;
            }
        }

        var all = timings.Values.SelectMany(t => t).ToList();
        var p99 = Stats.Percentile(all, 99);
        Report.Table($"{Name}: one request matched against {contacts:N0} contacts and {sites:N0} sites", ["requests", "count", "p50 ms", "p99 ms"],
            timings.Select(t => (IReadOnlyList<string>)[t.Key, Report.Num(t.Value.Count), Report.Num(Stats.Median(t.Value), "0.00"), Report.Num(Stats.Percentile(t.Value, 99), "0.00")])
                .Append(["all", Report.Num(all.Count), Report.Num(Stats.Median(all), "0.00"), Report.Num(p99, "0.00")]));
        return new BenchOutcome(new Goal($"matching p99 {p99:0.00} ms ≤ {GoalMs} ms", p99 <= GoalMs), new
        {
            contacts,
            accounts,
            sites,
            requests = all.Count,
            matched,
            p50Ms = Stats.Round(Stats.Median(all), 2),
            p99Ms = Stats.Round(p99, 2),
            byKind = timings.ToDictionary(t => t.Key, t => new { p50Ms = Stats.Round(Stats.Median(t.Value), 2), p99Ms = Stats.Round(Stats.Percentile(t.Value, 99), 2) }),
        });
    }

    /// <summary>A site's ID: its number, zero-padded, so site i is named "Site i" and lives at site-i.lifeboat.example.</summary>
    private static string SiteOf(int i) => $"site_{i:D26}";

    private static async Task SeedAsync(BenchDatabase database, int accounts, int contacts, int sites, CancellationToken ct)
    {
        await using var admin = NpgsqlDataSource.Create(database.Admin);
        string[] statements =
        [
            """
            INSERT INTO platform.accounts (account_id, name, support_tier, region, created_at, created_by)
            SELECT 'acct_' || lpad(a::text, 26, '0'), 'Customer ' || a, (ARRAY['Standard', 'Premium', 'Enterprise'])[1 + a % 3], 'eu-west', now(), 'bench'
            FROM generate_series(0, $1 - 1) a
            """,
            """
            INSERT INTO platform.account_contacts (account_id, contact_id, role, name, email, added_at, added_by)
            SELECT 'acct_' || lpad((c / 5)::text, 26, '0'), 'cnt_' || lpad(c::text, 26, '0'), (ARRAY['Admin', 'Billing', 'Technical'])[1 + c % 3],
            'Contact ' || c, 'contact' || c || '@customer' || (c / 5) || '.example', now(), 'bench'
            FROM generate_series(0, $2 - 1) c
            """,
            """
            INSERT INTO platform.site_directory (site_id, name, region, internal, created_at)
            SELECT 'site_' || lpad(s::text, 26, '0'), 'Site ' || s, 'eu-west', false, now() FROM generate_series(0, $3 - 1) s
            """,
            """
            -- 883 deleted first (the incident's), then live ones, and the last 5% purged.
            INSERT INTO lifeboat.tenants (tenant_id, state, created_position, created_at, state_position, state_changed_at)
            SELECT 'site_' || lpad(s::text, 26, '0'),
            CASE WHEN s < 883 OR s % 20 = 1 THEN 'Deleted' WHEN s >= $3 * 95 / 100 THEN 'Purged' ELSE 'Active' END, 0, now(), 0, now()
            FROM generate_series(0, $3 - 1) s
            """,
            """
            INSERT INTO platform.account_sites (account_id, site_id, linked_at, linked_by)
            SELECT 'acct_' || lpad((s % $1)::text, 26, '0'), 'site_' || lpad(s::text, 26, '0'), now(), 'bench' FROM generate_series(0, $3 - 1) s
            """,
            """
            ANALYZE platform.accounts
            """,
            """
            ANALYZE platform.account_contacts
            """,
            """
            ANALYZE platform.site_directory
            """,
            """
            ANALYZE lifeboat.tenants
            """,
            """
            ANALYZE platform.account_sites
            """,
        ];
        await using var batch = admin.CreateBatch();
        foreach (var statement in statements)
        {
            var command = new NpgsqlBatchCommand(statement);
            // The inserts take the three sizes, each named the same way ($1 accounts, $2 contacts, $3 sites); ANALYZE takes none.
            if (statement.Contains('$', StringComparison.Ordinal))
            {
                command.Parameters.Add(new() { Value = accounts });
                command.Parameters.Add(new() { Value = contacts });
                command.Parameters.Add(new() { Value = sites });
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(ct);
    }
}
