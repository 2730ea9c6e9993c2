using Lifeboat.Platform.Catalog;
using Lifeboat.Platform.Identity;
using Lifeboat.Platform.Internal;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Restores;

public sealed record CollectionCheck(string Collection, long RecordsAtPoint, long RecordsNow, bool Equal);

public sealed record SiteValidation(
    bool Ok,
    IReadOnlyList<CollectionCheck> Collections,
    int BlobsChecked,
    string? SignedInAs,
    IReadOnlyList<ParticipantAnswer> Participants,
    IReadOnlyList<string> Problems);

/// <summary>A site that did not pass validation; its findings travel with the error.</summary>
public sealed class ValidationFailedException(SiteValidation validation)
    : PlatformException(PlatformErrorKind.Conflict, $"validation failed: {string.Join("; ", validation.Problems.Take(3))}{(validation.Problems.Count > 3 ? " …" : "")}")
{
    public SiteValidation Validation { get; } = validation;
}

/// <summary>
/// Proves a restored site is its state at the recovery point: every collection's count and content
/// hash equal those at the point (so nothing was lost: RPO zero), every blob's bytes match their
/// hash, one of its users can sign in and read, and every participant agrees. It runs before the
/// site reopens to writes, so the comparison is exact however busy the other sites are.
/// </summary>
internal sealed class SiteValidator(PlatformContext context, IdentityDirectory identity, Participants participants)
{
    public async Task<SiteValidation> ValidateAsync(RestoreJobId job, SiteId site, RecoveryPoint point, ParticipantPoint? participantPoint, CancellationToken ct)
    {
        var problems = new List<string>();
        var then = (await context.Store.Records.DigestAsync(site.Tenant, point, ct)).ToDictionary(d => d.Collection, StringComparer.Ordinal);
        var now = (await context.Store.Records.DigestAsync(site.Tenant, null, ct)).ToDictionary(d => d.Collection, StringComparer.Ordinal);
        var collections = then.Keys.Union(now.Keys).Order(StringComparer.Ordinal).Select(c =>
        {
            var (a, b) = (then.GetValueOrDefault(c), now.GetValueOrDefault(c));
            var equal = a is not null && b is not null && a.Records == b.Records && a.Sha256 == b.Sha256;
            if (!equal)
            {
                problems.Add($"{c}: {a?.Records ?? 0} record(s) at the point, {b?.Records ?? 0} now{(a?.Records == b?.Records ? ", with different content" : "")}");
            }

            return new CollectionCheck(c, a?.Records ?? 0, b?.Records ?? 0, equal);
        }).ToList();

        var blobs = await context.Store.Blobs.VerifyAsync(site.Tenant, null, ct);
        problems.AddRange(blobs.Problems.Select(p => $"blob {p.Collection}/{p.RecordId}: {p.Problem} ({p.Path})"));

        string? signedIn = null;
        var user = (await context.Store.Records.ListAsync(site.Tenant, SiteData.Users.Name, ct))
            .Select(r => r.As<User>(PlatformJson.Options)).FirstOrDefault(u => u.Active);
        if (user is not null)
        {
            try
            {
                signedIn = (await identity.SignInAsync(site, user.Email, ct)).Email;
                if ((await context.Store.Records.ListAsync(site.Tenant, SiteData.Profile.Name, ct)).Count != 1)
                {
                    problems.Add($"{signedIn} signed in but could not read the site's profile");
                }
            }
            catch (PlatformException e)
            {
                problems.Add($"sign-in as {user.Email} failed: {e.Message}");
            }
        }

        var answers = new List<ParticipantAnswer>();
        foreach (var participant in await participants.ListAsync(ct))
        {
            try
            {
                var answer = await participants.ValidateAsync(participant, job, site, participantPoint ?? throw new PlatformException(PlatformErrorKind.Invalid, "no time for participants"), ct);
                answers.Add(answer);
                if (!answer.Ok)
                {
                    problems.Add($"participant {participant.Name}: {answer.Detail ?? "not valid"}");
                }
            }
            catch (PlatformException e)
            {
                problems.Add(e.Message);
            }
        }

        return new SiteValidation(problems.Count == 0, collections, blobs.BlobsChecked, signedIn, answers, problems);
    }
}
