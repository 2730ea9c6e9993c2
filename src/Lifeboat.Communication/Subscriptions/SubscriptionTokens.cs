using System.Security.Cryptography;
using Lifeboat.Communication.Internal;
using Lifeboat.Platform;
using NpgsqlTypes;

namespace Lifeboat.Communication.Subscriptions;

/// <summary>
/// The links' tokens: 32 random bytes, written base64url in the link; only their SHA-256 is kept, so the database
/// holds nothing that opens a link. A token is made when the mail carrying it is sent, and exists in clear only there.
/// </summary>
internal sealed class SubscriptionTokens(CommsContext context)
{
    public const string Confirm = "confirm";
    public const string Unsubscribe = "unsubscribe";

    public sealed record Request(long MessageId, string AddressKey, string Purpose, TimeSpan? Lifetime);

    /// <summary>A token per request, kept as its hash; returns each message's token in clear, for its mail.</summary>
    public async Task<IReadOnlyDictionary<long, string>> IssueAsync(IReadOnlyList<Request> requests, CancellationToken ct)
    {
        var tokens = new Dictionary<long, string>();
        if (requests.Count == 0)
        {
            return tokens;
        }

        var now = context.Time.GetUtcNow();
        var hashes = new byte[requests.Count][];
        for (var i = 0; i < requests.Count; i++)
        {
            var secret = RandomNumberGenerator.GetBytes(32);
            tokens[requests[i].MessageId] = Base64Url(secret);
            hashes[i] = SHA256.HashData(secret);
        }

        await using var cmd = context.Command("""
            INSERT INTO comms.subscription_tokens (token_hash, purpose, address_key, message_id, issued_at, expires_at)
            SELECT t.hash, t.purpose, t.address_key, t.message_id, $5, t.expires_at
            FROM unnest($1::bytea[], $2::text[], $3::text[], $4::bigint[], $6::timestamptz[]) AS t(hash, purpose, address_key, message_id, expires_at)
            """);
        cmd.Parameters.Add(new() { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = requests.Select(r => r.Purpose).ToArray() });
        cmd.Parameters.Add(new() { Value = requests.Select(r => r.AddressKey).ToArray() });
        cmd.Parameters.Add(new() { Value = requests.Select(r => r.MessageId).ToArray() });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new()
        {
            Value = requests.Select(r => r.Lifetime is { } l ? (object)(now + l) : DBNull.Value).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        await cmd.ExecuteNonQueryAsync(ct);
        return tokens;
    }

    /// <summary>The hash a link's token is kept as; refuses text that cannot be a token, without looking it up.</summary>
    public static byte[] HashOf(string? token)
    {
        var bytes = FromBase64Url(token?.Trim());
        return bytes is { Length: 32 }
            ? SHA256.HashData(bytes)
            : throw new PlatformException(PlatformErrorKind.Invalid,
                "the link's token is missing or malformed: open the link from the mail as it is (a mail program may have cut it across two lines).");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 100)
        {
            return null;
        }

        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
