using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// What a plan can do. Each action takes IDs of exactly one kind; reversible actions are undone by a
/// restore of exactly what they changed, to the position just before they changed it.
/// </summary>
public sealed record PlanAction(string Name, IdKind TargetKind, string Description, bool Reversible, IReadOnlyList<string> Parameters)
{
    public static readonly PlanAction UninstallApp = new("uninstall-app", IdKind.AppInstallation, "uninstall an app from the sites it is installed on", true, []);
    public static readonly PlanAction DeleteSite = new("delete-site", IdKind.Site, "delete sites (softly: restorable until purged)", true, []);
    public static readonly PlanAction DeactivateProduct = new("deactivate-product", IdKind.Site, "deactivate a product on sites", true, ["product"]);
    public static readonly PlanAction PurgeSite = new("purge-site", IdKind.Site, "purge sites deleted for longer than the retention window (irreversible)", false, []);
    public static readonly PlanAction EraseSite = new("erase-site", IdKind.Site, "erase sites' data for compliance (irreversible)", false, []);

    public static IReadOnlyList<PlanAction> All { get; } = [UninstallApp, DeleteSite, DeactivateProduct, PurgeSite, EraseSite];

    public static PlanAction Find(string? name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal))
        ?? throw new PlatformException(PlatformErrorKind.Invalid, $"unknown action '{name}'; a plan can: {string.Join(", ", All.Select(a => a.Name))}.");
}

/// <summary>Resolution, blast radius, application, undo and verification of each action.</summary>
internal sealed class PlanActions(PlatformContext context, Sites sites, Apps apps, Provisioning provisioning, ContactDirectory contacts)
{
    public sealed record Resolved(string Id, SiteId Site, bool Internal);

    /// <summary>Finds the site of every target that exists here; the rest are returned as unresolved.</summary>
    public async Task<(List<Resolved> Found, List<string> Missing, List<TargetProblem> Problems)> ResolveAsync(PlanAction action, IReadOnlyList<string> ids,
        PlanPolicy policy, CancellationToken ct)
    {
        var found = new List<Resolved>();
        var missing = new List<string>();
        var problems = new List<TargetProblem>();
        Dictionary<string, string> siteOf;
        if (action.TargetKind == IdKind.Site)
        {
            siteOf = ids.ToDictionary(i => i, i => i, StringComparer.Ordinal);
        }
        else
        {
            await using var cmd = context.Command("SELECT id, site_id FROM platform.id_directory WHERE id = ANY($1) AND kind = $2");
            cmd.Parameters.Add(new() { Value = ids.ToArray() });
            cmd.Parameters.Add(new() { Value = action.TargetKind.Prefix });
            siteOf = new(StringComparer.Ordinal);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                siteOf[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var entries = new Dictionary<string, SiteDirectoryEntry>(StringComparer.Ordinal);
        await using (var cmd = context.Command($"{SiteDirectoryEntry.Select} WHERE d.site_id = ANY($1)"))
        {
            cmd.Parameters.Add(new() { Value = siteOf.Values.Distinct().ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var e = SiteDirectoryEntry.Read(reader);
                entries[e.Id.Value] = e;
            }
        }

        var cutoff = context.Time.GetUtcNow() - TimeSpan.FromDays(policy.PurgeAfterDays);
        foreach (var id in ids)
        {
            if (!siteOf.TryGetValue(id, out var site) || !entries.TryGetValue(site, out var entry))
            {
                missing.Add(id);
                continue;
            }

            var problem = action.Name switch
            {
                _ when entry.State == TenantState.Purged => $"site {site} is Purged; there is nothing left to act on",
                "purge-site" when entry.State != TenantState.Deleted => $"site {site} is {entry.State}; only deleted sites can be purged",
                "purge-site" when await DeletedAtAsync(entry.Id, ct) is { } at && at > cutoff =>
                    $"site {site} was deleted at {at:u}; policy allows purging it from {at + TimeSpan.FromDays(policy.PurgeAfterDays):u}",
                _ => null,
            };
            if (problem is not null)
            {
                problems.Add(new TargetProblem(id, problem));
            }
            else
            {
                found.Add(new Resolved(id, entry.Id, entry.Internal));
            }
        }

        return (found, missing, problems);
    }

    public async Task<BlastRadius> BlastRadiusAsync(PlanAction action, IReadOnlyList<Resolved> targets, IReadOnlyDictionary<string, string> parameters, CancellationToken ct)
    {
        var siteIds = targets.Select(t => t.Site).Distinct().ToList();
        var tenants = siteIds.Select(s => s.Tenant).ToList();
        var users = await context.Store.Tenants.FootprintAsync(tenants, SiteData.Users.Name, ct);
        long records = 0, blobs = 0, bytes = 0;
        var products = 0;
        if (action == PlanAction.UninstallApp)
        {
            records = targets.Count;
        }
        else
        {
            var prefix = action == PlanAction.DeactivateProduct ? ProductCollections(ProductId.Parse(parameters["product"])) : null;
            foreach (var f in (await context.Store.Tenants.FootprintAsync(tenants, prefix, ct)).Values)
            {
                (records, blobs, bytes) = (records + f.Records, blobs + f.Blobs, bytes + f.BlobBytes);
            }

            products = action == PlanAction.DeactivateProduct ? siteIds.Count : await ActiveProductsAsync(siteIds, ct);
        }

        var names = new Dictionary<SiteId, (string Name, bool Internal)>();
        foreach (var page in siteIds.Chunk(1000))
        {
            await using var cmd = context.Command("SELECT site_id, name, internal FROM platform.site_directory WHERE site_id = ANY($1)");
            cmd.Parameters.Add(new() { Value = page.Select(s => s.Value).ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names[SiteId.Parse(reader.GetString(0))] = (reader.GetString(1), reader.GetBoolean(2));
            }
        }

        var contactsBySite = (await contacts.ExportAsync(ct)).ToLookup(c => c.Site);
        var customers = siteIds.Select(s => new AffectedCustomer(s, names[s].Name, names[s].Internal, contactsBySite[s].ToList())).ToList();
        return new BlastRadius(targets.Count, siteIds.Count, customers.Count(c => c.Internal), products, users.Values.Sum(u => u.Records), records, blobs, bytes, customers);
    }

    /// <summary>Applies the action to one target inside the plan's transaction (reversible actions), which also marks the target done.</summary>
    public async Task<bool> ApplyAsync(ChangePlan plan, PlanTarget target, StoreTransaction tx, CancellationToken ct)
    {
        switch (plan.Action)
        {
            case "uninstall-app":
                return await apps.UninstallAsync(tx, target.Site, AppInstallationId.Parse(target.Id), ct);
            case "delete-site":
                return await sites.DeleteAsync(tx, await context.RequireSiteAsync(target.Site, ct), $"{plan.Id}: {plan.Reason}", ct);
            case "deactivate-product":
                return await provisioning.DeactivateAsync(tx, target.Site, ProductId.Parse(plan.Parameters["product"]), ct);
            case "purge-site":
                return await context.Store.Retention.PurgeTenantAsync(target.Site.Tenant, ct);
            case "erase-site":
                var request = await context.Store.WithActor(plan.RequestedBy).Erasures.RequestAsync(target.Site.Tenant, $"{plan.Id}: {plan.Reason}", ct);
                await context.Store.WithActor(plan.ApprovedBy!).Erasures.ApproveAsync(request.Id, ct);
                await context.Store.Erasures.ExecuteAsync(request.Id, ct);
                return true;
            default:
                throw new PlatformException(PlatformErrorKind.Invalid, $"unknown action '{plan.Action}'.");
        }
    }

    /// <summary>Undoes one applied target: a restore of exactly what the action changed, to just before it changed it.</summary>
    public async Task UndoAsync(ChangePlan plan, PlanTarget target, CancellationToken ct)
    {
        var (collections, records, lifecycle) = Undo(plan, target);
        var restore = await context.Store.Restores.BeginAsync(target.Site.Tenant, RecoveryPoint.AtPosition(target.BeforePosition!.Value), cancellationToken: ct);
        await restore.RestoreRecordsAsync(collections, records, ct);
        await restore.CompleteAsync(lifecycle, ct);
    }

    /// <summary>Null when what the action changed equals its state before the plan; otherwise what differs.</summary>
    public async Task<string?> VerifyUndoneAsync(ChangePlan plan, PlanTarget target, CancellationToken ct)
    {
        var before = target.BeforePosition!.Value;
        var (collections, records, lifecycle) = Undo(plan, target);
        if (lifecycle)
        {
            var history = await context.Store.Tenants.HistoryAsync(target.Site.Tenant, ct);
            var then = history.Last(h => h.Position <= before).State;
            var now = (await context.Store.Tenants.GetAsync(target.Site.Tenant, ct)).State;
            return then == now ? null : $"{target.Id}: site is {now}, was {then} before the plan";
        }

        var versions = await context.Store.Records.HistoryAsync(target.Site.Tenant, collections![0], records![0], ct);
        var then2 = versions.LastOrDefault(v => v.Position <= before);
        var now2 = versions[^1];
        return then2 is not null && then2.Deleted == now2.Deleted && then2.Document?.GetRawText() == now2.Document?.GetRawText()
            ? null
            : $"{target.Id}: {collections[0]}/{records[0]} differs from its state before the plan";
    }

    private static (string[]? Collections, string[]? Records, bool Lifecycle) Undo(ChangePlan plan, PlanTarget target) => plan.Action switch
    {
        "uninstall-app" => ([SiteData.Apps.Name], [target.Id], false),
        "deactivate-product" => ([SiteData.Products.Name], [plan.Parameters["product"]], false),
        "delete-site" => ([], null, true),
        _ => throw new PlatformException(PlatformErrorKind.Conflict, $"{plan.Action} cannot be undone: it is irreversible."),
    };

    /// <summary>A product's data lives in collections named after it: prd_tracker → "tracker.*".</summary>
    internal static string ProductCollections(ProductId product) => product.Value["prd_".Length..] + ".";

    private async Task<int> ActiveProductsAsync(IReadOnlyList<SiteId> siteIds, CancellationToken ct) =>
        (int)await context.Store.Records.CountAsync(siteIds.Select(s => s.Tenant).ToList(), SiteData.Products, "state", nameof(ProductState.Active), ct);

    private async Task<DateTimeOffset?> DeletedAtAsync(SiteId site, CancellationToken ct) =>
        (await context.Store.Tenants.GetAsync(site.Tenant, ct)).StateChangedAt;
}
