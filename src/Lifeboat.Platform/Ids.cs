using Lifeboat.Storage;

namespace Lifeboat.Platform;

/// <summary>A kind of identifier: its prefix ("site") and the name people use for it ("site").</summary>
public sealed record IdKind(string Prefix, string Name, string Article = "a")
{
    public static readonly IdKind Site = new("site", "site");
    public static readonly IdKind Product = new("prd", "product");
    public static readonly IdKind App = new("app", "app", "an");
    public static readonly IdKind AppInstallation = new("ain", "app installation", "an");
    public static readonly IdKind User = new("usr", "user");
    public static readonly IdKind Group = new("grp", "group");
    public static readonly IdKind Licence = new("lic", "licence");
    public static readonly IdKind Contact = new("cnt", "contact");
    public static readonly IdKind Plan = new("plan", "change plan");
    public static readonly IdKind Alert = new("alr", "alert", "an");
    public static readonly IdKind RestoreJob = new("rjob", "restore job");
    public static readonly IdKind Backup = new("bak", "backup");
    public static readonly IdKind Operator = new("opr", "operator", "an");
    public static readonly IdKind ApiToken = new("tok", "API token", "an");
    public static readonly IdKind EmergencyAccess = new("brk", "emergency access grant", "an");
    public static readonly IdKind Account = new("acct", "customer account");
    public static readonly IdKind Ticket = new("tkt", "support ticket");

    public static IReadOnlyList<IdKind> All { get; } = [Site, Product, App, AppInstallation, User, Group, Licence, Contact, Plan, Alert, RestoreJob, Backup, Operator, ApiToken, EmergencyAccess, Account, Ticket];

    /// <summary>"a site ID (site_…)", "an app installation ID (ain_…)".</summary>
    public string Described => $"{Article} {Name} ID ({Prefix}_…)";

    /// <summary>The kind whose prefix the value carries, whether or not the rest of it is well formed.</summary>
    public static IdKind? Of(string? value) =>
        value is null ? null : All.FirstOrDefault(k => value.StartsWith(k.Prefix + "_", StringComparison.Ordinal));

    public override string ToString() => Name;
}

/// <summary>
/// An identifier of one kind. IDs are parsed strictly at every boundary (library, HTTP, CLI,
/// plan files): an ID of another kind is refused before anything happens, naming both kinds.
/// </summary>
public interface ITypedId<TSelf>
    where TSelf : struct, ITypedId<TSelf>
{
    static abstract IdKind Kind { get; }

    string Value { get; }

    static abstract TSelf FromValidated(string value);
}

public static class TypedId
{
    public static T Parse<T>(string? value)
        where T : struct, ITypedId<T> =>
        TryParse<T>(value, out var id, out var error) ? id : throw new WrongIdException(error!, T.Kind, IdKind.Of(value));

    public static bool TryParse<T>(string? value, out T id, out string? error)
        where T : struct, ITypedId<T>
    {
        error = Check(T.Kind, value);
        id = error is null ? T.FromValidated(value!) : default;
        return error is null;
    }

    /// <summary>Null when <paramref name="value"/> is a well-formed ID of <paramref name="expected"/>; otherwise why not, naming both kinds.</summary>
    public static string? Check(IdKind expected, string? value)
    {
        ArgumentNullException.ThrowIfNull(expected);
        // The expected kind first: kinds defined outside the platform (a product's own IDs) are not in IdKind.All.
        var given = value is not null && value.StartsWith(expected.Prefix + "_", StringComparison.Ordinal) ? expected : IdKind.Of(value);
        if (given is not null && given != expected)
        {
            return $"'{value}' is {given.Described}, but {expected.Described} is expected here.";
        }

        var body = value is null || given is null ? null : value[(expected.Prefix.Length + 1)..];
        if (body is null || body.Length is < 2 or > 40 || body.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9'))))
        {
            return $"'{value}' is not {expected.Described}: {expected.Name} IDs look like {expected.Prefix}_01jd8x2k9q4m7t6v5w3y1z0a8b.";
        }

        return null;
    }

    /// <summary>A new ID: time-ordered (sortable by creation), random in its last 80 bits.</summary>
    public static T New<T>(TimeProvider time)
        where T : struct, ITypedId<T> =>
        T.FromValidated(SortableIds.New(T.Kind.Prefix, time));
}

/// <summary>An identifier that is malformed, or of another kind than expected.</summary>
public sealed class WrongIdException(string message, IdKind expected, IdKind? given) : PlatformException(PlatformErrorKind.Invalid, message)
{
    public IdKind Expected { get; } = expected;

    public IdKind? Given { get; } = given;
}

public readonly record struct SiteId : ITypedId<SiteId>
{
    private SiteId(string value) => Value = value;

    public static IdKind Kind => IdKind.Site;

    public string Value { get; }

    /// <summary>Each site is one tenant of the store, keyed by its site ID.</summary>
    public TenantId Tenant => TenantId.Parse(Value);

    public static SiteId FromValidated(string value) => new(value);

    public static SiteId Parse(string? value) => TypedId.Parse<SiteId>(value);

    public override string ToString() => Value;
}

public readonly record struct ProductId : ITypedId<ProductId>
{
    private ProductId(string value) => Value = value;

    public static IdKind Kind => IdKind.Product;

    public string Value { get; }

    public static ProductId FromValidated(string value) => new(value);

    public static ProductId Parse(string? value) => TypedId.Parse<ProductId>(value);

    public override string ToString() => Value;
}

public readonly record struct AppId : ITypedId<AppId>
{
    private AppId(string value) => Value = value;

    public static IdKind Kind => IdKind.App;

    public string Value { get; }

    public static AppId FromValidated(string value) => new(value);

    public static AppId Parse(string? value) => TypedId.Parse<AppId>(value);

    public override string ToString() => Value;
}

public readonly record struct AppInstallationId : ITypedId<AppInstallationId>
{
    private AppInstallationId(string value) => Value = value;

    public static IdKind Kind => IdKind.AppInstallation;

    public string Value { get; }

    public static AppInstallationId FromValidated(string value) => new(value);

    public static AppInstallationId Parse(string? value) => TypedId.Parse<AppInstallationId>(value);

    public override string ToString() => Value;
}

public readonly record struct UserId : ITypedId<UserId>
{
    private UserId(string value) => Value = value;

    public static IdKind Kind => IdKind.User;

    public string Value { get; }

    public static UserId FromValidated(string value) => new(value);

    public static UserId Parse(string? value) => TypedId.Parse<UserId>(value);

    public override string ToString() => Value;
}

public readonly record struct GroupId : ITypedId<GroupId>
{
    private GroupId(string value) => Value = value;

    public static IdKind Kind => IdKind.Group;

    public string Value { get; }

    public static GroupId FromValidated(string value) => new(value);

    public static GroupId Parse(string? value) => TypedId.Parse<GroupId>(value);

    public override string ToString() => Value;
}

public readonly record struct LicenceId : ITypedId<LicenceId>
{
    private LicenceId(string value) => Value = value;

    public static IdKind Kind => IdKind.Licence;

    public string Value { get; }

    public static LicenceId FromValidated(string value) => new(value);

    public static LicenceId Parse(string? value) => TypedId.Parse<LicenceId>(value);

    public override string ToString() => Value;
}

public readonly record struct ContactId : ITypedId<ContactId>
{
    private ContactId(string value) => Value = value;

    public static IdKind Kind => IdKind.Contact;

    public string Value { get; }

    public static ContactId FromValidated(string value) => new(value);

    public static ContactId Parse(string? value) => TypedId.Parse<ContactId>(value);

    public override string ToString() => Value;
}

/// <summary>A customer account: the customer who owns sites, kept outside every site's data.</summary>
public readonly record struct AccountId : ITypedId<AccountId>
{
    private AccountId(string value) => Value = value;

    public static IdKind Kind => IdKind.Account;

    public string Value { get; }

    public static AccountId FromValidated(string value) => new(value);

    public static AccountId Parse(string? value) => TypedId.Parse<AccountId>(value);

    public override string ToString() => Value;
}

/// <summary>A support ticket: one customer request or one affected site of an incident, under its account once it is known.</summary>
public readonly record struct TicketId : ITypedId<TicketId>
{
    private TicketId(string value) => Value = value;

    public static IdKind Kind => IdKind.Ticket;

    public string Value { get; }

    public static TicketId FromValidated(string value) => new(value);

    public static TicketId Parse(string? value) => TypedId.Parse<TicketId>(value);

    public override string ToString() => Value;
}

public readonly record struct PlanId : ITypedId<PlanId>
{
    private PlanId(string value) => Value = value;

    public static IdKind Kind => IdKind.Plan;

    public string Value { get; }

    public static PlanId FromValidated(string value) => new(value);

    public static PlanId Parse(string? value) => TypedId.Parse<PlanId>(value);

    public override string ToString() => Value;
}

public readonly record struct AlertId : ITypedId<AlertId>
{
    private AlertId(string value) => Value = value;

    public static IdKind Kind => IdKind.Alert;

    public string Value { get; }

    public static AlertId FromValidated(string value) => new(value);

    public static AlertId Parse(string? value) => TypedId.Parse<AlertId>(value);

    public override string ToString() => Value;
}

public readonly record struct RestoreJobId : ITypedId<RestoreJobId>
{
    private RestoreJobId(string value) => Value = value;

    public static IdKind Kind => IdKind.RestoreJob;

    public string Value { get; }

    public static RestoreJobId FromValidated(string value) => new(value);

    public static RestoreJobId Parse(string? value) => TypedId.Parse<RestoreJobId>(value);

    public override string ToString() => Value;
}

public readonly record struct BackupId : ITypedId<BackupId>
{
    private BackupId(string value) => Value = value;

    public static IdKind Kind => IdKind.Backup;

    public string Value { get; }

    public static BackupId FromValidated(string value) => new(value);

    public static BackupId Parse(string? value) => TypedId.Parse<BackupId>(value);

    public override string ToString() => Value;
}

public readonly record struct OperatorId : ITypedId<OperatorId>
{
    private OperatorId(string value) => Value = value;

    public static IdKind Kind => IdKind.Operator;

    public string Value { get; }

    public static OperatorId FromValidated(string value) => new(value);

    public static OperatorId Parse(string? value) => TypedId.Parse<OperatorId>(value);

    public override string ToString() => Value;
}

public readonly record struct ApiTokenId : ITypedId<ApiTokenId>
{
    private ApiTokenId(string value) => Value = value;

    public static IdKind Kind => IdKind.ApiToken;

    public string Value { get; }

    public static ApiTokenId FromValidated(string value) => new(value);

    public static ApiTokenId Parse(string? value) => TypedId.Parse<ApiTokenId>(value);

    public override string ToString() => Value;
}

public readonly record struct EmergencyAccessId : ITypedId<EmergencyAccessId>
{
    private EmergencyAccessId(string value) => Value = value;

    public static IdKind Kind => IdKind.EmergencyAccess;

    public string Value { get; }

    public static EmergencyAccessId FromValidated(string value) => new(value);

    public static EmergencyAccessId Parse(string? value) => TypedId.Parse<EmergencyAccessId>(value);

    public override string ToString() => Value;
}
