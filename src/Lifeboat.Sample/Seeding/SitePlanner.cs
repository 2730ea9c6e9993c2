using System.Globalization;
using System.Text;
using Bogus;
using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;

namespace Lifeboat.Sample.Seeding;

/// <summary>
/// Generates one site's content from a seed. Everything is drawn in a fixed order from one Faker,
/// so the same seed gives the same site whatever the other sites or the thread doing it.
/// </summary>
internal sealed class SitePlanner
{
    private static readonly TimeSpan History = TimeSpan.FromDays(180);

    private readonly Faker _f;
    private readonly SeedSize _size;
    private readonly DateTimeOffset _anchor;

    private SitePlanner(int seed, SeedSize size, DateTimeOffset anchor)
    {
        _f = new Faker("en") { Random = new Randomizer(seed) };
        _size = size;
        _anchor = anchor;
    }

    /// <summary>A customer's company name, drawn from its own seed so names can be settled before any site is planned.</summary>
    public static string CompanyName(int seed) => new Faker("en") { Random = new Randomizer(seed) }.Company.CompanyName();

    public static SitePlan Plan(int seed, string name, string region, bool isInternal, SeedSize size, DateTimeOffset anchor) =>
        new SitePlanner(seed, size, anchor).Plan(name, region, isInternal);

    private SitePlan Plan(string name, string region, bool isInternal)
    {
        var domain = isInternal ? "internal.example" : $"{Slug(name, 30)}.example";
        var users = Users(domain);
        var groups = Groups();
        var memberships = Memberships(users.Count, groups.Count);
        var permissions = Permissions(groups);
        var flags = _f.Random.ListItems(SampleText.Flags, Math.Min(_size.Flags, SampleText.Flags.Length))
            .Select(key => new FeatureFlag(key, _f.Random.Bool(0.6f))).ToList();
        var contacts = Contacts(users[0], domain);
        var (issues, comments, issueFiles) = TrackerContent(users.Count);
        var (pages, pageFiles) = WikiContent(users.Count);
        var seats = users.Count + _f.Random.Int(0, 15);
        return new SitePlan(name, region, isInternal, seats, _f.Random.Bool(0.8f) ? seats : users.Count, InstallLegacyApp: !isInternal && _f.Random.Bool(0.85f),
            users, groups, memberships, permissions, flags, contacts, issues, comments, issueFiles, pages, pageFiles);
    }

    private List<UserPlan> Users(string domain)
    {
        var users = new List<UserPlan>();
        var emails = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _size.Users; i++)
        {
            var first = _f.Name.FirstName();
            var last = _f.Name.LastName();
            var local = $"{Slug(first, 20)}.{Slug(last, 20)}";
            var email = $"{local}@{domain}";
            for (var n = 2; !emails.Add(email); n++)
            {
                email = string.Create(CultureInfo.InvariantCulture, $"{local}{n}@{domain}");
            }

            users.Add(new UserPlan($"{first} {last}", email));
        }

        return users;
    }

    /// <summary>Administrators first (the site's owner is in it), then other teams.</summary>
    private List<string> Groups()
    {
        var others = _f.Random.ListItems(SampleText.Groups[1..], Math.Clamp(_size.Groups - 1, 0, SampleText.Groups.Length - 1));
        return [SampleText.Groups[0], .. others];
    }

    private List<(int Group, int User)> Memberships(int users, int groups)
    {
        var memberships = new List<(int, int)> { (0, 0) };
        for (var user = 1; user < users; user++)
        {
            var group = groups > 1 ? _f.Random.Int(1, groups - 1) : 0;
            memberships.Add((group, user));
            var second = _f.Random.Int(0, groups - 1);
            if (second != group && _f.Random.Bool(0.25f))
            {
                memberships.Add((second, user));
            }
        }

        return memberships;
    }

    private static List<PermissionPlan> Permissions(List<string> groups)
    {
        var permissions = new List<PermissionPlan>();
        for (var g = 0; g < groups.Count; g++)
        {
            var names = SampleText.PermissionsOfGroup[Array.IndexOf(SampleText.Groups, groups[g])];
            permissions.AddRange(names.Split(' ').Select(p => new PermissionPlan(OfGroup: true, g, p)));
        }

        permissions.Add(new PermissionPlan(OfGroup: false, 0, "billing.manage")); // the owner pays the bills
        return permissions;
    }

    /// <summary>The admin always; billing and technical contacts on most sites, some reachable by phone only.</summary>
    private List<ContactPlan> Contacts(UserPlan owner, string domain)
    {
        var contacts = new List<ContactPlan> { new(ContactRole.Admin, owner.Name, owner.Email, _f.Random.Bool(0.5f) ? Phone() : null) };
        var technical = _f.Random.Bool(0.6f);
        if (!technical || _f.Random.Bool(0.7f))
        {
            contacts.Add(new ContactPlan(ContactRole.Billing, _f.Name.FullName(), $"billing@{domain}", null));
        }

        if (technical)
        {
            var phoneOnly = _f.Random.Bool(0.4f);
            contacts.Add(new ContactPlan(ContactRole.Technical, _f.Name.FullName(), phoneOnly ? null : $"ops@{domain}", Phone()));
        }

        return contacts;
    }

    private (List<IssuePlan>, List<CommentPlan>, List<FilePlan>) TrackerContent(int users)
    {
        var count = _size.Issues;
        var created = Enumerable.Range(0, count).Select(_ => Before(_anchor, History)).ToArray();
        var lastActivity = (DateTimeOffset[])created.Clone();
        var comments = new List<CommentPlan>();
        for (var c = 0; c < (count == 0 ? 0 : _size.Comments); c++)
        {
            var issue = _f.Random.Int(0, count - 1);
            var at = Between(created[issue], _anchor);
            lastActivity[issue] = Max(lastActivity[issue], at);
            comments.Add(new CommentPlan(issue, _f.Random.Int(0, users - 1), CommentText(), at));
        }

        var files = new List<FilePlan>();
        for (var a = 0; a < (count == 0 ? 0 : _size.IssueAttachments); a++)
        {
            var issue = _f.Random.Int(0, count - 1);
            var at = Between(created[issue], _anchor);
            lastActivity[issue] = Max(lastActivity[issue], at);
            files.Add(File(issue, _f.Random.Int(0, users - 1), at, ["log", "csv", "txt"]));
        }

        var issues = new List<IssuePlan>(count);
        for (var i = 0; i < count; i++)
        {
            var status = _f.Random.WeightedRandom([IssueStatus.Open, IssueStatus.InProgress, IssueStatus.Closed], [0.4f, 0.2f, 0.4f]);
            var reporter = _f.Random.Int(0, users - 1);
            int? assignee = status == IssueStatus.Open && _f.Random.Bool(0.4f) ? null : _f.Random.Int(0, users - 1);
            var labels = _f.Random.ListItems(SampleText.Labels, _f.Random.Int(0, 3)).ToArray();
            var (title, body) = IssueText();
            issues.Add(new IssuePlan(title, body, status, reporter, assignee, labels, created[i], Max(lastActivity[i], Between(created[i], _anchor))));
        }

        return (issues, comments, files);
    }

    private (List<PagePlan>, List<FilePlan>) WikiContent(int users)
    {
        var pages = new List<PagePlan>(_size.Pages);
        var roots = Math.Min(_size.Pages, 3);
        for (var p = 0; p < _size.Pages; p++)
        {
            int? parent = p < roots ? null : _f.Random.Int(0, p - 1);
            var created = parent is { } parentIndex ? Between(pages[parentIndex].CreatedAt, _anchor) : Before(_anchor - History, History);
            var title = p < SampleText.RootPages.Length && parent is null
                ? SampleText.RootPages[p]
                : _f.PickRandom(SampleText.PageTitles)
                    .Replace("{verb}", _f.Hacker.Verb(), StringComparison.Ordinal)
                    .Replace("{thing}", $"{_f.Hacker.Adjective()} {_f.Hacker.Noun()}", StringComparison.Ordinal);
            pages.Add(new PagePlan(title, PageMarkdown(title), parent, _f.Random.Int(0, users - 1), created));
        }

        var files = new List<FilePlan>();
        for (var a = 0; a < (pages.Count == 0 ? 0 : _size.PageAttachments); a++)
        {
            var page = _f.Random.Int(0, pages.Count - 1);
            files.Add(File(page, _f.Random.Int(0, users - 1), Between(pages[page].CreatedAt, _anchor), ["md", "csv", "txt"]));
        }

        return (pages, files);
    }

    private (string Title, string Body) IssueText()
    {
        var component = _f.PickRandom(SampleText.Components);
        if (_f.Random.Bool(0.3f))
        {
            var feature = $"{_f.Hacker.Adjective()} {_f.Hacker.Noun()}";
            return ($"Support {feature} in {component}", $"As {_f.PickRandom(SampleText.Roles)}, I want {feature} in {component}.\n\n{_f.Hacker.Phrase()}\n");
        }

        var problem = _f.PickRandom(SampleText.Problems);
        var context = _f.PickRandom(SampleText.Contexts);
        var body = new StringBuilder()
            .Append(_f.Hacker.Phrase()).Append("\n\n**Steps to reproduce**\n\n")
            .Append("1. Sign in as ").Append(_f.PickRandom(SampleText.Roles)).Append('\n')
            .Append("2. Open ").Append(component).Append(' ').Append(context).Append('\n')
            .Append("3. ").Append(Capitalized(_f.Hacker.Verb())).Append(" the ").Append(_f.Hacker.Noun()).Append("\n\n")
            .Append("**Expected:** it works.\n**Actual:** it ").Append(problem).Append(".\n");
        return ($"{component} {problem} {context}", body.ToString());
    }

    private string CommentText()
    {
        if (_f.Random.Bool(0.5f))
        {
            return _f.Hacker.Phrase();
        }

        return _f.PickRandom(SampleText.CommentTemplates)
            .Replace("{context}", _f.PickRandom(SampleText.Contexts), StringComparison.Ordinal)
            .Replace("{component}", _f.PickRandom(SampleText.Components), StringComparison.Ordinal)
            .Replace("{version}", _f.System.Semver(), StringComparison.Ordinal);
    }

    private string PageMarkdown(string title)
    {
        var md = new StringBuilder().Append("# ").Append(title).Append("\n\n").Append(Paragraph()).Append("\n\n");
        foreach (var section in _f.Random.ListItems(SampleText.Sections, _f.Random.Int(1, 3)))
        {
            md.Append("## ").Append(section).Append("\n\n");
            if (_f.Random.Bool())
            {
                for (var i = _f.Random.Int(2, 5); i > 0; i--)
                {
                    md.Append("- ").Append(_f.Hacker.Phrase()).Append('\n');
                }

                md.Append('\n');
            }
            else
            {
                md.Append(Paragraph()).Append("\n\n");
            }
        }

        return md.ToString();
    }

    private FilePlan File(int owner, int uploadedBy, DateTimeOffset at, string[] kinds)
    {
        var kind = _f.PickRandom(kinds);
        var size = _f.Random.Int(1024, 6 * 1024);
        var (name, type, bytes) = kind switch
        {
            "log" => ($"{_f.Hacker.Noun().Replace(' ', '-')}-{_f.Random.Int(100, 999)}.log", "text/plain", AttachmentBytes.Log(_f, size, at)),
            "csv" => (string.Create(CultureInfo.InvariantCulture, $"export-{at:yyyy-MM-dd}.csv"), "text/csv", AttachmentBytes.Csv(_f, size)),
            "md" => ($"{_f.Hacker.Noun().Replace(' ', '-')}-notes.md", "text/markdown", AttachmentBytes.Text(_f, size)),
            _ => ($"{_f.Hacker.Verb()}-{_f.Hacker.Noun().Replace(' ', '-')}.txt", "text/plain", AttachmentBytes.Text(_f, size)),
        };
        return new FilePlan(owner, uploadedBy, name, type, bytes, at);
    }

    private string Paragraph() => string.Join(' ', Enumerable.Range(0, _f.Random.Int(2, 5)).Select(_ => _f.Hacker.Phrase()));

    private string Phone() => _f.Random.Replace("+1 ### ### ####");

    private DateTimeOffset Before(DateTimeOffset end, TimeSpan within) => WholeSeconds(end - within * _f.Random.Double());

    private DateTimeOffset Between(DateTimeOffset start, DateTimeOffset end) => WholeSeconds(start + (end - start) * _f.Random.Double());

    /// <summary>People's timestamps, as an application shows them; also keeps them exact through JSON.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Capitalized(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>Lowercase ASCII letters and digits, dashes between words: for emails and domains.</summary>
    internal static string Slug(string text, int max)
    {
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-' && c is ' ' or '-' or ',' or '&')
            {
                slug.Append('-');
            }
        }

        var s = slug.ToString().Trim('-');
        s = s.Length > max ? s[..max].TrimEnd('-') : s;
        return s.Length == 0 ? "site" : s;
    }
}
