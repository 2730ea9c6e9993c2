using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Support.Intake;

/// <summary>
/// The one-time code and link of a request, and their HMAC-SHA256 under the environment's key (a file under the home, like the
/// customer links' key). Only the HMACs are stored: the code and the token exist in clear only in the mail sent to the requester.
/// </summary>
internal sealed class VerificationSecrets(byte[] key)
{
    public const int KeySize = 32;

    /// <summary>Six digits, each equally likely.</summary>
    public static string NewCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>32 random bytes, URL-safe.</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A code is only good for its own request: the ticket is part of what is signed.</summary>
    public byte[] CodeHash(string ticket, string code) => Mac($"code\0{ticket}\0{code}");

    public byte[] TokenHash(string token) => Mac($"link\0{token}");

    private byte[] Mac(string text) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));
}
