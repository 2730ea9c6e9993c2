using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Catalog;

/// <summary>One change provisioning made (or would make) to a site's products.</summary>
public sealed record ProvisioningChange(ProductId Product, ProductState? From, ProductState To);

/// <summary>
/// Products and licences: the product catalog, the licences a site holds (seats, active or not),
/// and which products are provisioned on it. Repeating a change that already holds is not an error.
/// </summary>
public sealed class Provisioning
{
    private readonly PlatformContext _context;

    internal Provisioning(PlatformContext context) => _context = context;

    /// <summary>Adds (or renames) a product of the catalog.</summary>
    public async Task<Product> RegisterProductAsync(ProductId product, string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a product needs a name.");
        }

        await using var cmd = _context.Command("INSERT INTO platform.products (product_id, name) VALUES ($1, $2) ON CONFLICT (product_id) DO UPDATE SET name = excluded.name");
        cmd.Parameters.Add(new() { Value = product.Value });
        cmd.Parameters.Add(new() { Value = name.Trim() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return new Product(product, name.Trim());
    }

    public async Task<IReadOnlyList<Product>> CatalogAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("SELECT product_id, name FROM platform.products ORDER BY product_id");
        var list = new List<Product>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Product(ProductId.Parse(reader.GetString(0)), reader.GetString(1)));
        }

        return list;
    }

    public async Task<Licence> GrantLicenceAsync(SiteId site, ProductId product, int seats, CancellationToken cancellationToken = default)
    {
        var licence = NewLicence(site, product, seats);
        await _context.RequireSiteAsync(site, cancellationToken);
        await RequireProductsAsync([product], cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            await _context.Store.Records.WriteAsync(Granted(_context.Store.Records.Batch(site.Tenant), licence), tx, cancellationToken);
            return licence;
        }, cancellationToken);
    }

    /// <summary>A new licence, with a new ID; refuses a negative number of seats.</summary>
    internal Licence NewLicence(SiteId site, ProductId product, int seats)
    {
        RequireSeats(seats);
        return new Licence(TypedId.New<LicenceId>(_context.Time), site, product, seats, Active: true);
    }

    /// <summary>The writes that grant a licence: the licence, its ID's directory row and the event.</summary>
    internal WriteBatch Granted(WriteBatch batch, Licence licence) =>
        batch.Put(SiteData.Licences, licence.Id.Value, _context.Json(licence))
            .Include(_context.Directory(licence.Id.Value, IdKind.Licence, licence.Site))
            .Include(_context.Event("licence.granted", licence.Site, licence.Id.Value, new { licence.Product, licence.Seats }));

    /// <summary>Changes a licence's seats or whether it is active; the licence's site is found from its ID.</summary>
    public async Task<Licence> UpdateLicenceAsync(LicenceId licence, int? seats, bool? active, CancellationToken cancellationToken = default)
    {
        if (seats is { } s)
        {
            RequireSeats(s);
        }

        var site = await _context.SiteOfAsync(licence, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            var current = await _context.Store.Records.GetAsync(site.Tenant, SiteData.Licences.Name, licence.Value, cancellationToken)
                ?? throw new PlatformException(PlatformErrorKind.NotFound, $"licence {licence} of site {site} no longer exists.");
            var before = current.As<Licence>(PlatformJson.Options);
            var after = before with { Seats = seats ?? before.Seats, Active = active ?? before.Active };
            if (after == before)
            {
                return after;
            }

            var batch = _context.Store.Records.Batch(site.Tenant)
                .Put(SiteData.Licences, licence.Value, _context.Json(after))
                .Include(_context.Event("licence.updated", site, licence.Value, new { after.Product, after.Seats, after.Active, previousSeats = before.Seats, wasActive = before.Active }));
            await _context.Store.Records.WriteAsync(batch, tx, cancellationToken);
            return after;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<Licence>> LicencesAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return (await _context.Store.Records.ListAsync(site.Tenant, SiteData.Licences.Name, cancellationToken)).Select(r => r.As<Licence>(PlatformJson.Options)).ToList();
    }

    public async Task<IReadOnlyList<ProductActivation>> ProductsOfAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return (await _context.Store.Records.ListAsync(site.Tenant, SiteData.Products.Name, cancellationToken)).Select(r => r.As<ProductActivation>(PlatformJson.Options)).ToList();
    }

    /// <summary>Provisions a product the site's licences cover. Returns false when it was already active.</summary>
    public Task<bool> ActivateAsync(SiteId site, ProductId product, CancellationToken cancellationToken = default) =>
        TransitionAsync(site, product, ProductState.Active, [null, ProductState.Deactivated], "product.activated", requireLicence: true, cancellationToken);

    public Task<bool> DeactivateAsync(SiteId site, ProductId product, CancellationToken cancellationToken = default) =>
        TransitionAsync(site, product, ProductState.Deactivated, [ProductState.Active, ProductState.Suspended], "product.deactivated", requireLicence: false, cancellationToken, absentIsDone: true);

    public Task<bool> SuspendAsync(SiteId site, ProductId product, CancellationToken cancellationToken = default) =>
        TransitionAsync(site, product, ProductState.Suspended, [ProductState.Active], "product.suspended", requireLicence: false, cancellationToken);

    public Task<bool> UnsuspendAsync(SiteId site, ProductId product, CancellationToken cancellationToken = default) =>
        TransitionAsync(site, product, ProductState.Active, [ProductState.Suspended], "product.unsuspended", requireLicence: true, cancellationToken);

    /// <summary>
    /// Makes what is provisioned match what the licences grant: every product with an active licence
    /// is provisioned, every other one is deactivated. Running it again changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<ProvisioningChange>> ReconcileAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            var granted = (await LicencesAsync(site, cancellationToken)).Where(l => l.Active).Select(l => l.Product);
            var provisioned = (await ProductsOfAsync(site, cancellationToken)).ToDictionary(p => p.Product, p => p.State);
            var changes = ReconcileChanges(granted, provisioned);
            if (changes.Count > 0)
            {
                var batch = _context.Store.Records.Batch(site.Tenant);
                foreach (var change in changes)
                {
                    Reconciled(batch, site, change);
                }

                await _context.Store.Records.WriteAsync(batch, tx, cancellationToken);
            }

            return (IReadOnlyList<ProvisioningChange>)changes;
        }, cancellationToken);
    }

    /// <summary>
    /// What reconciling changes: every product with an active licence that is not provisioned (or was
    /// deactivated) is activated, every other provisioned product deactivated, each in product order.
    /// </summary>
    internal static List<ProvisioningChange> ReconcileChanges(IEnumerable<ProductId> licensed, IReadOnlyDictionary<ProductId, ProductState> provisioned)
    {
        var granted = licensed.ToHashSet();
        var changes = new List<ProvisioningChange>();
        foreach (var product in granted.Where(p => !provisioned.TryGetValue(p, out var s) || s == ProductState.Deactivated).OrderBy(p => p.Value, StringComparer.Ordinal))
        {
            changes.Add(new ProvisioningChange(product, provisioned.TryGetValue(product, out var s) ? s : null, ProductState.Active));
        }

        foreach (var (product, state) in provisioned.Where(p => p.Value != ProductState.Deactivated && !granted.Contains(p.Key)).OrderBy(p => p.Key.Value, StringComparer.Ordinal))
        {
            changes.Add(new ProvisioningChange(product, state, ProductState.Deactivated));
        }

        return changes;
    }

    /// <summary>The writes of one change reconciling made: the product's new state and its event.</summary>
    internal WriteBatch Reconciled(WriteBatch batch, SiteId site, ProvisioningChange change) =>
        batch.Put(SiteData.Products, change.Product.Value, _context.Json(new ProductActivation(change.Product, change.To, _context.Time.GetUtcNow())))
            .Include(_context.Event(change.To == ProductState.Active ? "product.activated" : "product.deactivated", site, change.Product.Value,
                new { from = change.From, reconciled = true }));

    private async Task<bool> TransitionAsync(SiteId site, ProductId product, ProductState to, ProductState?[] from, string eventType, bool requireLicence,
        CancellationToken ct, bool absentIsDone = false)
    {
        await _context.RequireSiteAsync(site, ct);
        await RequireProductsAsync([product], ct);
        return await _context.ChangeSiteAsync(site, tx => TransitionAsync(tx, site, product, to, from, eventType, requireLicence, absentIsDone, ct), ct);
    }

    /// <summary>Deactivation inside a transaction that holds the site's lock (a change plan's action).</summary>
    internal Task<bool> DeactivateAsync(StoreTransaction tx, SiteId site, ProductId product, CancellationToken ct) =>
        TransitionAsync(tx, site, product, ProductState.Deactivated, [ProductState.Active, ProductState.Suspended], "product.deactivated", requireLicence: false, absentIsDone: true, ct);

    private async Task<bool> TransitionAsync(StoreTransaction tx, SiteId site, ProductId product, ProductState to, ProductState?[] from, string eventType,
        bool requireLicence, bool absentIsDone, CancellationToken ct)
    {
        var record = await _context.Store.Records.GetAsync(site.Tenant, SiteData.Products.Name, product.Value, ct);
        var current = record?.As<ProductActivation>(PlatformJson.Options).State;
        if (current == to || (absentIsDone && current is null))
        {
            return false;
        }

        if (!from.Contains(current))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"product {product} is {(current is null ? "not provisioned" : current.ToString()!.ToLowerInvariant())} on site {site}, so it cannot become {to.ToString().ToLowerInvariant()}" +
                (current == ProductState.Suspended && to == ProductState.Active ? "; unsuspend it instead." : "."));
        }

        if (requireLicence && !(await LicencesAsync(site, ct)).Any(l => l.Active && l.Product == product))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"site {site} has no active licence for product {product}; grant one first (lifeboat licence grant {site} {product} --seats N).");
        }

        var batch = _context.Store.Records.Batch(site.Tenant)
            .Put(SiteData.Products, product.Value, _context.Json(new ProductActivation(product, to, _context.Time.GetUtcNow())))
            .Include(_context.Event(eventType, site, product.Value, new { from = current }));
        await _context.Store.Records.WriteAsync(batch, tx, ct);
        return true;
    }

    /// <summary>Refuses products that are not in the catalog, naming the first.</summary>
    internal async Task RequireProductsAsync(IReadOnlyCollection<ProductId> products, CancellationToken ct)
    {
        if (products.Count == 0)
        {
            return;
        }

        await using var cmd = _context.Command("SELECT product_id FROM platform.products WHERE product_id = ANY($1)");
        cmd.Parameters.Add(new() { Value = products.Select(p => p.Value).Distinct().ToArray() });
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                known.Add(reader.GetString(0));
            }
        }

        if (products.FirstOrDefault(p => !known.Contains(p.Value)) is { Value: not null } missing)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"product {missing} is not in the catalog; register it first.");
        }
    }

    private static void RequireSeats(int seats)
    {
        if (seats < 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"seats must be 0 or more, not {seats}.");
        }
    }
}
