using Lifeboat.Platform;
using Lifeboat.Platform.Catalog;
using Lifeboat.Storage;

namespace Lifeboat.Sample.Seeding;

/// <summary>What writing one site produced.</summary>
internal readonly record struct SiteResult(SiteId Site, int Records, int Blobs, long BlobBytes);

/// <summary>
/// Writes one planned site, after storing its files' bytes. By default the whole site is one
/// transaction: <see cref="SiteImports"/> writes the control plane (what the ordinary operations
/// write) and, in the same commit, the products' data in two batches, one per product. With
/// <c>oneCallAtATime</c>, the control plane goes through the ordinary operations themselves, one
/// transaction per licence, user, group, membership, permission, flag and contact, as an operator or
/// a service would, and the two product batches follow, one transaction each. Either way the directory,
/// events and ID ownership are exactly what a real site has. The product batches skip the products'
/// per-write checks: the site is provisioned with both products before them (or in their transaction).
/// </summary>
internal sealed class SiteWriter(LifeboatPlatform platform, bool oneCallAtATime)
{
    private const int NameAttempts = 50;

    private TimeProvider Time => platform.Options.Store.TimeProvider;

    /// <summary>Writes the site and links it to <paramref name="account"/>: in the import's transaction, or by the ordinary call.</summary>
    public async Task<SiteResult> WriteAsync(SitePlan plan, AccountId account, CancellationToken ct)
    {
        var (issueBlobs, pageBlobs) = (await StoreAsync(plan.IssueFiles, ct), await StoreAsync(plan.PageFiles, ct));
        SiteId site;
        if (oneCallAtATime)
        {
            UserId[] users;
            (site, users) = await OneCallAtATimeAsync(plan, ct);
            await platform.Accounts.LinkAsync(account, site, cancellationToken: ct);
            await platform.Store.Records.WriteAsync(TrackerBatch(site, plan, users, issueBlobs), ct);
            await platform.Store.Records.WriteAsync(WikiBatch(site, plan, users, pageBlobs), ct);
        }
        else
        {
            site = await ImportAsync(plan, account, (s, users) => [TrackerBatch(s, plan, users, issueBlobs), WikiBatch(s, plan, users, pageBlobs)], ct);
        }

        return new SiteResult(site, plan.Records, issueBlobs.Length + pageBlobs.Length, issueBlobs.Concat(pageBlobs).Sum(b => b.Size));
    }

    /// <summary>The whole site in one transaction: the control plane and, once its users have IDs, the products' data.</summary>
    private async Task<SiteId> ImportAsync(SitePlan plan, AccountId account, Func<SiteId, UserId[], IEnumerable<WriteBatch>> products, CancellationToken ct)
    {
        var import = new SiteImport(plan.Name, plan.Region)
        {
            Internal = plan.Internal,
            Licences = [new LicenceImport(SampleProducts.TrackerProduct, plan.TrackerSeats), new LicenceImport(SampleProducts.WikiProduct, plan.WikiSeats)],
            Apps = plan.InstallLegacyApp ? [SampleProducts.LegacyInsightsApp] : [],
            Users = [.. plan.Users.Select(u => new UserImport(u.Email, u.Name))],
            Groups = plan.Groups,
            Memberships = [.. plan.Memberships.Select(m => new MembershipImport(plan.Groups[m.Group], plan.Users[m.User].Email))],
            Permissions = [.. plan.Permissions.Select(p => p.OfGroup
                ? new PermissionImport(p.Name, Group: plan.Groups[p.Subject])
                : new PermissionImport(p.Name, UserEmail: plan.Users[p.Subject].Email))],
            Flags = plan.Flags,
            Contacts = [.. plan.Contacts.Select(c => new ContactImport(c.Role, c.Name, c.Email, c.Phone))],
            Account = account,
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var imported = await platform.SiteImports.ImportAsync(attempt == 1 ? import : import with { Name = $"{plan.Name} ({attempt})" },
                    s => products(s.Id, [.. s.Users.Select(u => u.Id)]), ct);
                return imported.Id;
            }
            catch (PlatformException e) when (e.Kind == PlatformErrorKind.Conflict && attempt < NameAttempts)
            {
                // the name is taken in this region: try the next one
            }
        }
    }

    /// <summary>The site's control plane through the ordinary operations, one call (and transaction) at a time.</summary>
    private async Task<(SiteId Site, UserId[] Users)> OneCallAtATimeAsync(SitePlan plan, CancellationToken ct)
    {
        var site = (await CreateSiteAsync(plan, ct)).Id;
        await platform.Provisioning.GrantLicenceAsync(site, SampleProducts.TrackerProduct, plan.TrackerSeats, ct);
        await platform.Provisioning.GrantLicenceAsync(site, SampleProducts.WikiProduct, plan.WikiSeats, ct);
        await platform.Provisioning.ReconcileAsync(site, ct);
        if (plan.InstallLegacyApp)
        {
            await platform.Apps.InstallAsync(site, SampleProducts.LegacyInsightsApp, ct);
        }

        var users = await IdentityAsync(site, plan, ct);
        foreach (var flag in plan.Flags)
        {
            await platform.Flags.SetAsync(site, flag.Key, flag.Enabled, ct);
        }

        foreach (var c in plan.Contacts)
        {
            await platform.Contacts.AddAsync(site, c.Role, c.Name, c.Email, c.Phone, ct);
        }

        return (site, users);
    }

    /// <summary>Seeding twice into one environment reuses names: a taken name gets a number, as a person would choose.</summary>
    private async Task<SiteProfile> CreateSiteAsync(SitePlan plan, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var name = attempt == 1 ? plan.Name : $"{plan.Name} ({attempt})";
            try
            {
                return await platform.Sites.CreateAsync(name, plan.Region, plan.Internal, ct);
            }
            catch (PlatformException e) when (e.Kind == PlatformErrorKind.Conflict && attempt < NameAttempts)
            {
                // the name is taken in this region: try the next one
            }
        }
    }

    private async Task<UserId[]> IdentityAsync(SiteId site, SitePlan plan, CancellationToken ct)
    {
        var users = new UserId[plan.Users.Count];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = (await platform.Identity.AddUserAsync(site, plan.Users[i].Email, plan.Users[i].Name, ct)).Id;
        }

        var groups = new GroupId[plan.Groups.Count];
        for (var g = 0; g < groups.Length; g++)
        {
            groups[g] = (await platform.Identity.AddGroupAsync(site, plan.Groups[g], ct)).Id;
        }

        foreach (var (group, user) in plan.Memberships)
        {
            await platform.Identity.AddMemberAsync(groups[group], users[user], ct);
        }

        foreach (var p in plan.Permissions)
        {
            await platform.Identity.GrantAsync(site, p.OfGroup ? groups[p.Subject].Value : users[p.Subject].Value, p.Name, ct);
        }

        return users;
    }

    /// <summary>Stores the files' bytes (each file once per content), all at once: each write ends in an fsync, and those overlap.</summary>
    private async Task<BlobReference[]> StoreAsync(IReadOnlyList<FilePlan> files, CancellationToken ct) =>
        await Task.WhenAll(files.Select(async f =>
        {
            using var content = new MemoryStream(f.Bytes, writable: false);
            return await platform.Store.Blobs.StoreContentAsync(content, ct);
        }));

    private WriteBatch TrackerBatch(SiteId site, SitePlan plan, UserId[] users, BlobReference[] blobs)
    {
        var batch = platform.Store.Records.Batch(site.Tenant);
        var issues = new IssueId[plan.Issues.Count];
        for (var i = 0; i < issues.Length; i++)
        {
            var p = plan.Issues[i];
            issues[i] = TypedId.New<IssueId>(Time);
            var issue = new Issue(issues[i], p.Title, p.Body, p.Status, users[p.Reporter], p.Assignee is { } a ? users[a] : null, p.Labels, p.CreatedAt, p.UpdatedAt);
            batch.Put(TrackerData.Issues, issue.Id.Value, SampleJson.ToElement(issue));
        }

        foreach (var c in plan.Comments)
        {
            var comment = new Comment(TypedId.New<CommentId>(Time), issues[c.Issue], users[c.Author], c.Body, c.CreatedAt);
            batch.Put(TrackerData.Comments, comment.Id.Value, SampleJson.ToElement(comment));
        }

        for (var f = 0; f < plan.IssueFiles.Count; f++)
        {
            var file = plan.IssueFiles[f];
            var attachment = new Attachment(TypedId.New<AttachmentId>(Time), issues[file.Owner], file.FileName, file.ContentType, blobs[f].Size, users[file.UploadedBy], file.CreatedAt);
            batch.PutBlob(TrackerData.Attachments, attachment.Id.Value, blobs[f], SampleJson.ToElement(attachment));
        }

        return batch;
    }

    private WriteBatch WikiBatch(SiteId site, SitePlan plan, UserId[] users, BlobReference[] blobs)
    {
        var batch = platform.Store.Records.Batch(site.Tenant);
        var pages = new PageId[plan.Pages.Count];
        for (var i = 0; i < pages.Length; i++)
        {
            var p = plan.Pages[i];
            pages[i] = TypedId.New<PageId>(Time);
            var author = users[p.Author];
            var page = new Page(pages[i], p.Title, p.Body, p.Parent is { } parent ? pages[parent] : null, author, author, 1, p.CreatedAt, p.CreatedAt);
            batch.Put(WikiData.Pages, page.Id.Value, SampleJson.ToElement(page));
        }

        for (var f = 0; f < plan.PageFiles.Count; f++)
        {
            var file = plan.PageFiles[f];
            var attachment = new PageAttachment(TypedId.New<PageAttachmentId>(Time), pages[file.Owner], file.FileName, file.ContentType, blobs[f].Size, users[file.UploadedBy], file.CreatedAt);
            batch.PutBlob(WikiData.Attachments, attachment.Id.Value, blobs[f], SampleJson.ToElement(attachment));
        }

        return batch;
    }
}
