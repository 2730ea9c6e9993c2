using System.Text.RegularExpressions;
using Lifeboat.Platform;
using Lifeboat.Storage;

namespace Lifeboat.Sample;

/// <summary>
/// The Tracker product: what a user does with issues, comments and attachments on a site. Every
/// change is refused while the product is not active on the site; reads are always allowed, so a
/// suspended product's data stays visible.
/// </summary>
public sealed partial class Tracker
{
    private const int MaxLabels = 10;

    private readonly LifeboatPlatform _platform;
    private readonly SiteGuard _guard;

    public Tracker(LifeboatPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        _platform = platform;
        _guard = new SiteGuard(platform, SampleProducts.TrackerProduct);
    }

    private RecordStore Records => _platform.Store.Records;

    private TimeProvider Time => _platform.Options.Store.TimeProvider;

    public async Task<Issue> CreateIssueAsync(SiteId site, UserId reporter, string title, string body, IEnumerable<string>? labels = null,
        UserId? assignee = null, CancellationToken cancellationToken = default)
    {
        var text = SiteGuard.RequireText(title, "an issue's title", 200);
        var tags = RequireLabels(labels);
        await _guard.RequireActiveAsync(site, cancellationToken);
        await _guard.RequireUserAsync(site, reporter, cancellationToken);
        if (assignee is { } a)
        {
            await _guard.RequireUserAsync(site, a, cancellationToken);
        }

        var now = Time.GetUtcNow();
        var issue = new Issue(TypedId.New<IssueId>(Time), text, body ?? "", IssueStatus.Open, reporter, assignee, tags, now, now);
        await Records.PutAsync(site.Tenant, TrackerData.Issues, issue.Id.Value, SampleJson.ToElement(issue), cancellationToken);
        return issue;
    }

    /// <summary>Changes an issue's title, body or labels (what is null stays as it is).</summary>
    public Task<Issue> UpdateIssueAsync(SiteId site, IssueId issue, string? title = null, string? body = null, IEnumerable<string>? labels = null,
        CancellationToken cancellationToken = default)
    {
        var text = title is null ? null : SiteGuard.RequireText(title, "an issue's title", 200);
        var tags = labels is null ? null : RequireLabels(labels);
        return ChangeAsync(site, issue, i => i with { Title = text ?? i.Title, Body = body ?? i.Body, Labels = tags ?? i.Labels }, cancellationToken);
    }

    public Task<Issue> SetStatusAsync(SiteId site, IssueId issue, IssueStatus status, CancellationToken cancellationToken = default) =>
        ChangeAsync(site, issue, i => i with { Status = status }, cancellationToken);

    public Task<Issue> CloseIssueAsync(SiteId site, IssueId issue, CancellationToken cancellationToken = default) =>
        SetStatusAsync(site, issue, IssueStatus.Closed, cancellationToken);

    /// <summary>Assigns the issue to a user of the site, or unassigns it (null).</summary>
    public async Task<Issue> AssignAsync(SiteId site, IssueId issue, UserId? assignee, CancellationToken cancellationToken = default)
    {
        if (assignee is { } a)
        {
            await _guard.RequireUserAsync(site, a, cancellationToken);
        }

        return await ChangeAsync(site, issue, i => i with { Assignee = assignee }, cancellationToken);
    }

    /// <summary>Adds a comment and moves the issue's "updated" time, in one commit.</summary>
    public async Task<Comment> CommentAsync(SiteId site, IssueId issue, UserId author, string body, CancellationToken cancellationToken = default)
    {
        var text = SiteGuard.RequireText(body, "a comment", 20_000);
        await _guard.RequireActiveAsync(site, cancellationToken);
        var current = await RequireIssueAsync(site, issue, cancellationToken);
        await _guard.RequireUserAsync(site, author, cancellationToken);
        var now = Time.GetUtcNow();
        var comment = new Comment(TypedId.New<CommentId>(Time), issue, author, text, now);
        await Records.WriteAsync(Records.Batch(site.Tenant)
            .Put(TrackerData.Comments, comment.Id.Value, SampleJson.ToElement(comment))
            .Put(TrackerData.Issues, issue.Value, SampleJson.ToElement(current with { UpdatedAt = now })), cancellationToken);
        return comment;
    }

    /// <summary>Stores the bytes in the blob store and the attachment's metadata in a record that refers to them.</summary>
    public async Task<Attachment> AttachAsync(SiteId site, IssueId issue, UserId uploadedBy, string fileName, string contentType, Stream content,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = SiteGuard.RequireText(fileName, "a file name", 255);
        var type = SiteGuard.RequireText(contentType, "a content type", 100);
        await _guard.RequireActiveAsync(site, cancellationToken);
        await RequireIssueAsync(site, issue, cancellationToken);
        await _guard.RequireUserAsync(site, uploadedBy, cancellationToken);
        var blob = await _platform.Store.Blobs.StoreContentAsync(content, cancellationToken);
        var attachment = new Attachment(TypedId.New<AttachmentId>(Time), issue, name, type, blob.Size, uploadedBy, Time.GetUtcNow());
        await Records.WriteAsync(Records.Batch(site.Tenant)
            .PutBlob(TrackerData.Attachments, attachment.Id.Value, blob, SampleJson.ToElement(attachment)), cancellationToken);
        return attachment;
    }

    public async Task<Issue?> GetIssueAsync(SiteId site, IssueId issue, CancellationToken cancellationToken = default) =>
        await Records.GetAsync(site.Tenant, TrackerData.Issues.Name, issue.Value, cancellationToken) is { } r ? SampleJson.Read<Issue>(r) : null;

    /// <summary>Every issue of the site, oldest first.</summary>
    public async Task<IReadOnlyList<Issue>> IssuesAsync(SiteId site, CancellationToken cancellationToken = default) =>
        (await Records.ListAsync(site.Tenant, TrackerData.Issues.Name, cancellationToken)).Select(SampleJson.Read<Issue>).ToList();

    public async Task<IReadOnlyList<Issue>> ByStatusAsync(SiteId site, IssueStatus status, CancellationToken cancellationToken = default) =>
        (await Records.QueryAsync(site.Tenant, TrackerData.Issues, "status", SampleJson.Key(status), cancellationToken)).Select(SampleJson.Read<Issue>).ToList();

    public async Task<IReadOnlyList<Issue>> ByAssigneeAsync(SiteId site, UserId assignee, CancellationToken cancellationToken = default) =>
        (await Records.QueryAsync(site.Tenant, TrackerData.Issues, "assignee", assignee.Value, cancellationToken)).Select(SampleJson.Read<Issue>).ToList();

    public async Task<IReadOnlyList<Comment>> CommentsAsync(SiteId site, IssueId issue, CancellationToken cancellationToken = default) =>
        (await Records.QueryAsync(site.Tenant, TrackerData.Comments, "issue", issue.Value, cancellationToken)).Select(SampleJson.Read<Comment>)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id.Value, StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<Attachment>> AttachmentsAsync(SiteId site, IssueId issue, CancellationToken cancellationToken = default) =>
        (await Records.QueryAsync(site.Tenant, TrackerData.Attachments, "issue", issue.Value, cancellationToken)).Select(SampleJson.Read<Attachment>).ToList();

    /// <summary>An attachment's bytes, checked against their hash.</summary>
    public async Task<byte[]> ReadAttachmentAsync(SiteId site, AttachmentId attachment, CancellationToken cancellationToken = default) =>
        await _platform.Store.Blobs.ReadAllBytesAsync(site.Tenant, TrackerData.Attachments.Name, attachment.Value, cancellationToken)
        ?? throw new PlatformException(PlatformErrorKind.NotFound, $"attachment {attachment} does not exist on site {site}.");

    private async Task<Issue> ChangeAsync(SiteId site, IssueId issue, Func<Issue, Issue> change, CancellationToken ct)
    {
        await _guard.RequireActiveAsync(site, ct);
        var current = await RequireIssueAsync(site, issue, ct);
        var changed = change(current);
        if (SampleJson.SameContent(changed, current))
        {
            return current; // a change that changes nothing writes no new version
        }

        changed = changed with { UpdatedAt = Time.GetUtcNow() };
        await Records.PutAsync(site.Tenant, TrackerData.Issues, issue.Value, SampleJson.ToElement(changed), ct);
        return changed;
    }

    private async Task<Issue> RequireIssueAsync(SiteId site, IssueId issue, CancellationToken ct) =>
        await GetIssueAsync(site, issue, ct) ?? throw new PlatformException(PlatformErrorKind.NotFound, $"issue {issue} does not exist on site {site}.");

    private static string[] RequireLabels(IEnumerable<string>? labels)
    {
        var list = (labels ?? []).Select(l => l?.Trim().ToLowerInvariant() ?? "").Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length > MaxLabels || list.Any(l => !LabelShape().IsMatch(l)))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"labels must be up to {MaxLabels} words of 1 to 32 lowercase letters, digits or '-' ({string.Join(", ", list)}).");
        }

        return list;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex LabelShape();
}
