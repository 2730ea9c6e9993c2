using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Platform.Restores;

/// <summary>
/// Signs every request to a participant (docs/participants.md, "Signatures"): HMAC-SHA256 with the
/// participant's secret over "v1.{unix seconds}.{verb}.{body}", sent as
/// <c>X-Lifeboat-Timestamp: {unix seconds}</c> and <c>X-Lifeboat-Signature: v1={hex}</c>. The verb is in
/// it because restore and validate carry the same body; the timestamp lets the participant refuse a
/// replay older than its tolerance (five minutes in the sample).
/// </summary>
internal static class ParticipantSignature
{
    public const string TimestampHeader = "X-Lifeboat-Timestamp";
    public const string SignatureHeader = "X-Lifeboat-Signature";
    private const string SecretPrefix = "lbps_";

    /// <summary>A new secret: 32 random bytes, base64url, with a prefix that says what it is.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (string Timestamp, string Signature) Sign(string secret, DateTimeOffset now, string verb, ReadOnlySpan<byte> body)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.UTF8.GetBytes($"v1.{timestamp}.{verb}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return (timestamp, "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message)));
    }
}
