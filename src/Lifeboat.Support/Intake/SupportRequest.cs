using Lifeboat.Platform;
using Lifeboat.Support.Attachments;
using MimeKit;

namespace Lifeboat.Support.Intake;

/// <summary>
/// What someone with no login asks support: their e-mail address (required), their company, "the site you use" (a URL,
/// a name, or nothing: a deleted site has no working URL), and what is wrong (required); and up to 3 files
/// (<see cref="AttachmentLimits"/>).
/// </summary>
public sealed record SupportRequest(string? Email, string? Company, string? Site, string? Description)
{
    public IReadOnlyList<SupportFile> Files { get; init; } = [];
}

/// <summary>A request that passed every check: trimmed, within its limits, the address parsed, the files checked by their content.</summary>
internal sealed record SettledRequest(string Email, string? Company, string? Site, string Description)
{
    public IReadOnlyList<CheckedFile> Files { get; init; } = [];

    public string Subject
    {
        get
        {
            var first = Description.Split('\n', 2)[0].Trim();
            return first.Length <= 120 ? first : first[..117] + "...";
        }
    }
}

/// <summary>The limits of a support request, and the one place that holds a request to them.</summary>
public static class SupportRequestLimits
{
    public const int MaxEmail = 254;
    public const int MaxCompany = 200;
    public const int MaxSite = 500;
    public const int MaxDescription = 10_000;

    /// <summary>The request settled, or refused naming the field, its limit and what to do; a refusal stores nothing.</summary>
    internal static SettledRequest Settle(SupportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var email = Address(request.Email);
        var company = Optional(request.Company, MaxCompany, "the company");
        var site = Optional(request.Site, MaxSite, "the site you use");
        var description = request.Description?.Trim() ?? "";
        if (description.Length == 0)
        {
            throw Refused("what is wrong is empty: say what happened, so support can start on it.");
        }

        if (description.Length > MaxDescription)
        {
            throw Refused($"what is wrong is {description.Length} characters long; the limit is {MaxDescription}. Shorten it (support can ask for more once they answer).");
        }

        return new SettledRequest(email, company, site, description) { Files = AttachmentRules.CheckAll(request.Files) };
    }

    /// <summary>An address as the intake takes it (trimmed, at most 254 characters, nothing around it), or refused saying why.</summary>
    internal static string Address(string? given)
    {
        var email = given?.Trim() ?? "";
        if (email.Length == 0)
        {
            throw Refused("the e-mail address is empty: give the address we should send the confirmation code to.");
        }

        if (email.Length > MaxEmail)
        {
            throw Refused($"the e-mail address is {email.Length} characters long; an address is at most {MaxEmail}. Give the address you read mail at.");
        }

        if (!MailboxAddress.TryParse(email, out var parsed) || parsed.Address != email || !parsed.Address.Contains('@', StringComparison.Ordinal)
            || parsed.Domain.Length == 0 || parsed.LocalPart.Length == 0)
        {
            throw Refused($"'{email}' is not an e-mail address: give one like name@example.com, with nothing around it.");
        }

        return email;
    }

    private static string? Optional(string? value, int max, string what)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        return trimmed.Length <= max
            ? trimmed
            : throw Refused($"{what} is {trimmed.Length} characters long; the limit is {max}. Shorten it, or leave it empty.");
    }

    private static PlatformException Refused(string message) => new(PlatformErrorKind.Invalid, message + " Nothing was stored.");
}
