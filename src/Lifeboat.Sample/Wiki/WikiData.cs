using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Sample;

/// <summary>The Wiki's collections in each site's tenant.</summary>
public static class WikiData
{
    /// <summary>Indexed by parent, so a page's children are one index lookup (root pages have no parent).</summary>
    public static readonly CollectionDefinition Pages = new("wiki.pages", "parent");

    public static readonly CollectionDefinition Attachments = new("wiki.attachments", "page");
}

/// <summary>A wiki page; <see cref="Version"/> counts its edits (the store keeps every version of it).</summary>
public sealed record Page(
    PageId Id,
    string Title,
    string Body,
    PageId? Parent,
    UserId Author,
    UserId LastEditedBy,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A page attachment's metadata; its bytes are the blob of the same record.</summary>
public sealed record PageAttachment(PageAttachmentId Id, PageId Page, string FileName, string ContentType, long Size, UserId UploadedBy, DateTimeOffset CreatedAt);
