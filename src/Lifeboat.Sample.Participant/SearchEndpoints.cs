using Lifeboat.Storage;

namespace Lifeboat.Sample.Participant;

/// <summary>What the sample's products call: index a document for a site, remove it, list and search a site's documents, drop a deleted site.</summary>
public static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        var sites = app.MapGroup("/sites/{site}");
        sites.MapPut("/documents/{id}", Index);
        sites.MapDelete("/documents/{id}", Remove);
        sites.MapGet("/documents", List);
        sites.MapGet("/search", Search);
        sites.MapDelete("/", DeleteSite);
        return app;
    }

    private static async Task<IResult> Index(string site, string id, DocumentBody body, SearchIndex index, CancellationToken ct)
    {
        var document = new IndexedDocument(id, body.Product ?? "", body.Title ?? "", body.Text ?? "");
        await index.IndexAsync(TenantId.Parse(site), document, ct);
        return Results.Ok(document);
    }

    private static async Task<IResult> Remove(string site, string id, SearchIndex index, CancellationToken ct) =>
        Results.Ok(new { removed = await index.RemoveAsync(TenantId.Parse(site), id, ct) });

    private static async Task<IResult> List(string site, SearchIndex index, CancellationToken ct) =>
        Results.Ok(await index.ListAsync(TenantId.Parse(site), ct));

    private static async Task<IResult> Search(string site, string q, SearchIndex index, CancellationToken ct) =>
        Results.Ok(await index.SearchAsync(TenantId.Parse(site), q, ct));

    private static async Task<IResult> DeleteSite(string site, string reason, SearchIndex index, CancellationToken ct) =>
        Results.Ok(new { deleted = await index.DeleteSiteAsync(TenantId.Parse(site), reason, ct) });
}

public sealed record DocumentBody(string? Product, string? Title, string? Text);
