using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Contacts;
using Npgsql;

namespace Lifeboat.Platform.Accounts;

/// <summary>How much support a customer has bought.</summary>
public enum SupportTier
{
    Standard,
    Premium,
    Enterprise,
}

/// <summary>A customer: it owns sites, and has key contacts of its own.</summary>
public sealed record CustomerAccount(AccountId Id, string Name, SupportTier Tier, string Region, DateTimeOffset CreatedAt)
{
    internal const string Columns = "a.account_id, a.name, a.support_tier, a.region, a.created_at";

    /// <summary>Reads <see cref="Columns"/> from <paramref name="first"/> on.</summary>
    internal static CustomerAccount Read(NpgsqlDataReader r, int first = 0) =>
        new(AccountId.Parse(r.GetString(first)), r.GetString(first + 1), Enum.Parse<SupportTier>(r.GetString(first + 2)), r.GetString(first + 3),
            r.GetFieldValue<DateTimeOffset>(first + 4));

    /// <summary>"Acme (acct_…)", the way messages name an account.</summary>
    public override string ToString() => $"{Name} ({Id})";
}

/// <summary>A site of an account, in whatever state the site is (deleted and purged sites included), and since when the account owns it.</summary>
public sealed record AccountSite(SiteDirectoryEntry Site, DateTimeOffset LinkedAt, string LinkedBy);

/// <summary>One link of an account to a site: from when, by whom, and, once ended, until when and by whom.</summary>
public sealed record AccountLink(AccountId Account, SiteId Site, DateTimeOffset LinkedAt, string LinkedBy, DateTimeOffset? UnlinkedAt, string? UnlinkedBy);

/// <summary>A key contact of the account itself (not of one of its sites).</summary>
public sealed record AccountContact(ContactId Id, AccountId Account, ContactRole Role, string Name, string? Email, string? Phone,
    DateTimeOffset AddedAt, string AddedBy, DateTimeOffset? RemovedAt = null, string? RemovedBy = null);

/// <summary>Where a key contact came from: the account itself, or one of its sites (<see cref="Site"/>).</summary>
public sealed record KeyContactSource(ContactId Contact, SiteId? Site)
{
    /// <summary>"account" or the site's ID.</summary>
    public override string ToString() => Site?.Value ?? "account";
}

/// <summary>
/// One person to reach about an account: its own contacts and its sites' contacts, one entry per e-mail address
/// (compared case-insensitively). <see cref="From"/> is the first source (the account's own before its sites');
/// <see cref="AlsoFrom"/> the others that list the same address.
/// </summary>
public sealed record KeyContact(ContactRole Role, string Name, string? Email, string? Phone, KeyContactSource From, IReadOnlyList<KeyContactSource> AlsoFrom);

/// <summary>An account with its sites and key contacts: the one view support and communication read.</summary>
public sealed record AccountView(CustomerAccount Account, IReadOnlyList<AccountSite> Sites, IReadOnlyList<KeyContact> KeyContacts);

/// <summary>A key contact to add to an account.</summary>
public sealed record AccountContactDraft(ContactRole Role, string Name, string? Email, string? Phone = null);

/// <summary>The words accounts are given in, read the same way by the library, the API and the CLI.</summary>
public static class AccountWords
{
    public const int MaxName = 200;

    /// <summary>A support tier by its name, in any case; anything else is refused naming the tiers.</summary>
    public static SupportTier Tier(string? value) =>
        IsWord(value) && Enum.TryParse<SupportTier>(value!.Trim(), ignoreCase: true, out var tier)
            ? tier
            : throw new PlatformException(PlatformErrorKind.Invalid,
                $"'{value}' is not a support tier; use one of: {string.Join(", ", Enum.GetNames<SupportTier>())}.");

    /// <summary>A contact role by its name, in any case; anything else is refused naming the roles.</summary>
    public static ContactRole Role(string? value) =>
        IsWord(value) && Enum.TryParse<ContactRole>(value!.Trim(), ignoreCase: true, out var role)
            ? role
            : throw new PlatformException(PlatformErrorKind.Invalid,
                $"'{value}' is not a contact role; use one of: {string.Join(", ", Enum.GetNames<ContactRole>())}.");

    /// <summary>Letters only: Enum.TryParse would also take "2" or "Standard,Premium".</summary>
    private static bool IsWord(string? value) => !string.IsNullOrWhiteSpace(value) && value.Trim().All(char.IsAsciiLetter);

    /// <summary>The name trimmed; an empty or too long one is refused.</summary>
    internal static string Name(string? value)
    {
        var name = value?.Trim();
        return string.IsNullOrEmpty(name) || name.Length > MaxName
            ? throw new PlatformException(PlatformErrorKind.Invalid,
                $"an account needs a name of 1 to {MaxName} characters{(string.IsNullOrEmpty(name) ? "" : $" (this one has {name.Length})")}: give the customer's name.")
            : name;
    }
}
