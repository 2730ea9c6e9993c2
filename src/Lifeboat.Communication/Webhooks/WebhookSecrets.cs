using System.Security.Cryptography;
using System.Text;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Webhooks;

/// <summary>
/// Webhook signing secrets, sealed with .NET's AES-GCM under the server's key: the database alone does not let anyone
/// sign as Lifeboat. Each secret has its own random nonce, and the webhook's ID is the associated data, so a sealed secret
/// copied to another row does not open. The key's fingerprint is kept beside it, to say which key a secret needs.
/// </summary>
internal sealed class WebhookSecrets
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public WebhookSecrets(byte[] key)
    {
        if (key is not { Length: 32 })
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the webhook secret key is {key?.Length ?? 0} bytes; it must be 32 (AES-256). Give 32 random bytes in base64, or let the server make one in its home.");
        }

        _key = key;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    public string KeyId { get; }

    /// <summary>A new secret as the receiver is given it once: <c>whsec_</c> and 32 random bytes in base64url.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public byte[] Seal(string webhookId, string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Encoding.UTF8.GetBytes(webhookId));
        return sealedBytes;
    }

    public string Open(string webhookId, byte[] sealedBytes, string keyId)
    {
        if (keyId != KeyId)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"webhook {webhookId}'s secret was sealed under key {keyId}, and the server has key {KeyId}: restore the key the secret was made with, or register the webhook again.");
        }

        var length = sealedBytes.Length - NonceBytes - TagBytes;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, length), sealedBytes.AsSpan(NonceBytes + length), plain, Encoding.UTF8.GetBytes(webhookId));
        return Encoding.UTF8.GetString(plain);
    }
}
