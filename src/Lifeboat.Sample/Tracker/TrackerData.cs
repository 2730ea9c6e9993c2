using System.Text.Json.Serialization;
using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Sample;

/// <summary>The Tracker's collections in each site's tenant; a restore of the site covers them like the platform's own.</summary>
public static class TrackerData
{
    public static readonly CollectionDefinition Issues = new("tracker.issues", "status", "assignee");
    public static readonly CollectionDefinition Comments = new("tracker.comments", "issue");

    /// <summary>Records that carry a blob: the bytes in the blob store, the metadata in the record.</summary>
    public static readonly CollectionDefinition Attachments = new("tracker.attachments", "issue");
}

public enum IssueStatus
{
    [JsonStringEnumMemberName("open")]
    Open,

    [JsonStringEnumMemberName("in-progress")]
    InProgress,

    [JsonStringEnumMemberName("closed")]
    Closed,
}

public sealed record Issue(
    IssueId Id,
    string Title,
    string Body,
    IssueStatus Status,
    UserId Reporter,
    UserId? Assignee,
    IReadOnlyList<string> Labels,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record Comment(CommentId Id, IssueId Issue, UserId Author, string Body, DateTimeOffset CreatedAt);

/// <summary>An attachment's metadata; its bytes are the blob of the same record.</summary>
public sealed record Attachment(AttachmentId Id, IssueId Issue, string FileName, string ContentType, long Size, UserId UploadedBy, DateTimeOffset CreatedAt);
