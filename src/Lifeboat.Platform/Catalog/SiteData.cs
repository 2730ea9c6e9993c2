using Lifeboat.Storage;
using Npgsql;

namespace Lifeboat.Platform.Catalog;

/// <summary>The collections a site's tenant holds in the store; a restore of the site covers all of them.</summary>
public static class SiteData
{
    public static readonly CollectionDefinition Profile = new("site.profile");
    public static readonly CollectionDefinition Products = new("site.products", "state");
    public static readonly CollectionDefinition Licences = new("site.licences", "product");
    public static readonly CollectionDefinition Apps = new("site.apps", "app");
    public static readonly CollectionDefinition Flags = new("site.flags");
    public static readonly CollectionDefinition Users = new("identity.users", "email");
    public static readonly CollectionDefinition Groups = new("identity.groups", "name");
    public static readonly CollectionDefinition Memberships = new("identity.memberships", "group", "user");
    public static readonly CollectionDefinition Permissions = new("identity.permissions", "subject");

    internal const string ProfileId = "profile";
}

public sealed record SiteProfile(SiteId Id, string Name, string Region, bool Internal, DateTimeOffset CreatedAt);

public enum ProductState
{
    Active,
    Suspended,
    Deactivated,
}

public sealed record ProductActivation(ProductId Product, ProductState State, DateTimeOffset ChangedAt);

public sealed record Licence(LicenceId Id, SiteId Site, ProductId Product, int Seats, bool Active);

public sealed record Product(ProductId Id, string Name);

public sealed record App(AppId Id, string Name, string Vendor);

public sealed record AppInstallation(AppInstallationId Id, SiteId Site, AppId App, DateTimeOffset InstalledAt);

/// <summary>What a site is made of, for people and for the API.</summary>
public sealed record SiteDetails(
    SiteDirectoryEntry Site,
    IReadOnlyList<ProductActivation> Products,
    IReadOnlyList<Licence> Licences,
    IReadOnlyList<AppInstallation> Apps);

/// <summary>A site as the directory knows it, with its lifecycle state from the store.</summary>
public sealed record SiteDirectoryEntry(SiteId Id, string Name, string Region, bool Internal, DateTimeOffset CreatedAt, TenantState State)
{
    internal const string Select = """
        SELECT d.site_id, d.name, d.region, d.internal, d.created_at,
               CASE WHEN t.restore_id IS NOT NULL THEN 'Restoring' ELSE t.state END
        FROM platform.site_directory d JOIN lifeboat.tenants t ON t.tenant_id = d.site_id
        """;

    internal static SiteDirectoryEntry Read(NpgsqlDataReader r) =>
        new(SiteId.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetFieldValue<DateTimeOffset>(4), Enum.Parse<TenantState>(r.GetString(5)));
}
