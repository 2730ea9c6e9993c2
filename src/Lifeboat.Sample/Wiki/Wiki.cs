using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Sample;

/// <summary>
/// The Wiki product: pages in a tree, written in Markdown, with attachments. Every change is refused
/// while the product is not active on the site; reads are always allowed.
/// </summary>
public sealed class Wiki
{
    private const int MaxBody = 200_000;

    private readonly LifeboatPlatform _platform;
    private readonly SiteGuard _guard;

    public Wiki(LifeboatPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        _platform = platform;
        _guard = new SiteGuard(platform, SampleProducts.WikiProduct);
    }

    private RecordStore Records => _platform.Store.Records;

    private TimeProvider Time => _platform.Options.Store.TimeProvider;

    /// <summary>Creates a page at the root (no parent) or under an existing page of the site.</summary>
    public async Task<Page> CreatePageAsync(SiteId site, UserId author, string title, string markdown, PageId? parent = null,
        CancellationToken cancellationToken = default)
    {
        var text = SiteGuard.RequireText(title, "a page's title", 200);
        var body = RequireBody(markdown);
        await _guard.RequireActiveAsync(site, cancellationToken);
        await _guard.RequireUserAsync(site, author, cancellationToken);
        if (parent is { } p)
        {
            await RequirePageAsync(site, p, cancellationToken);
        }

        var now = Time.GetUtcNow();
        var page = new Page(TypedId.New<PageId>(Time), text, body, parent, author, author, 1, now, now);
        await Records.PutAsync(site.Tenant, WikiData.Pages, page.Id.Value, SampleJson.ToElement(page), cancellationToken);
        return page;
    }

    /// <summary>A new version of the page (the title stays when null). An edit that changes nothing writes nothing.</summary>
    public async Task<Page> EditPageAsync(SiteId site, PageId page, UserId editor, string markdown, string? title = null,
        CancellationToken cancellationToken = default)
    {
        var body = RequireBody(markdown);
        var text = title is null ? null : SiteGuard.RequireText(title, "a page's title", 200);
        await _guard.RequireActiveAsync(site, cancellationToken);
        var current = await RequirePageAsync(site, page, cancellationToken);
        await _guard.RequireUserAsync(site, editor, cancellationToken);
        if (string.Equals(current.Body, body, StringComparison.Ordinal) && (text is null || string.Equals(current.Title, text, StringComparison.Ordinal)))
        {
            return current;
        }

        var edited = current with { Title = text ?? current.Title, Body = body, LastEditedBy = editor, Version = current.Version + 1, UpdatedAt = Time.GetUtcNow() };
        await Records.PutAsync(site.Tenant, WikiData.Pages, page.Value, SampleJson.ToElement(edited), cancellationToken);
        return edited;
    }

    /// <summary>Stores the bytes in the blob store and the attachment's metadata in a record that refers to them.</summary>
    public async Task<PageAttachment> AttachAsync(SiteId site, PageId page, UserId uploadedBy, string fileName, string contentType, Stream content,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = SiteGuard.RequireText(fileName, "a file name", 255);
        var type = SiteGuard.RequireText(contentType, "a content type", 100);
        await _guard.RequireActiveAsync(site, cancellationToken);
        await RequirePageAsync(site, page, cancellationToken);
        await _guard.RequireUserAsync(site, uploadedBy, cancellationToken);
        var blob = await _platform.Store.Blobs.StoreContentAsync(content, cancellationToken);
        var attachment = new PageAttachment(TypedId.New<PageAttachmentId>(Time), page, name, type, blob.Size, uploadedBy, Time.GetUtcNow());
        await Records.WriteAsync(Records.Batch(site.Tenant)
            .PutBlob(WikiData.Attachments, attachment.Id.Value, blob, SampleJson.ToElement(attachment)), cancellationToken);
        return attachment;
    }

    public async Task<Page?> GetPageAsync(SiteId site, PageId page, CancellationToken cancellationToken = default) =>
        await Records.GetAsync(site.Tenant, WikiData.Pages.Name, page.Value, cancellationToken) is { } r ? SampleJson.Read<Page>(r) : null;

    public async Task<IReadOnlyList<Page>> PagesAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await Records.ListAsync(site.Tenant, WikiData.Pages.Name, cancellationToken)).Select(SampleJson.Read<Page>).ToList();

    /// <summary>The pages directly under <paramref name="parent"/> (the root pages when null), by title.</summary>
    public async Task<IReadOnlyList<Page>> ChildrenAsync(SiteId site, PageId? parent, CancellationToken cancellationToken = default)
    {
        var pages = parent is { } p
            ? (await Records.QueryAsync(site.Tenant, WikiData.Pages, "parent", p.Value, cancellationToken)).Select(SampleJson.Read<Page>)
            : (await PagesAsync(site, cancellationToken)).Where(page => page.Parent is null);
        return pages.OrderBy(page => page.Title, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<PageAttachment>> AttachmentsAsync(SiteId site, PageId page, CancellationToken cancellationToken = default) =>
        (await Records.QueryAsync(site.Tenant, WikiData.Attachments, "page", page.Value, cancellationToken)).Select(SampleJson.Read<PageAttachment>).ToList();

    /// <summary>An attachment's bytes, checked against their hash.</summary>
    public async Task<byte[]> ReadAttachmentAsync(SiteId site, PageAttachmentId attachment, CancellationToken cancellationToken = default) =>
        await _platform.Store.Blobs.ReadAllBytesAsync(site.Tenant, WikiData.Attachments.Name, attachment.Value, cancellationToken)
        ?? throw new PlatformException(PlatformErrorKind.NotFound, $"wiki attachment {attachment} does not exist on site {site}.");

    private async Task<Page> RequirePageAsync(SiteId site, PageId page, CancellationToken ct) =>
        await GetPageAsync(site, page, ct) ?? throw new PlatformException(PlatformErrorKind.NotFound, $"wiki page {page} does not exist on site {site}.");

    private static string RequireBody(string? markdown) =>
        markdown is null || markdown.Length > MaxBody
            ? throw new PlatformException(PlatformErrorKind.Invalid, "a page's body must be Markdown text of up to 200000 characters.")
            : markdown;
}
