using Lifeboat.Platform.Internal;
using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Catalog;

/// <summary>
/// Sites: the container of a customer's licensed products in one home region. A site is one tenant
/// of the store; destroying a site deletes the tenant softly, so every byte of it stays restorable.
/// </summary>
public sealed class Sites
{
    private readonly PlatformContext _context;

    internal Sites(PlatformContext context) => _context = context;

    public async Task<SiteProfile> CreateAsync(string name, string region, bool isInternal = false, CancellationToken cancellationToken = default)
    {
        var profile = NewProfile(name, region, isInternal);
        await using var tx = await _context.Store.BeginTransactionAsync(cancellationToken);
        await ReserveNameAsync(tx, profile, cancellationToken);
        await _context.Store.Tenants.CreateAsync(profile.Id.Tenant, tx, cancellationToken);
        await _context.Store.Records.WriteAsync(Created(profile), tx, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return profile;
    }

    /// <summary>A new site's profile, with a new ID; refuses a name or region a site cannot have.</summary>
    internal SiteProfile NewProfile(string name, string region, bool isInternal)
    {
        name = RequireName(name);
        RequireRegion(region);
        return new SiteProfile(TypedId.New<SiteId>(_context.Time), name, region, isInternal, _context.Time.GetUtcNow());
    }

    /// <summary>
    /// Refuses a name already taken in the region, and holds it until <paramref name="tx"/> ends: of two
    /// creations of one name in one region at once, the second waits here, then sees the first.
    /// </summary>
    internal static async Task ReserveNameAsync(StoreTransaction tx, SiteProfile profile, CancellationToken ct)
    {
        // One round trip: the lock, then (in the same batch, so after it) the look for the name.
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        var lockName = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 7300))");
        lockName.Parameters.Add(new() { Value = $"{profile.Region}/{profile.Name.ToLowerInvariant()}" });
        var taken = new NpgsqlBatchCommand($"{SiteDirectoryEntry.Select} WHERE d.region = $1 AND lower(d.name) = lower($2) AND t.state <> 'Purged'");
        taken.Parameters.Add(new() { Value = profile.Region });
        taken.Parameters.Add(new() { Value = profile.Name });
        batch.BatchCommands.Add(lockName);
        batch.BatchCommands.Add(taken);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            var existing = SiteDirectoryEntry.Read(reader);
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"a site named '{existing.Name}' already exists in {profile.Region} ({existing.Id}, {existing.State}{(existing.State == TenantState.Deleted ? ": its name stays reserved while it can be restored" : "")}). Choose another name.");
        }
    }

    /// <summary>The writes that make a site: its profile, its directory entry and the event announcing it.</summary>
    internal WriteBatch Created(SiteProfile profile)
    {
        var directory = new NpgsqlBatchCommand("INSERT INTO platform.site_directory (site_id, name, region, internal, created_at) VALUES ($1, $2, $3, $4, $5)");
        directory.Parameters.Add(new() { Value = profile.Id.Value });
        directory.Parameters.Add(new() { Value = profile.Name });
        directory.Parameters.Add(new() { Value = profile.Region });
        directory.Parameters.Add(new() { Value = profile.Internal });
        directory.Parameters.Add(new() { Value = profile.CreatedAt });
        return _context.Store.Records.Batch(profile.Id.Tenant)
            .Put(SiteData.Profile, SiteData.ProfileId, _context.Json(profile))
            .Include(directory)
            .Include(_context.Event("site.created", profile.Id, null, new { name = profile.Name, region = profile.Region, @internal = profile.Internal }));
    }

    public Task<SiteDirectoryEntry> GetAsync(SiteId site, CancellationToken cancellationToken = default) =>
        _context.RequireSiteAsync(site, cancellationToken);

    /// <summary>The site with its products, licences and apps. A deleted site shows its directory entry only.</summary>
    public async Task<SiteDetails> DescribeAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        var entry = await _context.RequireSiteAsync(site, cancellationToken);
        if (entry.State is TenantState.Deleted or TenantState.Purged)
        {
            return new SiteDetails(entry, [], [], []);
        }

        var records = _context.Store.Records;
        var products = (await records.ListAsync(site.Tenant, SiteData.Products.Name, cancellationToken)).Select(r => r.As<ProductActivation>(PlatformJson.Options)).ToList();
        var licences = (await records.ListAsync(site.Tenant, SiteData.Licences.Name, cancellationToken)).Select(r => r.As<Licence>(PlatformJson.Options)).ToList();
        var apps = (await records.ListAsync(site.Tenant, SiteData.Apps.Name, cancellationToken)).Select(r => r.As<AppInstallation>(PlatformJson.Options)).ToList();
        return new SiteDetails(entry, products, licences, apps);
    }

    /// <summary>Sites in ID (creation) order, filtered by region, state and internal flag; paged with <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<SiteDirectoryEntry>> ListAsync(string? region = null, TenantState? state = null, bool? isInternal = null,
        SiteId? after = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        if (region is not null)
        {
            RequireRegion(region);
        }

        await using var cmd = _context.Command($"""
            {SiteDirectoryEntry.Select}
            WHERE ($1::text IS NULL OR d.region = $1)
              AND ($2::text IS NULL OR ($2 = 'Restoring' AND t.restore_id IS NOT NULL) OR (t.restore_id IS NULL AND t.state = $2))
              AND ($3::boolean IS NULL OR d.internal = $3)
              AND ($4::text IS NULL OR d.site_id > $4)
            ORDER BY d.site_id LIMIT $5
            """);
        cmd.Parameters.Add(new() { Value = (object?)region ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)state?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)isInternal ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        cmd.Parameters.Add(new() { Value = (object?)after?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = Math.Clamp(limit, 1, 10_000) });
        var list = new List<SiteDirectoryEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(SiteDirectoryEntry.Read(reader));
        }

        return list;
    }

    /// <summary>How many sites of this environment someone other than <paramref name="actor"/> created (a drill refuses to run among them).</summary>
    public async Task<long> CountCreatedByOthersAsync(string actor, CancellationToken cancellationToken = default)
    {
        await using var cmd = _context.Command("""
            SELECT count(*) FROM platform.site_directory d
            WHERE NOT EXISTS (SELECT 1 FROM platform.outbox o WHERE o.site_id = d.site_id AND o.event_type = 'site.created' AND o.actor = $1)
            """);
        cmd.Parameters.Add(new() { Value = actor });
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Destroys a site softly: it becomes invisible and closed to writes, and every store of it stays
    /// intact until the retention job purges it. Destroying a destroyed site changes nothing.
    /// </summary>
    public async Task<bool> DeleteAsync(SiteId site, string reason, CancellationToken cancellationToken = default)
    {
        var entry = await _context.RequireSiteAsync(site, cancellationToken);
        return await _context.ChangeSiteAsync(site, tx => DeleteAsync(tx, entry, reason, cancellationToken), cancellationToken);
    }

    /// <summary>The deletion itself, inside a transaction that holds the site's lock.</summary>
    internal async Task<bool> DeleteAsync(StoreTransaction tx, SiteDirectoryEntry entry, string reason, CancellationToken ct)
    {
        var change = await _context.Store.Tenants.DeleteAsync(entry.Id.Tenant, RequireReason(reason), tx, ct);
        if (change is not null)
        {
            await _context.AppendAsync(tx, _context.Event("site.deleted", entry.Id, null, new { entry.Name, entry.Region, reason }), ct);
        }

        return change is not null;
    }

    public async Task<bool> UndeleteAsync(SiteId site, string reason, CancellationToken cancellationToken = default)
    {
        await _context.RequireSiteAsync(site, cancellationToken);
        return await _context.ChangeSiteAsync(site, async tx =>
        {
            var change = await _context.Store.Tenants.UndeleteAsync(site.Tenant, RequireReason(reason), tx, cancellationToken);
            if (change is not null)
            {
                await _context.AppendAsync(tx, _context.Event("site.undeleted", site, null, new { reason }), cancellationToken);
            }

            return change is not null;
        }, cancellationToken);
    }

    /// <summary>Refuses a region sites do not use; <paramref name="what"/> says whose region it is ("sites can live in").</summary>
    internal void RequireRegion(string region, string what = "sites can live in")
    {
        if (region is null || !_context.Options.Regions.Contains(region, StringComparer.Ordinal))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"unknown region '{region}'; {what}: {string.Join(", ", _context.Options.Regions)}.");
        }
    }

    private static string RequireName(string name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 100 || trimmed.Any(char.IsControl))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a site name must be 1 to 100 printable characters.");
        }

        return trimmed;
    }

    internal static string RequireReason(string reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw new PlatformException(PlatformErrorKind.Invalid, "say why (a reason is recorded with every lifecycle change).")
            : reason.Trim();
}
