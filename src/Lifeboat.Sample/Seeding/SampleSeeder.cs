using System.Diagnostics;
using Bogus;
using Lifeboat.Platform;

namespace Lifeboat.Sample.Seeding;

/// <summary>
/// Fills an environment with realistic sites of the sample SaaS: a customer's profile, licences for
/// both products, the legacy app on most sites, people, groups, flags, key contacts, issues and wiki
/// pages with attachments. The same seed gives the same content; sites are seeded a few at a time.
/// Every site belongs to a customer account (<see cref="AccountPlanner"/> says which, in the April 2022
/// shape); the accounts, with their key contacts, are created first, and each site is linked to its
/// account as it is written.
/// </summary>
public sealed class SampleSeeder(LifeboatPlatform platform)
{
    public async Task<SeedSummary> SeedAsync(SeedOptions options, IProgress<SeedProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        await SampleProducts.RegisterAsync(platform, cancellationToken);
        var anchor = options.Anchor ?? new DateTimeOffset(platform.Options.Store.TimeProvider.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        var (sites, accountPlans) = Settle(options);
        var accounts = new AccountId[accountPlans.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, accountPlans.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (a, ct) =>
            {
                var plan = accountPlans[a];
                accounts[a] = (await platform.Accounts.CreateAsync(plan.Name, plan.Tier, plan.Region, plan.Contacts, ct)).Id;
            });

        var results = new SiteResult[sites.Count];
        var done = 0;
        long records = 0, blobs = 0;
        var report = new Lock();
        var writer = new SiteWriter(platform, options.OneCallAtATime);
        await Parallel.ForEachAsync(Enumerable.Range(0, sites.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var s = sites[i];
                // Planned inside the loop: a site's content (with its files' bytes) is only held while it is written.
                var plan = SitePlanner.Plan(s.ContentSeed, s.Name, s.Region, s.Internal, options.Size, anchor);
                results[i] = await writer.WriteAsync(plan, accounts[s.Account], ct);
                lock (report)
                {
                    // Under the lock, so reports arrive in order and the counts never go back.
                    done++;
                    records += results[i].Records;
                    blobs += results[i].Blobs;
                    progress?.Report(new SeedProgress(done, sites.Count, records, blobs));
                }
            });

        return new SeedSummary(results.Select(r => r.Site).ToList(), options.Size, results.Sum(r => (long)r.Records), results.Sum(r => (long)r.Blobs),
            results.Sum(r => r.BlobBytes), clock.Elapsed)
        {
            Accounts = sites.Select(s => accounts[s.Account]).ToList(),
        };
    }

    /// <summary>
    /// Settles every site's name, region and seeds before any is written, in site order, so they do
    /// not depend on which site a thread happens to finish first. Names are unique within the run. A
    /// customer's second and later sites are named after the customer ("Acme Corp 2"), as a customer names
    /// them; its account is named after its first site and lives in that site's region.
    /// </summary>
    private (List<PlannedSite> Sites, List<AccountPlan> Accounts) Settle(SeedOptions options)
    {
        var random = new Randomizer(options.Seed);
        var regions = platform.Options.Regions;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var owners = AccountPlanner.Owners(options.Seed, options.Sites, options.Internal);
        var accounts = new List<AccountPlan>();
        var sitesOfAccount = new List<int>();
        var sites = new List<PlannedSite>(options.Sites);
        for (var i = 0; i < options.Sites; i++)
        {
            var (nameSeed, contentSeed) = (random.Int(), random.Int());
            var isInternal = i < options.Internal;
            var owner = owners[i];
            var joins = owner < accounts.Count;
            var name = isInternal
                ? $"Internal {SampleText.InternalSites[i % SampleText.InternalSites.Length]}"
                : joins ? $"{accounts[owner].Name} {sitesOfAccount[owner] + 1}" : SitePlanner.CompanyName(nameSeed);
            var unique = name;
            for (var n = 2; !names.Add(unique); n++)
            {
                unique = $"{name} {n}";
            }

            var region = regions[i % regions.Count];
            if (joins)
            {
                sitesOfAccount[owner]++;
            }
            else
            {
                accounts.Add(AccountPlanner.Plan(options.Seed, owner, unique, region, isInternal));
                sitesOfAccount.Add(1);
            }

            sites.Add(new PlannedSite(unique, region, isInternal, contentSeed, owner));
        }

        return (sites, accounts);
    }

    private sealed record PlannedSite(string Name, string Region, bool Internal, int ContentSeed, int Account);
}
