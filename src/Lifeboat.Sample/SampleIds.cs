using Lifeboat.Platform;

namespace Lifeboat.Sample;

/// <summary>The ID kinds of the sample's products. Each kind has its own prefix, so an issue ID can never be taken for a page ID.</summary>
public static class SampleIdKinds
{
    public static readonly IdKind Issue = new("iss", "issue", "an");
    public static readonly IdKind Comment = new("cmt", "comment");
    public static readonly IdKind Attachment = new("att", "issue attachment", "an");
    public static readonly IdKind Page = new("pg", "wiki page");
    public static readonly IdKind PageAttachment = new("wat", "wiki attachment");
}

public readonly record struct IssueId : ITypedId<IssueId>
{
    private IssueId(string value) => Value = value;

    public static IdKind Kind => SampleIdKinds.Issue;

    public string Value { get; }

    public static IssueId FromValidated(string value) => new(value);

    public static IssueId Parse(string? value) => TypedId.Parse<IssueId>(value);

    public override string ToString() => Value;
}

public readonly record struct CommentId : ITypedId<CommentId>
{
    private CommentId(string value) => Value = value;

    public static IdKind Kind => SampleIdKinds.Comment;

    public string Value { get; }

    public static CommentId FromValidated(string value) => new(value);

    public static CommentId Parse(string? value) => TypedId.Parse<CommentId>(value);

    public override string ToString() => Value;
}

public readonly record struct AttachmentId : ITypedId<AttachmentId>
{
    private AttachmentId(string value) => Value = value;

    public static IdKind Kind => SampleIdKinds.Attachment;

    public string Value { get; }

    public static AttachmentId FromValidated(string value) => new(value);

    public static AttachmentId Parse(string? value) => TypedId.Parse<AttachmentId>(value);

    public override string ToString() => Value;
}

public readonly record struct PageId : ITypedId<PageId>
{
    private PageId(string value) => Value = value;

    public static IdKind Kind => SampleIdKinds.Page;

    public string Value { get; }

    public static PageId FromValidated(string value) => new(value);

    public static PageId Parse(string? value) => TypedId.Parse<PageId>(value);

    public override string ToString() => Value;
}

public readonly record struct PageAttachmentId : ITypedId<PageAttachmentId>
{
    private PageAttachmentId(string value) => Value = value;

    public static IdKind Kind => SampleIdKinds.PageAttachment;

    public string Value { get; }

    public static PageAttachmentId FromValidated(string value) => new(value);

    public static PageAttachmentId Parse(string? value) => TypedId.Parse<PageAttachmentId>(value);

    public override string ToString() => Value;
}
