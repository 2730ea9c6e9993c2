using Bogus;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;

namespace Lifeboat.Sample.Seeding;

/// <summary>A customer account the seeder will create: its name, tier, region and key contacts.</summary>
internal sealed record AccountPlan(string Name, SupportTier Tier, string Region, IReadOnlyList<AccountContactDraft> Contacts);

/// <summary>
/// Which seeded sites belong to which customer, in the shape of April 2022: 883 sites of 775 customers.
///
/// The rule: sites are taken in seeding order, in blocks of <see cref="IncidentSites"/> (883). In each block,
/// exactly <see cref="IncidentSites"/> − <see cref="IncidentCustomers"/> (108) sites belong to the account of
/// the site just before them; every other site starts an account of its own. So any whole block, and the
/// drill's targets (the first 883 sites seeded, however many bystanders follow), belong to exactly 775
/// accounts, some owning two, three or more sites in a row. Which 108 sites join their predecessor is drawn
/// from the seed, per block, so a block does not depend on how many sites follow it. The vendor's internal
/// sites (the first ones) form one account, the vendor's own: they are joins the draw does not choose (with
/// up to 109 internal sites; more than that, and the vendor's account takes them all), and the first
/// customer site after them always starts an account. A partial block (fewer sites, or the bystanders
/// after the first block) gets the joins of its block that fall inside it: about one site in eight.
/// </summary>
internal static class AccountPlanner
{
    public const int IncidentSites = 883;
    public const int IncidentCustomers = 775;
    public const string VendorName = "The vendor's own sites";

    /// <summary>For each site (by seeding order), the index of its account; accounts are numbered in order of their first site.</summary>
    public static int[] Owners(int seed, int sites, int internalSites)
    {
        var owners = new int[sites];
        var accounts = -1;
        for (var start = 0; start < sites; start += IncidentSites)
        {
            var joins = Joins(seed, start / IncidentSites, start == 0 ? internalSites : 0);
            for (var i = start; i < Math.Min(sites, start + IncidentSites); i++)
            {
                owners[i] = i > 0 && joins.Contains(i - start) ? accounts : ++accounts;
            }
        }

        return owners;
    }

    /// <summary>The account whose first site is <paramref name="firstSite"/>, with contacts under a domain of its own.</summary>
    public static AccountPlan Plan(int seed, int index, string firstSite, string region, bool isInternal)
    {
        var f = new Faker("en") { Random = new Randomizer(unchecked((seed * 7919) + index)) };
        var name = isInternal ? VendorName : firstSite;
        // One domain per customer (a reserved example.com subdomain), so an address names its customer.
        var domain = isInternal ? "vendor.example.com" : $"{SitePlanner.Slug(firstSite, 30)}-{index + 1}.example.com";
        var tier = isInternal ? SupportTier.Enterprise : f.Random.Int(0, 99) switch
        {
            < 8 => SupportTier.Enterprise,
            < 30 => SupportTier.Premium,
            _ => SupportTier.Standard,
        };
        List<AccountContactDraft> contacts =
        [
            new(ContactRole.Technical, f.Name.FullName(), $"it@{domain}"),
            new(ContactRole.Admin, f.Name.FullName(), $"admin@{domain}", f.Random.Bool(0.5f) ? f.Random.Replace("+1 555 01##") : null),
        ];
        if (tier != SupportTier.Standard)
        {
            contacts.Add(new(ContactRole.Billing, f.Name.FullName(), $"billing@{domain}"));
        }

        return new AccountPlan(name, tier, region, contacts);
    }

    /// <summary>The positions in block <paramref name="block"/> whose site joins the account of the site before it.</summary>
    private static HashSet<int> Joins(int seed, int block, int internalSites)
    {
        const int Joining = IncidentSites - IncidentCustomers;
        var forced = Math.Max(0, Math.Min(internalSites, IncidentSites) - 1);
        var joins = Enumerable.Range(1, forced).ToHashSet();
        // The first customer site starts its own account: it must not join the vendor's.
        var firstFree = internalSites > 0 ? internalSites + 1 : 1;
        var eligible = Enumerable.Range(firstFree, Math.Max(0, IncidentSites - firstFree)).ToList();
        var random = new Randomizer(unchecked((seed * 104_729) + block));
        joins.UnionWith(random.ListItems(eligible, Math.Max(0, Math.Min(eligible.Count, Joining - forced))));
        return joins;
    }
}
