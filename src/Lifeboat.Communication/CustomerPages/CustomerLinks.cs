using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Communication.Internal;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Communication.CustomerPages;

/// <summary>
/// Issues, checks and revokes customers' capability links. A token is <c>v1.&lt;link ID&gt;.&lt;expiry&gt;.&lt;signature&gt;</c>,
/// the signature an HMAC-SHA256 under the environment's link key of the version, link, incident, account and expiry, so a
/// link cannot be forged, altered or stretched; the row says whether it was revoked. Only the link's ID is stored.
/// </summary>
internal sealed class CustomerLinks(CommsContext context, byte[]? key)
{
    public static readonly TimeSpan DefaultLife = TimeSpan.FromDays(14);
    public static readonly TimeSpan MaxLife = TimeSpan.FromDays(90);

    /// <summary>How long a link mailed again must still work; shorter-lived links are replaced by a new one in the mail.</summary>
    public static readonly TimeSpan MailedLinkMinimumLife = TimeSpan.FromDays(7);

    private const string Columns = "incident_id, link_id, account_id, issued_at, issued_by, expires_at, revoked_at, revoked_by";

    public async Task<CustomerLink> IssueAsync(IncidentId incident, string account, TimeSpan? life, CancellationToken ct)
    {
        var signingKey = Key();
        var lasts = life ?? DefaultLife;
        if (lasts <= TimeSpan.Zero || lasts > MaxLife)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"a customer link lasts more than nothing and at most {MaxLife.TotalDays:0} days; {lasts} was asked. Nothing was issued.");
        }

        var now = context.Time.GetUtcNow();
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + lasts).ToUnixTimeSeconds());
        var id = Base64Url(RandomNumberGenerator.GetBytes(16));
        await using var cmd = context.Command($"INSERT INTO comms.customer_links (incident_id, link_id, account_id, issued_at, issued_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {Columns}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = account });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = context.Actor });
        cmd.Parameters.Add(new() { Value = expires });
        var link = (await ReadAllAsync(cmd, ct))[0];
        return link with { Token = TokenOf(signingKey, link) };
    }

    /// <summary>
    /// The link each of <paramref name="accounts"/> gets in the mail of an update: an active one that still works for at least
    /// <see cref="MailedLinkMinimumLife"/> (so a link mailed again keeps working as long as a new one would), or one issued now.
    /// Issued by this desk's actor, which is recorded as for a link issued by hand.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ForMailAsync(IncidentId incident, IReadOnlyCollection<string> accounts, CancellationToken ct)
    {
        Key();
        var now = context.Time.GetUtcNow();
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var link in await OfIncidentAsync(incident, null, ct))
        {
            if (link.ActiveAt(now + MailedLinkMinimumLife) && accounts.Contains(link.Account) && !links.ContainsKey(link.Account))
            {
                links[link.Account] = link.Id;
            }
        }

        var missing = accounts.Where(a => !links.ContainsKey(a)).ToArray();
        if (missing.Length > 0)
        {
            // One statement for every account still without a link: 775 customers are one round trip, not 775.
            var expires = DateTimeOffset.FromUnixTimeSeconds((now + DefaultLife).ToUnixTimeSeconds());
            var ids = missing.Select(_ => Base64Url(RandomNumberGenerator.GetBytes(16))).ToArray();
            await using var cmd = context.Command("""
                INSERT INTO comms.customer_links (incident_id, link_id, account_id, issued_at, issued_by, expires_at)
                SELECT $1, l.link_id, l.account_id, $2, $3, $4 FROM unnest($5::text[], $6::text[]) AS l(link_id, account_id)
                """);
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = context.Actor });
            cmd.Parameters.Add(new() { Value = expires });
            cmd.Parameters.Add(new() { Value = ids });
            cmd.Parameters.Add(new() { Value = missing });
            await cmd.ExecuteNonQueryAsync(ct);
            for (var i = 0; i < missing.Length; i++)
            {
                links[missing[i]] = ids[i];
            }
        }

        return links;
    }

    /// <summary>The active links among <paramref name="ids"/> with their tokens signed again (a message being written carries one).</summary>
    public async Task<IReadOnlyDictionary<string, CustomerLink>> ActiveWithTokensAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<string, CustomerLink>();
        }

        var signingKey = Key();
        await using var cmd = context.Command($"SELECT {Columns} FROM comms.customer_links WHERE link_id = ANY($1)");
        cmd.Parameters.Add(new() { Value = ids.ToArray() });
        var now = context.Time.GetUtcNow();
        return (await ReadAllAsync(cmd, ct)).Where(l => l.ActiveAt(now)).ToDictionary(l => l.Id, l => l with { Token = TokenOf(signingKey, l) }, StringComparer.Ordinal);
    }

    private static string TokenOf(byte[] key, CustomerLink link) =>
        $"v1.{link.Id}.{link.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{Sign(key, link.Id, link.Incident.Value, link.Account, link.ExpiresAt)}";

    /// <summary>The link a token names when it is genuine, unexpired and not revoked; otherwise a refusal that says which, and what to do.</summary>
    public async Task<CustomerLink> CheckAsync(string? token, CancellationToken ct)
    {
        var signingKey = Key();
        var parts = (token ?? "").Split('.');
        if (parts.Length != 4 || parts[0] != "v1" || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            throw Unusable("is not a Lifeboat customer link");
        }

        await using var cmd = context.Command($"SELECT {Columns} FROM comms.customer_links WHERE link_id = $1");
        cmd.Parameters.Add(new() { Value = parts[1] });
        var found = await ReadAllAsync(cmd, ct);
        var expires = DateTimeOffset.FromUnixTimeSeconds(unix);
        if (found.Count == 0 || found[0].ExpiresAt != expires
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(parts[3]), Encoding.ASCII.GetBytes(Sign(signingKey, parts[1], found[0].Incident.Value, found[0].Account, expires))))
        {
            throw Unusable("is not a Lifeboat customer link");
        }

        var link = found[0];
        if (link.RevokedAt is not null)
        {
            throw Unusable("was replaced or withdrawn");
        }

        if (link.ExpiresAt <= context.Time.GetUtcNow())
        {
            throw Unusable($"expired on {link.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        }

        return link;
    }

    public async Task<CustomerLink> RevokeAsync(IncidentId incident, string linkId, string reason, CancellationToken ct)
    {
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why) || why.Length > 500)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "revoking a customer link needs a reason (1 to 500 characters). Nothing was revoked.");
        }

        await using var cmd = context.Command($"""
            UPDATE comms.customer_links SET revoked_at = $3, revoked_by = $4, revoke_reason = $5
            WHERE incident_id = $1 AND link_id = $2 AND revoked_at IS NULL RETURNING {Columns}
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = linkId });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        cmd.Parameters.Add(new() { Value = why });
        var revoked = await ReadAllAsync(cmd, ct);
        if (revoked.Count == 1)
        {
            return revoked[0];
        }

        var existing = (await OfIncidentAsync(incident, null, ct)).FirstOrDefault(l => l.Id == linkId);
        throw existing is null
            ? new PlatformException(PlatformErrorKind.NotFound, $"incident {incident} has no customer link {linkId}: list its links to find the ID.")
            : new PlatformException(PlatformErrorKind.Conflict, $"customer link {linkId} was already revoked by {existing.RevokedBy}. Nothing was changed.");
    }

    public async Task<IReadOnlyList<CustomerLink>> OfIncidentAsync(IncidentId incident, string? account, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM comms.customer_links WHERE incident_id = $1 AND ($2::text IS NULL OR account_id = $2) ORDER BY issued_at DESC, link_id");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(CommsContext.Text(account));
        return await ReadAllAsync(cmd, ct);
    }

    private byte[] Key() => key is { Length: >= 32 } k ? k : throw new PlatformException(PlatformErrorKind.Conflict,
        "customer links need the environment's link key (at least 32 bytes): the server keeps one in its home; give CommunicationOptions.LinkKey to a desk of your own.");

    private static PlatformException Unusable(string what) => new(PlatformErrorKind.NotFound,
        $"this link {what}. Ask for a new one through support (no login needed), or read the public status page meanwhile.");

    private static string Sign(byte[] key, string id, string incident, string account, DateTimeOffset expires) =>
        Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"v1\n{id}\n{incident}\n{account}\n{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}")));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<IReadOnlyList<CustomerLink>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var links = new List<CustomerLink>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            links.Add(new CustomerLink(IncidentId.FromValidated(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4),
                r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetString(7)));
        }

        return links;
    }
}
